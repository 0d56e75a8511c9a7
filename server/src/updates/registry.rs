//! When a build in a registry was made: the registry's HTTP API (distribution v2) asked for
//! the manifest of a reference, then for its image configuration, whose `created` says it.
//! The engine's API has no such question. Anonymous first; on a challenge, the registry's
//! token service (or basic auth) with the login from the Docker config. Loopback registries
//! are asked over plain HTTP, as the engine does; every other over HTTPS.

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use serde::Deserialize;

use super::reference::Reference;
use crate::docker::images::Login;

const MANIFESTS: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    manifests: Vec<Entry>,
    config: Option<Descriptor>,
}

#[derive(Deserialize)]
struct Entry {
    digest: String,
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    architecture: String,
    os: String,
}

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
}

#[derive(Deserialize)]
struct ImageConfig {
    created: Option<String>,
}

#[derive(Deserialize)]
struct Token {
    token: Option<String>,
    access_token: Option<String>,
}

/// Where the registry's API is, and the repository's path in it.
fn endpoint(image: &str) -> (String, String, String) {
    let r = Reference::parse(image);
    let tag = image
        .strip_prefix(&r.repository)
        .and_then(|t| t.strip_prefix(':'))
        .unwrap_or("latest")
        .to_owned();
    let path = r
        .repository
        .strip_prefix(&format!("{}/", r.registry))
        .unwrap_or(&r.repository)
        .to_owned();
    let (base, path) = if r.registry == "docker.io" {
        let path = if path.contains('/') {
            path
        } else {
            format!("library/{path}")
        };
        ("https://registry-1.docker.io".to_owned(), path)
    } else {
        let host = r.registry.split(':').next().unwrap_or_default();
        let loopback = host == "localhost"
            || host == "[::1]"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let scheme = if loopback { "http" } else { "https" };
        (format!("{scheme}://{}", r.registry), path)
    };
    (base, path, tag)
}

/// The architecture names registries use for this machine's.
fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm",
        other => other,
    }
}

struct Session<'a> {
    client: &'a reqwest::Client,
    login: Option<&'a Login>,
    auth: Option<HeaderValue>,
}

impl Session<'_> {
    async fn get(&mut self, url: &str, accept: &str) -> Result<reqwest::Response, String> {
        let send = |auth: Option<HeaderValue>| {
            let mut headers = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(accept) {
                headers.insert(ACCEPT, v);
            }
            if let Some(a) = auth {
                headers.insert(AUTHORIZATION, a);
            }
            self.client.get(url).headers(headers).send()
        };
        let r = send(self.auth.clone())
            .await
            .map_err(|e| e.without_url().to_string())?;
        if r.status() != reqwest::StatusCode::UNAUTHORIZED || self.auth.is_some() {
            return Ok(r);
        }
        let challenge = r
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        self.auth = Some(self.answer(&challenge).await?);
        send(self.auth.clone())
            .await
            .map_err(|e| e.without_url().to_string())
    }

    fn basic(&self) -> Option<String> {
        use base64::Engine as _;
        let l = self.login?;
        let (u, p) = (l.username.as_deref()?, l.password.as_deref()?);
        Some(base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
    }

    async fn answer(&self, challenge: &str) -> Result<HeaderValue, String> {
        let header = |v: String| HeaderValue::from_str(&v).map_err(|_| "a bad token".to_owned());
        let Some(params) = challenge.strip_prefix("Bearer ") else {
            let basic = self.basic().ok_or("the registry wants a login")?;
            return header(format!("Basic {basic}"));
        };
        let field = |name: &str| {
            params.split(',').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == name).then(|| v.trim_matches('"').to_owned())
            })
        };
        let realm = field("realm").ok_or("the registry's challenge names no token service")?;
        let mut query = Vec::new();
        for name in ["service", "scope"] {
            if let Some(v) = field(name) {
                query.push((name, v));
            }
        }
        let mut request = self.client.get(&realm).query(&query);
        if let Some(basic) = self.basic() {
            request = request.header(AUTHORIZATION, format!("Basic {basic}"));
        }
        let token: Token = request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("the registry's token service refused: {}", e.without_url()))?
            .json()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let token = token
            .token
            .or(token.access_token)
            .ok_or("the token service gave no token")?;
        header(format!("Bearer {token}"))
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &mut self,
        url: &str,
        accept: &str,
    ) -> Result<T, String> {
        let r = self.get(url, accept).await?;
        if !r.status().is_success() {
            return Err(format!("the registry answered {}", r.status()));
        }
        r.json().await.map_err(|e| e.without_url().to_string())
    }
}

/// When the build `image` names in its registry now was made (RFC 3339, as the image says).
pub async fn built_at(
    client: &reqwest::Client,
    image: &str,
    login: Option<&Login>,
) -> Result<Option<String>, String> {
    let (base, path, tag) = endpoint(image);
    let mut session = Session {
        client,
        login,
        auth: None,
    };
    let mut manifest: Manifest = session
        .json(&format!("{base}/v2/{path}/manifests/{tag}"), MANIFESTS)
        .await?;
    if manifest.config.is_none() {
        let pick = manifest
            .manifests
            .iter()
            .find(|m| {
                m.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == arch())
            })
            .or_else(|| manifest.manifests.first())
            .ok_or("the registry's manifest lists no image")?;
        let url = format!("{base}/v2/{path}/manifests/{}", pick.digest);
        manifest = session.json(&url, MANIFESTS).await?;
    }
    let config = manifest
        .config
        .ok_or("the manifest names no image configuration")?;
    let image: ImageConfig = session
        .json(
            &format!("{base}/v2/{path}/blobs/{}", config.digest),
            "application/json, */*",
        )
        .await?;
    Ok(image.created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_is_found_where_the_engine_would_look() {
        assert_eq!(
            endpoint("127.0.0.1:5000/demo:stable"),
            (
                "http://127.0.0.1:5000".into(),
                "demo".into(),
                "stable".into()
            )
        );
        assert_eq!(
            endpoint("nginx"),
            (
                "https://registry-1.docker.io".into(),
                "library/nginx".into(),
                "latest".into()
            )
        );
        assert_eq!(
            endpoint("ghcr.io/org/app:1.2"),
            ("https://ghcr.io".into(), "org/app".into(), "1.2".into())
        );
        assert_eq!(
            endpoint("localhost:5000/team/app:v1").0,
            "http://localhost:5000"
        );
    }
}
