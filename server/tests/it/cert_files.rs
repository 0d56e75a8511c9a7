//! Certificate files in a watched directory: found, judged (expiry, key, chain), sorted by
//! urgency, looked up by id, and renewed in place from the internal CA.

use std::path::Path;

use bosun_frontend::model::{CertDto, CertKind, CertSource, RenewReport, Urgency};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{expect_json, json_get, post_json, refused, status_of, text_of};
use crate::certs::{by_id, certificates, pair};
use crate::harness::{ADMIN_PASSWORD, TestServer};

#[tokio::test]
async fn certificate_files_are_found_judged_and_sorted_by_urgency() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    let (c, k) = pair(&["fresh.lan"], -1, 200);
    write("fresh.crt", &c);
    write("fresh.key", &k);
    let (c, k) = pair(&["soon.lan"], -80, 3);
    write("soon.pem", &c);
    write("soon-key.pem", &k);
    let (c, _) = pair(&["old.lan"], -90, -2);
    write("old.crt", &c);
    let (c, _) = pair(&["mixed.lan"], -1, 100);
    let (_, wrong) = pair(&["mixed.lan"], -1, 100);
    std::fs::create_dir(d.join("portal")).unwrap();
    write("portal/server.crt", &c);
    write("portal/server.key", &wrong);
    write(
        "broken.crt",
        "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
    );

    let dirs = d.display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "vi", "viewer").await;
    let certs = certificates(&viewer, &s).await;
    // Only this test's directory: other tests' services may declare targets of their own.
    let files: Vec<&CertDto> = certs
        .iter()
        .filter(|c| c.kind == CertKind::File && c.title.starts_with(&dirs))
        .collect();
    let titles: Vec<String> = files
        .iter()
        .map(|c| {
            Path::new(&c.title)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // Worst first: expired, critical, then warnings (a broken file, a key that doesn't match).
    assert_eq!(titles[0], "old.crt");
    assert_eq!(files[0].urgency, Urgency::Expired);
    assert_eq!(titles[1], "soon.pem");
    assert_eq!(files[1].urgency, Urgency::Critical);
    assert_eq!(titles.last().unwrap(), "fresh.crt");
    assert_eq!(files.last().unwrap().urgency, Urgency::Ok);
    let find = |n: &str| *files.iter().find(|c| c.title.ends_with(n)).unwrap();
    let soon_key = find("soon.pem").key.as_ref().unwrap();
    assert!(soon_key.matches);
    assert!(soon_key.file.as_deref().unwrap().ends_with("soon-key.pem"));
    let mixed = find("portal/server.crt");
    let mixed_key = mixed.key.as_ref().unwrap();
    assert!(!mixed_key.matches);
    assert_eq!(mixed.urgency, Urgency::Warning);
    assert!(mixed_key.message.contains("does not belong"));
    assert_eq!(
        find("old.crt").key.as_ref().map(|k| k.matches),
        Some(false),
        "no key beside it"
    );
    assert!(
        find("broken.crt")
            .problem
            .as_deref()
            .unwrap()
            .contains("damaged")
    );
    let fresh = find("fresh.crt");
    assert_eq!(fresh.sans, ["fresh.lan"]);
    assert_eq!(fresh.key_type, "ECDSA P-256");
    assert!(!fresh.chain.valid);
    assert!(fresh.chain.message.contains("self-signed"));
    assert!(fresh.days_left >= 198);
    // Never the key's contents, anywhere in the list as sent.
    assert!(
        !text_of(&viewer, &s, "/api/v1/certificates")
            .await
            .contains("PRIVATE KEY")
    );

    // One certificate by id; a bad id is a 400 naming it, an unknown one a 404.
    let id = fresh.id.as_str();
    let one: CertDto = json_get(&viewer, &s, &format!("/api/v1/certificates/{id}")).await;
    assert_eq!(one.title, fresh.title);
    assert_eq!(
        status_of(&viewer, &s, "/api/v1/certificates/../etc").await,
        StatusCode::NOT_FOUND
    );
    let r = viewer
        .get(s.url("/api/v1/certificates/file-XYZ"))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("id"));
    assert_eq!(
        status_of(&viewer, &s, "/api/v1/certificates/file-0000000000000000").await,
        StatusCode::NOT_FOUND
    );

    // Renewing a file from the internal CA writes a trusted pair in place and keeps the mode.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("fresh.key"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({"source": "internal-ca", "names": ["fresh.lan", "10.9.8.7"], "confirm_names": ["fresh.lan", "10.9.8.7"]}),
    )
    .await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.names, ["fresh.lan", "10.9.8.7"]);
    let now = by_id(&certificates(&admin, &s).await, id).clone();
    assert_eq!(now.serial, report.serial);
    assert!(now.chain.valid, "{:?}", now.chain);
    assert_eq!(now.key.as_ref().map(|k| k.matches), Some(true));
    assert_eq!(
        now.managed.as_ref().map(|m| m.source),
        Some(CertSource::InternalCa)
    );
    assert_eq!(
        std::fs::metadata(d.join("fresh.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    assert!(
        d.join(".fresh.crt.bosun-previous").exists(),
        "the old pair is kept once"
    );
    // Bad input changes nothing.
    for (body, field) in [
        (json!({"names": ["not a name"]}), "names"),
        (json!({"source": "acme"}), "source"),
        (json!({"source": "self-signed"}), "source"),
        (json!({"colour": "blue"}), "body"),
    ] {
        let r = post_json(
            &admin,
            &s,
            &format!("/api/v1/certificates/{id}/renew"),
            body,
        )
        .await;
        let e = refused(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(e.field.as_deref(), Some(field));
    }
    assert_eq!(
        by_id(&certificates(&admin, &s).await, id).serial,
        report.serial
    );
}
