//! One container in full for viewers (secret-looking values left out), and one such value
//! revealed to an admin, audited.

use bosun_frontend::authz::{Admin, Viewer};
use bosun_frontend::error::AppError;
use bosun_frontend::model::details::{ContainerDetails, is_secret};
use bosun_frontend::model::{AuditOutcome, ContainerRef};

use super::Services;
use crate::docker::{containers, details};

/// A variable name as the engine takes them: letters, digits, `_`, `.`, `-`; at most 256.
pub fn variable_name(raw: &str) -> Result<String, AppError> {
    let ok = !raw.is_empty()
        && raw.len() <= 256
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(AppError::bad_request(
            "name",
            "A variable name is letters, digits, _, . and -, as the container's details list it.",
        ))
    }
}

impl Services {
    pub(super) async fn read_details(
        &self,
        _actor: &Viewer,
        container: &ContainerRef,
    ) -> Result<ContainerDetails, AppError> {
        self.engine.ready()?;
        details::read(&self.engine, container.as_str()).await.map_err(|e| {
            if e.is_not_found() {
                AppError::not_found(format!(
                    "There is no container “{container}” on this host. Open Services to see the containers there are."
                ))
            } else {
                AppError::from(e)
            }
        })
    }

    pub(super) async fn reveal_variable(
        &self,
        actor: &Admin,
        container: &ContainerRef,
        name: &str,
    ) -> Result<String, AppError> {
        let target = format!("{container} {name}");
        let result = async {
            let name = variable_name(name)?;
            if !is_secret(&name) {
                return Err(AppError::bad_request(
                    "name",
                    format!("{name} is not hidden: its value is in the container's details."),
                ));
            }
            self.engine.ready()?;
            containers::variable(&self.engine, container.as_str(), &name)
                .await
                .map_err(AppError::from)?
                .ok_or_else(|| AppError::not_found(format!("{container} has no variable {name}.")))
        }
        .await;
        // The audit says who saw which value, never the value.
        let (outcome, detail) = match &result {
            Ok(_) => (AuditOutcome::Ok, None),
            Err(e) => (AuditOutcome::Failed, Some(e.message.clone())),
        };
        self.audit
            .record(
                actor.into(),
                "container.env.reveal",
                &target,
                outcome,
                detail,
            )
            .await;
        result
    }
}
