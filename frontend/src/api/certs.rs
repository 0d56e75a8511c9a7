//! Certificates for the Certificates page; the page then follows `/api/v1/certificates/events`.
//! The CA's root is a plain link to `/api/v1/ca.pem`.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{CertificatesView, RenewReport};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "viewer/certificates")]
pub async fn load_certificates() -> Result<CertificatesView, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.certs.view(&actor).await
    })
    .await
}

/// "Renew now": `source` is one of the certificate's renew sources; `names`, typed one per
/// line or comma-separated, may be left empty to keep the certificate's names. `reload` holds
/// one `project/service action` a line and replaces the list given before (empty: none).
/// `confirm`: the admin confirms exactly the names typed (for bosun's internal CA).
#[server(prefix = "/sfn", endpoint = "admin/renew_certificate")]
pub async fn renew_certificate(
    id: String,
    source: String,
    names: String,
    reload: String,
    #[server(default)] confirm: bool,
) -> Result<RenewReport, AppError> {
    ctx::run(async move {
        // The role first: a viewer learns nothing about the input, only that it is not theirs.
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        let id: crate::model::CertId = parse_field("id", &id)?;
        let source: crate::model::CertSource = parse_field("source", &source)?;
        let names: Vec<String> = names
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        let reload = reload
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| parse_field::<crate::model::ReloadTarget>("reload", l))
            .collect::<Result<Vec<_>, _>>()?;
        ctx::ports()?
            .certs
            .renew(
                &actor,
                &id,
                crate::model::RenewRequest {
                    source: Some(source),
                    confirm_names: (confirm && !names.is_empty()).then(|| names.clone()),
                    names: (!names.is_empty()).then_some(names),
                    reload: Some(reload),
                    ..Default::default()
                },
            )
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/upload_certificate")]
pub async fn upload_certificate(
    target: String,
    cert_pem: String,
    key_pem: String,
) -> Result<RenewReport, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .certs
            .upload(
                &actor,
                crate::model::UploadRequest {
                    target,
                    cert_pem,
                    key_pem,
                },
            )
            .await
    })
    .await
}
