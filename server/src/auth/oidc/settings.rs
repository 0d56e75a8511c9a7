//! The provider as configured: the client, the claim to read groups from, the role map; and
//! the outbound client that talks to it.

use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;

use super::Oidc;
use crate::config::{ClaimPath, OidcConfig, Secret};

/// The provider as configured: the client, the claim to read groups from, the role map.
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub groups_claim: ClaimPath,
    pub button: String,
}

impl OidcSettings {
    /// None when no provider is configured (the config checked the rest at start-up).
    pub fn from_config(cfg: &OidcConfig, client_secret: Secret) -> Option<Self> {
        Some(OidcSettings {
            issuer: cfg.issuer.clone()?,
            client_id: cfg.client_id.clone()?,
            client_secret,
            scopes: cfg.scopes.0.clone(),
            groups_claim: cfg.groups_claim.clone(),
            button: cfg.button.clone(),
        })
    }
}

/// The configured provider; None when `BOSUN_OIDC_ISSUER` is not set. The provider itself is
/// first asked at the first sign-in, so bosun starts (and local admins sign in) while it is
/// down.
pub fn from_config(
    cfg: &OidcConfig,
    roots: Arc<RootCertStore>,
    clock: crate::clock::SharedClock,
) -> Result<Option<Oidc>, String> {
    if cfg.issuer.is_none() {
        return Ok(None);
    }
    let secret = match (&cfg.client_secret, &cfg.client_secret_file) {
        (Some(s), _) => s.clone(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "could not read the client secret from {}: {e}",
                    path.display()
                )
            })?;
            let secret = text.trim_end_matches(['\n', '\r']);
            if secret.is_empty() {
                return Err(format!(
                    "the client secret file {} is empty",
                    path.display()
                ));
            }
            Secret::new(secret)
        }
        (None, None) => return Err("no client secret (BOSUN_OIDC_CLIENT_SECRET)".into()),
    };
    let settings = OidcSettings::from_config(cfg, secret)
        .ok_or("BOSUN_OIDC_ISSUER needs BOSUN_OIDC_CLIENT_ID")?;
    // Endpoints are used as discovered: a redirect from one is not followed.
    let http = crate::net::Https::trusting(roots)
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .redirects(0)
        .build()?;
    Ok(Some(Oidc::new(settings, http, clock)))
}
