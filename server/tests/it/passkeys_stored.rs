//! Passkey records bosun stored earlier: one written by webauthn-rs 0.5 (before the move to
//! RustCrypto) still signs in and keeps its counter; one bosun cannot read is refused with
//! what to do next, and audited.

use bosun_frontend::model::passkey::PasskeySignedIn;
use reqwest::{Client, StatusCode};

use crate::api::{audit, expect_json, refused};
use crate::authenticator::SoftPasskey;
use crate::harness::TestServer;
use crate::passkeys::{Named, passwordless};

/// A passkey registered before bosun's passkeys moved from webauthn-rs 0.5 (OpenSSL) to 0.6
/// (RustCrypto): its record exactly as 0.5.4 stored it, and the software authenticator's key.
mod registered_before_the_upgrade {
    pub const RECORD: &str = r#"{"cred":{"cred_id":"LcWW8ZwmjZZuUAvL_LpIqMTItyJHfbiuu1-M2XsV8Cs","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"hG7_KGpDRU1ELfkLo81PlIXMu3PM-ovQaxEwkVMEEvA","y":"MVFuqyPpnKL2nHOqXPpoj8aij9C8g-OuhPwq1szLf1I"}}},"counter":1,"transports":null,"user_verified":true,"backup_eligible":false,"backup_state":false,"registration_policy":"required","extensions":{"cred_protect":"Ignored","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored"},"attestation":{"data":"None","metadata":"None"},"attestation_format":"none"}}"#;
    pub const CREDENTIAL_ID: &str = "LcWW8ZwmjZZuUAvL_LpIqMTItyJHfbiuu1-M2XsV8Cs";
    pub const USER_HANDLE: &str = "601dabca-efa1-4616-815f-ea8bf03ac23c";
    /// The authenticator's P-256 key, PKCS#8, standard base64 (a test key, nothing else).
    pub const KEY: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyNEweHVjXLQefmOPqqT07i9v2Ynwks4HGqo3vde3+sGhRANCAASEbv8oakNFTUQt+QujzU+Uhcy7c8z6i9BrETCRUwQS8DFRbqsj6Zyi9pxzqlz6aI/Goo/QvIPjroT8KtbMy39S";
}

/// A bosun where a passkey alone signs in, with `username` (an operator) holding the passkey
/// above stored as `record`, written straight into its database as an earlier bosun left it;
/// with the admin's client and a maker of authenticators that hold that passkey's key, each
/// starting at the signature counter it is given.
async fn with_stored_passkey(
    username: &str,
    record: &str,
) -> (TestServer, Client, impl Fn(u32) -> SoftPasskey) {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use registered_before_the_upgrade as old;

    let s = passwordless().await;
    let admin = s.admin().await;
    let _ = s.user(&admin, username, "operator").await;
    let db = s.db().await;
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
        .bind(username)
        .fetch_one(&db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO passkeys (user_id, user_handle, credential_id, name, rp_id, passkey, created_at) \
         VALUES (?, ?, ?, 'Old laptop', 'localhost', ?, 0)",
    )
    .bind(user_id)
    .bind(old::USER_HANDLE)
    .bind(old::CREDENTIAL_ID)
    .bind(record)
    .execute(&db)
    .await
    .unwrap();
    db.close().await;

    let key = STANDARD.decode(old::KEY).unwrap();
    let id = URL_SAFE_NO_PAD.decode(old::CREDENTIAL_ID).unwrap();
    let handle = uuid::Uuid::parse_str(old::USER_HANDLE).unwrap();
    let authenticator =
        move |counter| SoftPasskey::stored(&key, &id, handle.as_bytes(), "localhost", counter);
    (s, admin, authenticator)
}

#[tokio::test]
async fn a_passkey_stored_by_an_earlier_bosun_still_signs_in_and_keeps_its_counter() {
    let (s, _admin, authenticator) =
        with_stored_passkey("pk-old", registered_before_the_upgrade::RECORD).await;

    // It signs in alone, twice: the counter it sends goes up each time.
    let mut passkey = authenticator(1);
    for _ in 0..2 {
        let fresh = Named::new(&s);
        let r = fresh.sign_in_with(&mut passkey, false).await;
        let _: PasskeySignedIn = expect_json(r, StatusCode::OK).await;
        assert_eq!(fresh.me().await.unwrap().username, "pk-old");
    }
    // The new counter was kept (in the new record's form): a copy of the authenticator that
    // replays an older counter is refused as a possible clone.
    let mut clone = authenticator(1);
    let copy = Named::new(&s);
    refused(
        copy.sign_in_with(&mut clone, false).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(copy.me().await.is_none());
}

/// A stored record bosun cannot read (another version's form, a damaged row) refuses that one
/// passkey with what to do next, not a server error, and the refusal is audited with why.
#[tokio::test]
async fn a_passkey_record_bosun_cannot_read_is_refused_with_what_to_do() {
    let (s, admin, authenticator) =
        with_stored_passkey("pk-odd", r#"{"cred":"not webauthn-rs"}"#).await;
    let mut passkey = authenticator(1);
    let who = Named::new(&s);
    let e = refused(
        who.sign_in_with(&mut passkey, false).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        e.message.contains("revoke this one on the Account page"),
        "{}",
        e.message
    );
    assert!(who.me().await.is_none());
    let failed = audit(&s, &admin, "action=session.login&outcome=failed&limit=100").await;
    assert!(
        failed.iter().any(|e| e.actor == "pk-odd"
            && e.detail
                .as_deref()
                .unwrap_or("")
                .contains("its stored record cannot be read")),
        "{failed:?}"
    );
}
