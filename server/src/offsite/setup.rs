//! The off-site store from the settings: the bucket, the endpoint (AWS by default), and the
//! key, read from the environment or from `*_FILE` files.

use std::sync::Arc;

use rustls::RootCertStore;

use super::{Store, Target};
use crate::config::OffsiteConfig;

fn from_file(path: &std::path::Path, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read the {what} from {}: {e}", path.display()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// None when no `BOSUN_OFFSITE_URL` is set.
pub fn from_config(
    cfg: &OffsiteConfig,
    roots: Arc<RootCertStore>,
) -> Result<Option<Store>, String> {
    let Some((bucket, prefix)) = cfg.url.clone() else {
        return Ok(None);
    };
    let key_id = match (&cfg.access_key_id, &cfg.access_key_id_file) {
        (Some(k), _) => k.clone(),
        (None, Some(f)) => from_file(f, "access key id")?,
        (None, None) => {
            return Err("BOSUN_OFFSITE_URL is set but no key: set BOSUN_OFFSITE_ACCESS_KEY_ID (or _FILE) and BOSUN_OFFSITE_SECRET_ACCESS_KEY (or _FILE)".into());
        }
    };
    let secret = match (&cfg.secret_access_key, &cfg.secret_access_key_file) {
        (Some(s), _) => s.expose().to_owned(),
        (None, Some(f)) => from_file(f, "secret access key")?,
        (None, None) => {
            return Err("BOSUN_OFFSITE_URL is set but no secret: set BOSUN_OFFSITE_SECRET_ACCESS_KEY (or _FILE)".into());
        }
    };
    let endpoint = match &cfg.endpoint {
        Some(e) => e.clone(),
        None => format!("https://s3.{}.amazonaws.com", cfg.region)
            .parse()
            .map_err(|e| format!("BOSUN_OFFSITE_REGION makes no address: {e}"))?,
    };
    let http = crate::net::Https::trusting(roots)
        .timeout(std::time::Duration::from_secs(600))
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()?;
    Store::new(
        Target {
            endpoint,
            region: cfg.region.clone(),
            bucket,
            prefix,
            key_id,
            secret,
        },
        http,
    )
    .map(Some)
}
