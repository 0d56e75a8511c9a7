//! Response headers a browser enforces (CSP with the page's own nonce, no framing, no
//! sniffing, HSTS), and the cap on live views per sign-in.

use std::time::Duration;

use bosun_frontend::error::AppError;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::harness::TestServer;
use crate::sse::Events;

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_every_response_the_hardening_headers() {
    let s = TestServer::start().await;
    let r = s.script().get(s.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    let html = r.text().await.unwrap();
    let csp = header(&h, "content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in the page's CSP: {csp}"));
    assert!(nonce.len() >= 16, "{nonce}");
    // The hydration loader is the page's only inline script, and it carries that nonce.
    let inline: Vec<&str> = html
        .split("<script")
        .skip(1)
        .filter(|tag| !tag.split('>').next().unwrap_or_default().contains("src="))
        .collect();
    assert!(!inline.is_empty(), "the page hydrates: {html}");
    for tag in inline {
        assert!(
            tag.starts_with(&format!(" type=\"module\" nonce=\"{nonce}\""))
                || tag.contains(&format!("nonce=\"{nonce}\"")),
            "an inline script without the nonce: <script{}",
            tag.chars().take(120).collect::<String>()
        );
    }
    for part in [
        "script-src 'self' 'nonce-",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} missing in {csp}");
    }
    let script_src = csp
        .split(';')
        .find(|d| d.trim_start().starts_with("script-src"))
        .unwrap();
    assert!(
        !script_src.contains("'unsafe-inline'") && !script_src.contains(" 'unsafe-eval'"),
        "{script_src}"
    );
    // Another page load, another nonce.
    let again = s.script().get(s.url("/login")).send().await.unwrap();
    assert!(!header(again.headers(), "content-security-policy").contains(nonce));

    for h in [
        &h,
        s.script()
            .get(s.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .headers(),
    ] {
        assert_eq!(header(h, "x-content-type-options"), "nosniff");
        assert_eq!(header(h, "referrer-policy"), "same-origin");
        assert_eq!(header(h, "x-frame-options"), "DENY");
        // Served over bosun's own TLS: browsers are told to stay on HTTPS.
        assert!(header(h, "strict-transport-security").starts_with("max-age="));
    }
    // JSON answers may load nothing at all.
    let api = s.script().get(s.url("/api/v1/me")).send().await.unwrap();
    assert!(header(api.headers(), "content-security-policy").starts_with("default-src 'none'"));
}

#[tokio::test]
async fn a_sign_in_holds_at_most_sixteen_live_views() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let url = s.url("/api/v1/engine/events");
    let mut open = Vec::new();
    for _ in 0..16 {
        let mut e = Events::open(&admin, url.clone()).await;
        let first: Option<bosun_frontend::model::EngineStatus> =
            e.next(Duration::from_secs(10)).await;
        assert!(first.is_some());
        open.push(e);
    }
    let r = admin.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let e: AppError = r.json().await.unwrap();
    assert!(e.message.contains("At most 16 live views"), "{}", e.message);
    // Another sign-in of the same user has its own sixteen.
    let other = s.admin().await;
    let mut e = Events::open(&other, url.clone()).await;
    let first: Option<bosun_frontend::model::EngineStatus> = e.next(Duration::from_secs(10)).await;
    assert!(first.is_some());
    // A view closed frees its place.
    drop(open.pop());
    let mut freed = None;
    for _ in 0..50 {
        let r = admin.get(&url).send().await.unwrap();
        if r.status() == StatusCode::OK {
            freed = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(freed.is_some(), "the closed view's place was never freed");
}

fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn secrets_at_rest_are_private_even_in_a_data_dir_that_existed() {
    use std::os::unix::fs::PermissionsExt;
    // A data directory that exists already with loose modes, as an image's VOLUME does.
    let data = tempfile::tempdir().unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = TestServer::start_in(data, &["--admin-password", crate::harness::ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let (p, _) = crate::dbs::seeded_postgres(&admin, &s, "itmodes").await;
    let backup = crate::dbs::good_backup(&admin, &s, &p.name, serde_json::json!({})).await;
    let dir = s.data.path().to_owned();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("bosun.db")), 0o600);
    assert_eq!(mode(&dir.join("backups")), 0o700);
    let file = dir.join("backups").join(backup.file_name.clone().unwrap());
    assert_eq!(mode(&file), 0o600, "{}", file.display());
    let manifest = file.with_file_name(format!(
        "{}.json",
        file.file_name().unwrap().to_string_lossy()
    ));
    assert_eq!(mode(&manifest), 0o600, "{}", manifest.display());
    // Loosened by hand while bosun is stopped: the next start tightens them again.
    let data = s.stop().await;
    for (p, m) in [
        (data.path().to_owned(), 0o755),
        (data.path().join("bosun.db"), 0o644),
        (file.clone(), 0o644),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let s = TestServer::start_in(data, &["--admin-password", crate::harness::ADMIN_PASSWORD]).await;
    assert_eq!(mode(s.data.path()), 0o700);
    assert_eq!(mode(&s.data.path().join("bosun.db")), 0o600);
    assert_eq!(mode(&file), 0o600);
}
