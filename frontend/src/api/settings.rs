//! The Settings page: security settings (which roles must use two-factor sign-in).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::SecuritySettings;

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "admin/security_settings")]
pub async fn load_security_settings() -> Result<SecuritySettings, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.settings.security(&actor).await
    })
    .await
}

/// `roles`: the role names to require two-factor sign-in for, comma-separated (may be empty).
#[server(prefix = "/sfn", endpoint = "admin/set_security_settings")]
pub async fn set_security_settings(roles: String) -> Result<SecuritySettings, AppError> {
    ctx::run(async move {
        let totp_required = roles
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| crate::error::parse_field::<crate::model::Role>("roles", r))
            .collect::<Result<Vec<_>, _>>()?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .settings
            .set_security(&actor, SecuritySettings { totp_required })
            .await
    })
    .await
}
