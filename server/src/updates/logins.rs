//! Registry logins from a Docker `config.json` (`BOSUN_DOCKER_CONFIG`, mounted read-only):
//! the `auths` section, as `docker login` writes it. Credential helpers are programs bosun does
//! not run; a config that relies on them is reported once, without its contents.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;

use crate::docker::images::Login;

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The logins by registry host.
#[derive(Clone, Default, Debug)]
pub struct Logins {
    by_host: HashMap<String, Login>,
}

/// `https://index.docker.io/v1/`, `index.docker.io` and `docker.io` are one registry.
fn host_of(key: &str) -> String {
    let k = key
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_owned()
        }
        _ => host,
    }
}

impl Logins {
    /// Reads the file; a missing or unreadable file is an error naming it (never its content).
    pub fn read(path: &Path) -> Result<Logins, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn parse(text: &str) -> Result<Logins, String> {
        let file: ConfigFile = serde_json::from_str(text)
            .map_err(|e| format!("not a Docker config.json (line {})", e.line()))?;
        if file.creds_store.is_some() || !file.cred_helpers.is_empty() {
            tracing::warn!(
                "the Docker config names credential helpers; bosun does not run them and uses only the logins under \"auths\""
            );
        }
        let mut by_host = HashMap::new();
        for (key, entry) in file.auths {
            let (mut username, mut password) = (entry.username, entry.password);
            if let Some(auth) = entry.auth.filter(|a| !a.is_empty()) {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                if let Some((u, p)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                    username = Some(u.to_owned());
                    password = Some(p.to_owned());
                }
            }
            let server = host_of(&key);
            by_host.insert(
                server.clone(),
                Login {
                    server,
                    username,
                    password,
                    identity_token: entry.identitytoken.filter(|t| !t.is_empty()),
                },
            );
        }
        Ok(Logins { by_host })
    }

    pub fn for_registry(&self, registry: &str) -> Option<&Login> {
        self.by_host.get(&host_of(registry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_found_by_registry_host_whatever_the_key_looks_like() {
        // "ann:s3cret" and "bot:tok:en" (a password may hold a colon).
        let text = r#"{"auths": {
            "https://index.docker.io/v1/": {"auth": "YW5uOnMzY3JldA=="},
            "127.0.0.1:5000": {"auth": "Ym90OnRvazplbg=="},
            "ghcr.io": {"identitytoken": "xyz"}
        }, "credsStore": "desktop"}"#;
        let logins = Logins::parse(text).unwrap();
        let hub = logins.for_registry("docker.io").unwrap();
        assert_eq!(
            (hub.username.as_deref(), hub.password.as_deref()),
            (Some("ann"), Some("s3cret"))
        );
        let local = logins.for_registry("127.0.0.1:5000").unwrap();
        assert_eq!(local.password.as_deref(), Some("tok:en"));
        assert_eq!(
            logins
                .for_registry("ghcr.io")
                .unwrap()
                .identity_token
                .as_deref(),
            Some("xyz")
        );
        assert!(logins.for_registry("quay.io").is_none());
    }

    #[test]
    fn a_broken_file_is_refused_without_showing_it() {
        let err = Logins::parse(r#"{"auths": {"x": {"auth": "c2VjcmV0"#).unwrap_err();
        assert!(!err.contains("c2VjcmV0"), "{err}");
    }
}
