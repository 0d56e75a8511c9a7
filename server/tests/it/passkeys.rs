//! Passkeys against a real bosun, with a software authenticator: registered at a host name
//! (refused at a bare IP), passwordless sign-in checked by signature, host and a challenge
//! that is good once; the second factor after a password, and only the waiting user's own;
//! revocation, audited, and refused for the last second factor a role requires.

use bosun_frontend::model::passkey::{PasskeyDto, PasskeySignedIn};
use bosun_frontend::model::sign_in::SecondFactorOptions;
use bosun_frontend::model::{AuditOutcome, Me};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::api::{audit, expect_json, refused};
use crate::authenticator::SoftPasskey;
use crate::harness::{ADMIN_PASSWORD, TestServer, password_of};

/// A browser at `https://localhost:PORT`, a host name where passkeys work.
pub(crate) struct Named {
    client: Client,
    origin: String,
}

impl Named {
    pub(crate) fn new(s: &TestServer) -> Named {
        let origin = s.url("").replace("127.0.0.1", "localhost");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, origin.parse().unwrap());
        let client = s
            .client_builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap();
        Named { client, origin }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn password(&self, name: &str) -> Response {
        self.client
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": name, "password": password_of(name)}))
            .send()
            .await
            .unwrap()
    }

    /// The options a `*_start` server function gave, parsed.
    async fn options(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let json: String = expect_json(self.post(path, form).await, StatusCode::OK).await;
        serde_json::from_str(&json).unwrap()
    }

    async fn register(&self, name: &str) -> (SoftPasskey, PasskeyDto) {
        let options = self.options("/sfn/self/passkey_register_start", &[]).await;
        let (passkey, answer) = SoftPasskey::create(&options, &self.origin);
        let r = self
            .post(
                "/sfn/self/passkey_register_finish",
                &[("name", name), ("credential", &answer.to_string())],
            )
            .await;
        (passkey, expect_json(r, StatusCode::OK).await)
    }

    /// Starts a passkey sign-in: passwordless, or the second step after the password.
    async fn start(&self, second_factor: bool) -> Value {
        let flag = if second_factor { "true" } else { "false" };
        self.options(
            "/sfn/public/passkey_sign_in_start",
            &[("second_factor", flag)],
        )
        .await
    }

    pub(crate) async fn sign_in_with(
        &self,
        passkey: &mut SoftPasskey,
        second_factor: bool,
    ) -> Response {
        let options = self.start(second_factor).await;
        let answer = passkey.get(&options, &self.origin);
        self.finish(&answer).await
    }

    async fn finish(&self, answer: &Value) -> Response {
        self.post(
            "/sfn/public/passkey_sign_in_finish",
            &[("credential", &answer.to_string()), ("next", "/services")],
        )
        .await
    }

    pub(crate) async fn me(&self) -> Option<Me> {
        let r = self
            .client
            .get(self.url("/api/v1/me"))
            .send()
            .await
            .unwrap();
        // Signed in, or plainly not: any other answer is a failure of its own.
        match r.status() {
            StatusCode::OK => Some(r.json().await.unwrap()),
            StatusCode::UNAUTHORIZED => None,
            other => panic!("/api/v1/me answered {other}"),
        }
    }
}

/// A bosun where a passkey alone signs in (`--passkey-login on`).
pub(crate) async fn passwordless() -> TestServer {
    TestServer::start_with(&["--admin-password", ADMIN_PASSWORD, "--passkey-login", "on"]).await
}

