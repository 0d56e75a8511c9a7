//! Attacks on a watched certificate directory by someone who can write to it (a container with
//! the directory mounted read-write), run against automatic renewal. One table: each row
//! plants its attack after bosun has taken its pair over, then the pairs fall due together and
//! bosun's renewal loop runs once. Nothing outside the directory may change, no secret may be
//! handed to the attacker, and what was planted is shown as a warning.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bosun_frontend::model::{AuditEntry, AuditOutcome, CertDto, CertificatesView};
use reqwest::StatusCode;

use crate::api::text_of;
use crate::certs::pair;
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::sse::Events;
use crate::stacks::{Project, unique};

/// What bosun must do with a pair once its attack is planted.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Renew as usual: the planted entry is never used.
    Renewed,
    /// Refuse to write, saying why; the pair stays as it was.
    Refused,
}

/// One attack: the pair it is aimed at (`STEM.crt`/`STEM.key`), how it is planted (`dir`, a
/// file outside the directory standing in for `/data/bosun.db` or the CA key), what bosun must
/// do, and the entries it must list as warnings.
struct Attack {
    stem: &'static str,
    what: &'static str,
    plant: fn(dir: &Path, outside: &Path),
    expect: Expect,
    warned: &'static [&'static str],
}

const ATTACKS: &[Attack] = &[
    Attack {
        stem: "a",
        what: "links at the temporary names bosun used to write (`.NAME.bosun-new`)",
        plant: |dir, outside| {
            symlink(outside, dir.join(".a.key.bosun-new")).unwrap();
            symlink(outside, dir.join(".a.crt.bosun-new")).unwrap();
        },
        expect: Expect::Renewed,
        warned: &[".a.crt.bosun-new", ".a.key.bosun-new"],
    },
    Attack {
        stem: "b",
        what: "a temporary file created beforehand and held open to read the new key",
        plant: |dir, _| {
            let f = dir.join(".b.key.bosun-new");
            std::fs::write(&f, "").unwrap();
            std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o666))
                .unwrap();
        },
        expect: Expect::Renewed,
        warned: &[".b.key.bosun-new"],
    },
    Attack {
        stem: "c",
        what: "the key file replaced by a link to a secret outside",
        plant: |dir, outside| {
            std::fs::remove_file(dir.join("c.key")).unwrap();
            symlink(outside, dir.join("c.key")).unwrap();
        },
        expect: Expect::Refused,
        warned: &[],
    },
    Attack {
        stem: "d",
        what: "the previous copy (`.NAME.bosun-previous`) replaced by a link outside",
        plant: |dir, outside| {
            let prev = dir.join(".d.crt.bosun-previous");
            std::fs::remove_file(&prev).unwrap();
            symlink(outside, prev).unwrap();
        },
        expect: Expect::Refused,
        warned: &[".d.crt.bosun-previous"],
    },
    Attack {
        stem: "sub/e",
        what: "the pair's subdirectory moved outside and replaced by a link to it",
        plant: |dir, outside| {
            let real = outside.with_file_name("e-real");
            std::fs::rename(dir.join("sub"), &real).unwrap();
            symlink(&real, dir.join("sub")).unwrap();
        },
        expect: Expect::Refused,
        warned: &[],
    },
];

/// The name certified for a row's pair.
fn name_of(a: &Attack) -> String {
    format!("{}.it", a.stem.replace('/', "-"))
}

async fn certificates(admin: &reqwest::Client, s: &TestServer) -> Vec<CertDto> {
    let r = admin
        .get(s.url("/api/v1/certificates"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn titled<'a>(certs: &'a [CertDto], path: &Path) -> &'a CertDto {
    let title = path.display().to_string();
    certs
        .iter()
        .find(|c| c.title == title)
        .unwrap_or_else(|| panic!("no certificate {title} in {certs:#?}"))
}

/// The automatic renewals (newest first) of each title.
async fn automatic_renewals(
    admin: &reqwest::Client,
    s: &TestServer,
) -> BTreeMap<String, Vec<AuditEntry>> {
    let r = admin
        .get(s.url("/api/v1/audit?action=certificate.renew"))
        .send()
        .await
        .unwrap();
    let entries: Vec<AuditEntry> = r.json().await.unwrap();
    let mut by: BTreeMap<String, Vec<AuditEntry>> = BTreeMap::new();
    for e in entries.into_iter().filter(|e| e.actor == "renewal") {
        by.entry(e.target.clone()).or_default().push(e);
    }
    by
}

/// Every plain file under `dir` (links are not followed), with its content.
fn files_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::symlink_metadata(p).unwrap().is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Every entry under `dir` (links listed, not followed) with its content, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let m = std::fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            out.extend(tree(&p));
        } else if m.is_file() {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        } else {
            out.push((
                p.clone(),
                std::fs::read_link(&p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes(),
            ));
        }
    }
    out.sort();
    out
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

