//! A real OpenID provider for the tests: the `oidc-provider` npm package (OpenID-certified),
//! run by `end2end/oidc/provider.mjs` on a loopback port, with users in groups and test-only
//! controls (groups, the client's redirect URIs, key rotation, a tampered next ID token). And
//! a browser's walk through its sign-in, over HTTP.

use std::time::Duration;

use reqwest::{Client, StatusCode, Url};
use serde_json::json;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

use crate::harness::TestServer;

pub const CLIENT_ID: &str = "bosun";
pub const CLIENT_SECRET: &str = "a-client-secret-for-the-tests";

pub struct Provider {
    pub issuer: String,
    http: Client,
    _child: Child,
}

impl Provider {
    /// Starts the provider; a missing Node.js or package is a failure, never a skip.
    pub async fn start() -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc/provider.mjs");
        let mut child = Command::new("node")
            .args([script, "--port", "0", "--client-id", CLIENT_ID])
            .args(["--client-secret", CLIENT_SECRET])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the OpenID provider (node end2end/oidc/provider.mjs; run `npm ci` in end2end/)");
        let stdout = child.stdout.take().expect("the provider's stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("the provider's stdout") {
                if let Some(rest) = line.strip_prefix("oidc-provider: ready ") {
                    return Some(rest.trim().to_owned());
                }
            }
            None
        })
        .await
        .expect("the provider did not start within 30 s")
        .expect("the provider exited before it was ready");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Provider {
            issuer,
            // Plain HTTP on loopback: no certificate to trust.
            http: Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .use_preconfigured_tls(crate::harness::trusting_pem(""))
                .build()
                .expect("client"),
            _child: child,
        }
    }

    /// bosun's flags for this provider and the tests' role map.
    pub fn flags(&self) -> Vec<String> {
        [
            "--oidc-issuer",
            &self.issuer,
            "--oidc-client-id",
            CLIENT_ID,
            "--oidc-client-secret",
            CLIENT_SECRET,
            "--oidc-roles",
            "admin:bosun-admins,operator:bosun-operators,viewer:bosun-viewers",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    async fn control(&self, path: &str, body: serde_json::Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .expect("provider control");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }

    /// Registers bosun's callback (and its sign-in page for after signing out there).
    pub async fn register(&self, s: &TestServer) {
        self.control(
            "/__test/client",
            json!({
                "redirect_uris": [s.url("/auth/oidc/callback")],
                "post_logout_redirect_uris": [s.url("/login")],
            }),
        )
        .await;
    }

    pub async fn set_groups(&self, user: &str, groups: &[&str]) {
        self.control("/__test/groups", json!({"user": user, "groups": groups}))
            .await;
    }

    pub async fn rotate_keys(&self) {
        self.control("/__test/rotate", json!({})).await;
    }

    /// ID tokens with only `sub` and `amr` (`on`): groups and names are in userinfo only.
    pub async fn conform(&self, on: bool) {
        self.control("/__test/conform", json!({"on": on})).await;
    }

    /// The next ID token the provider issues is damaged this way.
    pub async fn tamper(&self, kind: &str) {
        self.control("/__test/tamper", json!({"kind": kind})).await;
    }
}

/// Where a walk through the provider's sign-in ended at bosun.
pub struct Landing {
    pub client: Client,
    /// bosun's callback URL the provider sent the browser to.
    pub callback: String,
    /// The callback's answer: 200 (signed in, a page moving on) or a redirect to the sign-in
    /// page with `refused=<why>`.
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Landing {
    pub fn refused(&self) -> Option<String> {
        let loc = self.location.as_deref()?;
        let url = Url::parse(&format!("https://bosun{loc}")).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "refused")
            .map(|(_, v)| v.into_owned())
    }
}

/// A browser signing in at bosun through the provider as `user` (password `<user>-pw`),
/// going on to `next`: every redirect followed by hand, the provider's login form filled in.
pub async fn sign_in(s: &TestServer, user: &str, next: &str) -> Landing {
    let (client, callback) = to_callback(s, user, next).await;
    let r = client
        .get(&callback)
        .send()
        .await
        .expect("bosun's callback");
    let status = r.status();
    let location = header(&r, "location");
    let body = r.text().await.expect("the callback's body");
    Landing {
        client,
        callback,
        status,
        location,
        body,
    }
}

/// [`sign_in`] up to the provider's answer: the browser, and bosun's callback URL it was sent
/// to, not yet opened.
pub async fn to_callback(s: &TestServer, user: &str, next: &str) -> (Client, String) {
    let client = s.browser();
    let mut url = s.url(&format!("/auth/oidc/start?next={next}"));
    for _ in 0..20 {
        if url.starts_with(&s.url("/auth/oidc/callback")) {
            return (client, url);
        }
        let r = client
            .get(&url)
            .send()
            .await
            .expect("a step of the sign-in");
        if r.status().is_redirection() {
            let to = header(&r, "location").expect("a redirect's Location");
            url = r.url().join(&to).expect("Location").to_string();
            continue;
        }
        assert_eq!(r.status(), StatusCode::OK, "at {url}");
        assert!(url.contains("/interaction/"), "unexpected page {url}");
        // The provider's login form.
        let r = client
            .post(format!("{}/login", url.trim_end_matches('/')))
            .form(&[("username", user), ("password", &format!("{user}-pw"))])
            .send()
            .await
            .expect("the provider's login form");
        assert!(
            r.status().is_redirection(),
            "login at the provider: {}",
            r.status()
        );
        let to = header(&r, "location").expect("Location after login");
        url = r.url().join(&to).expect("Location").to_string();
    }
    panic!("the sign-in did not come back to bosun within 20 steps");
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