#[tokio::test]
async fn a_passkey_signs_in_alone_at_its_host_once_per_challenge() {
    let s = passwordless().await;
    let admin = s.admin().await;
    let at_ip = s.user(&admin, "pk-ann", "operator").await;

    // At a bare IP address the browser would refuse; bosun says what to do instead.
    let r = at_ip
        .post(s.url("/sfn/self/passkey_register_start"))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert!(e.message.contains("host name"), "{}", e.message);

    let ann = Named::new(&s);
    assert_eq!(ann.password("pk-ann").await.status(), StatusCode::OK);
    let options = ann.options("/sfn/self/passkey_register_start", &[]).await;
    let public = &options["publicKey"];
    assert_eq!(public["rp"]["id"], "localhost");
    assert_eq!(public["authenticatorSelection"]["residentKey"], "preferred");
    assert_eq!(
        public["authenticatorSelection"]["userVerification"],
        "required"
    );
    let (mut passkey, added) = ann.register("Laptop").await;
    assert_eq!(
        (added.name.as_str(), added.host.as_str()),
        ("Laptop", "localhost")
    );

    // A fresh browser signs in with the passkey alone, and goes where it was going.
    let fresh = Named::new(&s);
    let r = fresh.sign_in_with(&mut passkey, false).await;
    let done: PasskeySignedIn = expect_json(r, StatusCode::OK).await;
    assert_eq!(done.next, "/services");
    assert_eq!(fresh.me().await.unwrap().username, "pk-ann");

    // An answer is good for its own challenge once: replayed, or sent again, it is refused.
    let thief = Named::new(&s);
    let options = thief.start(false).await;
    let answer = passkey.get(&options, &thief.origin);
    assert_eq!(thief.finish(&answer).await.status(), StatusCode::OK);
    let again = Named::new(&s);
    let _ = again.start(false).await;
    refused(again.finish(&answer).await, StatusCode::UNAUTHORIZED).await;
    assert!(again.me().await.is_none());
    refused(thief.finish(&answer).await, StatusCode::UNAUTHORIZED).await;

    // Signed for another site (a phishing page relaying the challenge): refused.
    let relay = Named::new(&s);
    let options = relay.start(false).await;
    let answer = passkey.get(&options, "https://bosun-login.example");
    let e = refused(relay.finish(&answer).await, StatusCode::UNAUTHORIZED).await;
    assert!(e.message.contains("did not sign you in"), "{}", e.message);
    assert!(relay.me().await.is_none());

    // Revoked, it no longer signs in; both are in the audit log.
    let r = ann
        .client
        .delete(ann.url(&format!("/api/v1/me/passkeys/{}", added.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let late = Named::new(&s);
    refused(
        late.sign_in_with(&mut passkey, false).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let log = audit(&s, &admin, "actor=pk-ann&limit=100").await;
    let has = |action: &str, outcome: AuditOutcome, detail: &str| {
        log.iter().any(|e| {
            e.action == action
                && e.outcome == outcome
                && e.detail.as_deref().unwrap_or("").contains(detail)
        })
    };
    assert!(has(
        "user.passkey.add",
        AuditOutcome::Ok,
        "“Laptop” at localhost"
    ));
    assert!(has("session.login", AuditOutcome::Ok, "with a passkey"));
    // The refusals say why in the log (the user is told the same text whatever it was).
    assert!(has(
        "session.login",
        AuditOutcome::Failed,
        "with a passkey: "
    ));
    // A revoked passkey names nobody: its refusal is logged for "?".
    let failed = audit(&s, &admin, "action=session.login&outcome=failed&limit=100").await;
    assert!(failed.iter().any(|e| {
        e.actor == "?"
            && e.detail
                .as_deref()
                .unwrap_or("")
                .contains("not a passkey bosun knows")
    }));
    assert!(has("user.passkey.revoke", AuditOutcome::Ok, ""));
}

#[tokio::test]
async fn after_the_password_only_the_waiting_users_own_passkey_finishes_the_sign_in() {
    // Passwordless sign-in is off (the default): passkeys are a second factor here.
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let _ = s.user(&admin, "pk-bob", "operator").await;
    let _ = s.user(&admin, "pk-eve", "operator").await;
    let mut keys = Vec::new();
    for name in ["pk-bob", "pk-eve"] {
        let b = Named::new(&s);
        assert_eq!(b.password(name).await.status(), StatusCode::OK);
        keys.push(b.register(&format!("{name}'s key")).await);
    }
    let (mut eve_key, _) = keys.pop().unwrap();
    let (mut bob_key, bob_dto) = keys.pop().unwrap();

    let nobody = Named::new(&s);
    let start = |second: &'static str| {
        let nobody = &nobody;
        async move {
            nobody
                .post(
                    "/sfn/public/passkey_sign_in_start",
                    &[("second_factor", second)],
                )
                .await
        }
    };
    refused(start("false").await, StatusCode::FORBIDDEN).await;
    // Nobody is waiting for a second factor in this browser either.
    refused(start("true").await, StatusCode::UNAUTHORIZED).await;

    // The right password alone no longer signs bob in: the passkey comes next.
    let bob = Named::new(&s);
    let e = refused(bob.password("pk-bob").await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(e.field.as_deref(), Some("passkey"));
    assert!(bob.me().await.is_none());
    let offers: SecondFactorOptions = expect_json(
        bob.post("/sfn/public/second_factor_options", &[]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        offers,
        SecondFactorOptions {
            code: false,
            passkey: true
        }
    );

    // Eve's passkey does not finish bob's sign-in, nor sign in eve.
    refused(
        bob.sign_in_with(&mut eve_key, true).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(bob.me().await.is_none());
    let r = bob.sign_in_with(&mut bob_key, true).await;
    expect_json::<PasskeySignedIn>(r, StatusCode::OK).await;
    assert_eq!(bob.me().await.unwrap().username, "pk-bob");

    // A role that requires a second factor keeps bob's last one.
    let r = admin
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": ["operator"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me = bob.me().await.unwrap();
    assert!(!me.must_enrol_totp, "a passkey is a second factor");
    assert_eq!(me.passkeys, 1);
    let path = format!("/api/v1/me/passkeys/{}", bob_dto.id);
    let r = bob.client.delete(bob.url(&path)).send().await.unwrap();
    let e = refused(r, StatusCode::CONFLICT).await;
    assert!(e.message.contains("second factor"), "{}", e.message);
    let listed: Vec<PasskeyDto> = expect_json(
        bob.client
            .get(bob.url("/api/v1/me/passkeys"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed.len(), 1, "still there");

    // An admin's reset of two-factor sign-in takes the passkeys too (a lost device).
    let users: Vec<bosun_frontend::model::UserDto> = expect_json(
        admin.get(s.url("/api/v1/users")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let id = users.iter().find(|u| u.username == "pk-bob").unwrap().id;
    assert_eq!(users.iter().find(|u| u.id == id).unwrap().passkeys, 1);
    let r = admin
        .delete(s.url(&format!("/api/v1/users/{id}/totp")))
        .send()
        .await
        .unwrap();
    let reset: bosun_frontend::model::UserDto = expect_json(r, StatusCode::OK).await;
    assert_eq!(reset.passkeys, 0);
}
