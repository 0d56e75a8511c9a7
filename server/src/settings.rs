//! Settings admins keep in bosun (SQLite): which roles must use two-factor sign-in.

use async_trait::async_trait;
use bosun_frontend::authz::Admin;
use bosun_frontend::error::AppError;
use bosun_frontend::model::SecuritySettings;
use bosun_frontend::ports::SettingsPort;

use crate::audit::AuditService;
use crate::error::OrInternal;
use crate::store::Store;

#[derive(Clone)]
pub struct SettingsService {
    store: Store,
    audit: AuditService,
}

impl SettingsService {
    pub fn new(store: Store, audit: AuditService) -> Self {
        SettingsService { store, audit }
    }
}

#[async_trait]
impl SettingsPort for SettingsService {
    async fn security(&self, _actor: &Admin) -> Result<SecuritySettings, AppError> {
        Ok(SecuritySettings {
            totp_required: self
                .store
                .totp_required()
                .await
                .or_internal("reading the settings")?,
        })
    }

    async fn set_security(
        &self,
        actor: &Admin,
        settings: SecuritySettings,
    ) -> Result<SecuritySettings, AppError> {
        let mut roles = settings.totp_required;
        roles.sort();
        roles.dedup();
        let result = self
            .store
            .set_totp_required(&roles, actor.username())
            .await
            .or_internal("saving the settings")
            .map(|()| SecuritySettings {
                totp_required: roles.clone(),
            });
        let detail = format!(
            "two-factor sign-in required for: {}",
            if roles.is_empty() {
                "nobody".to_owned()
            } else {
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        match &result {
            Ok(_) => {
                self.audit
                    .record(
                        actor.into(),
                        "settings.security",
                        "settings",
                        bosun_frontend::model::AuditOutcome::Ok,
                        Some(detail),
                    )
                    .await
            }
            Err(_) => {
                self.audit
                    .outcome(actor.into(), "settings.security", "settings", &result)
                    .await
            }
        }
        result
    }
}