#[tokio::test]
async fn a_writable_certificate_directory_cannot_redirect_or_read_bosuns_writes() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let d = dir.path();
    for a in ATTACKS {
        let (c, k) = pair(&[&name_of(a)], -1, 30);
        std::fs::create_dir_all(d.join(a.stem).parent().unwrap()).unwrap();
        std::fs::write(d.join(format!("{}.crt", a.stem)), c).unwrap();
        std::fs::write(d.join(format!("{}.key", a.stem)), k).unwrap();
    }
    let dirs = d.display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;

    // An admin hands every pair to the internal CA: from now on bosun renews them by itself.
    let certs = certificates(&admin, &s).await;
    for a in ATTACKS {
        let id = &titled(&certs, &d.join(format!("{}.crt", a.stem))).id;
        let r = admin
            .post(s.url(&format!("/api/v1/certificates/{id}/renew")))
            .json(&serde_json::json!({"source": "internal-ca", "confirm_names": [name_of(a)]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }

    // Time passes (pairs 90% through their lives take their places), and each attack is
    // planted, aimed at a file outside standing in for bosun's database or the CA key.
    let mut canaries = Vec::new();
    let mut due = BTreeMap::new();
    for a in ATTACKS {
        let (c, k) = pair(&[&name_of(a)], -90, 10);
        std::fs::write(d.join(format!("{}.crt", a.stem)), &c).unwrap();
        std::fs::write(d.join(format!("{}.key", a.stem)), &k).unwrap();
        due.insert(a.stem, c);
        let canary = outside
            .path()
            .join(format!("{}-secret.key", a.stem.replace('/', "-")));
        let secret = rcgen::KeyPair::generate().unwrap().serialize_pem();
        std::fs::write(&canary, &secret).unwrap();
        (a.plant)(d, &canary);
        canaries.push((a, canary, secret));
    }
    let outside_before = tree(outside.path());
    // The attacker of row b keeps its file open, waiting for a key to be written into it.
    let mut held = std::fs::File::open(d.join(".b.key.bosun-new")).unwrap();

    // The renewal loop runs at least once a minute, and at once when containers change.
    let _poke = Project::up(
        &unique("itattack"),
        "services:\n  poke:\n    image: busybox:latest\n    command: [\"true\"]\n",
    )
    .await;
    let mut renewals = BTreeMap::new();
    for _ in 0..180 {
        renewals = automatic_renewals(&admin, &s).await;
        if renewals.len() >= ATTACKS.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let certs = certificates(&admin, &s).await;
    let inside = files_in(d);
    assert_eq!(
        tree(outside.path()),
        outside_before,
        "something outside the watched directory changed"
    );

    for (a, canary, secret) in &canaries {
        let crt = d.join(format!("{}.crt", a.stem));
        let key = d.join(format!("{}.key", a.stem));
        let title = crt.display().to_string();
        let tried = renewals
            .get(&title)
            .unwrap_or_else(|| panic!("{}: no automatic renewal ran within 90 s", a.what));
        assert_eq!(
            std::fs::read_to_string(canary).unwrap(),
            *secret,
            "{}: the file outside the directory changed",
            a.what
        );
        for (p, bytes) in &inside {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{}: the secret outside was copied into {}",
                a.what,
                p.display()
            );
        }
        let dto = titled(&certs, &crt);
        match a.expect {
            Expect::Renewed => {
                assert_eq!(tried[0].outcome, AuditOutcome::Ok, "{}: {tried:#?}", a.what);
                let (c, k) = (std::fs::read(&crt).unwrap(), std::fs::read(&key).unwrap());
                assert_ne!(c, due[a.stem].as_bytes(), "{}: not renewed", a.what);
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                let checked = bosun_server::certs::inspect::checked_pair(&c, &k, now);
                assert!(
                    checked.is_ok(),
                    "{}: the new pair on disk does not match",
                    a.what
                );
                assert!(!is_link(&crt) && !is_link(&key), "{}", a.what);
                assert_eq!(
                    dto.managed.as_ref().map(|m| m.failures),
                    Some(0),
                    "{}",
                    a.what
                );
            }
            Expect::Refused => {
                assert_eq!(tried.len(), 1, "{}: {tried:#?}", a.what);
                assert_eq!(tried[0].outcome, AuditOutcome::Failed, "{}", a.what);
                let error = dto
                    .managed
                    .as_ref()
                    .and_then(|m| m.last_error.clone())
                    .unwrap_or_default();
                assert!(
                    error.contains("symbolic link") && error.contains(&d.display().to_string()),
                    "{}: the error does not say which link: {error}",
                    a.what
                );
                assert_eq!(
                    std::fs::read_to_string(&crt).unwrap(),
                    due[a.stem],
                    "{}: the certificate in place changed",
                    a.what
                );
            }
        }
    }
    // The planted links are still links (bosun neither followed nor silently replaced them).
    assert!(is_link(&d.join("c.key")) && is_link(&d.join(".a.key.bosun-new")));
    // The attacker's open file never received the new key.
    let mut seen = String::new();
    held.read_to_string(&mut seen).unwrap();
    assert!(
        !seen.contains("PRIVATE KEY"),
        "the held temporary file got the key"
    );

    // What was planted is listed as a warning, on the page and in the live view (REST).
    let page = text_of(&admin, &s, "/certificates").await;
    let mut events = Events::open(&admin, s.url("/api/v1/certificates/events")).await;
    let view: CertificatesView =
        serde_json::from_value(events.next(Duration::from_secs(10)).await.unwrap()).unwrap();
    for a in ATTACKS {
        for name in a.warned {
            let path = d.join(name).display().to_string();
            assert!(
                view.warnings.iter().any(|w| w.starts_with(&path)),
                "{}: {path} not in {:#?}",
                a.what,
                view.warnings
            );
            assert!(page.contains(&path), "{}: {path} not on the page", a.what);
        }
    }
    assert!(page.contains("cert-warning"), "no warning line on the page");
    assert_eq!(
        view.warnings.len(),
        ATTACKS.iter().map(|a| a.warned.len()).sum::<usize>(),
        "{:#?}",
        view.warnings
    );
}
