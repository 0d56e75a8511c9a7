//! Attacks through the labels of a service (whoever deploys a compose file writes them): a
//! `bosun.cert.dir` that leaves its mount (`..`, a link in the mounted directory, links to
//! files outside beside the real ones), and `bosun.cert.names` that make bosun's internal CA
//! certify names nobody confirmed (another site's, bosun's own). One table, on real
//! containers: each service mounts a directory of its own, with a canary pair beside the mount
//! that must never be listed, read into a certificate, or written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bosun_frontend::model::{AuditOutcome, CertDto, CertSource, RenewReport};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, page_of, post_json, refused};
use crate::certs::{certificates, pair};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

/// What bosun must make of a service's labels.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Listed as a problem naming the label and containing this text; renewing it is
    /// refused with the same words.
    Refused(&'static str),
    /// Usable (no certificate yet); the links out are not listed, and a first certificate
    /// lands in the mount only.
    Confined,
    /// A first certificate needs these names confirmed: 409 without, 400 with a name it would
    /// not get, 200 with them (audited).
    Confirm(&'static [&'static str]),
}

/// One attack: the service's name, what it tries, its labels besides `bosun.cert.dir`
/// (which is `dir`), what it plants in its mount (`m`, mounted at /certs) next to `out`
/// (the directory beside the mount with the canary pair), and what bosun must do.
struct Attack {
    service: &'static str,
    what: &'static str,
    dir: &'static str,
    names: &'static str,
    plant: fn(m: &Path, out: &Path),
    expect: Expect,
}

const ATTACKS: &[Attack] = &[
    Attack {
        service: "dotdot",
        what: "`..` in bosun.cert.dir, climbing from the mount to the directory beside it",
        dir: "/certs/../out",
        names: "dotdot.it",
        plant: |_, _| {},
        expect: Expect::Refused("“..”"),
    },
    Attack {
        service: "deeper",
        what: "`..` that climbs back into the mount before leaving it",
        dir: "/certs/site/../../out",
        names: "deeper.it",
        plant: |m, _| std::fs::create_dir(m.join("site")).unwrap(),
        expect: Expect::Refused("“..”"),
    },
    Attack {
        service: "linked",
        what: "bosun.cert.dir naming a link in the mount that points out of it",
        dir: "/certs/link",
        names: "linked.it",
        plant: |m, out| std::os::unix::fs::symlink(out, m.join("link")).unwrap(),
        expect: Expect::Refused("symbolic link"),
    },
    Attack {
        service: "beside",
        what: "links out of the mount beside the real directory's files",
        dir: "/certs/site",
        names: "beside.it",
        plant: |m, out| {
            std::fs::create_dir(m.join("site")).unwrap();
            std::os::unix::fs::symlink(out, m.join("site/away")).unwrap();
            std::os::unix::fs::symlink(out.join("tls.crt"), m.join("site/stolen.crt")).unwrap();
            std::os::unix::fs::symlink(out.join("tls.key"), m.join("site/stolen.key")).unwrap();
        },
        expect: Expect::Confined,
    },
    Attack {
        service: "foreign",
        what: "bosun.cert.names claiming another site's name and an address",
        dir: "/certs",
        names: "bank.example,10.66.0.1",
        plant: |_, _| {},
        expect: Expect::Confirm(&["bank.example", "10.66.0.1"]),
    },
    Attack {
        service: "lookalike",
        what: "bosun.cert.names claiming bosun's own name",
        dir: "/certs",
        names: "localhost",
        plant: |_, _| {},
        expect: Expect::Confirm(&["localhost"]),
    },
];

/// Every entry under `dir` (links listed as their targets, not followed), with content.
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
            let to = std::fs::read_link(&p).unwrap();
            out.push((p.clone(), to.into_os_string().into_encoded_bytes()));
        }
    }
    out.sort();
    out
}

fn of<'a>(list: &'a [CertDto], project: &str, a: &Attack) -> Option<&'a CertDto> {
    let service = format!("{project}/{}", a.service);
    list.iter().find(|c| c.related.contains(&service))
}

#[tokio::test]
async fn labels_cannot_lead_bosun_out_of_a_mount_or_to_names_nobody_confirmed() {
    let base = tempfile::tempdir().unwrap();
    let project = unique("itlabels");
    let mut compose = String::from("services:\n");
    let mut canary = Vec::new();
    for a in ATTACKS {
        let (m, out) = (
            base.path().join(a.service).join("certs"),
            base.path().join(a.service).join("out"),
        );
        std::fs::create_dir_all(&m).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let (c, k) = pair(&[&format!("canary.{}.it", a.service)], -1, 30);
        std::fs::write(out.join("tls.crt"), c).unwrap();
        std::fs::write(out.join("tls.key"), &k).unwrap();
        canary.push(k);
        (a.plant)(&m, &out);
        compose.push_str(&format!(
            "  {}:\n    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n    init: true\n    volumes: [\"{}:/certs\"]\n    labels:\n      bosun.cert.dir: \"{}\"\n      bosun.cert.names: \"{}\"\n",
            a.service,
            m.display(),
            a.dir,
            a.names
        ));
    }
    let before = tree(base.path());
    let stack = Project::up(&project, &compose).await;
    let s = TestServer::start_with(&["--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    crate::api::wait_listed(&admin, &s, &stack.name).await;
    let mut list = Vec::new();
    for _ in 0..60 {
        list = certificates(&admin, &s).await;
        if ATTACKS.iter().all(|a| of(&list, &project, a).is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The page's renew forms show the names to confirm, with a box that must be ticked.
    let page = page_of(&admin, &s, "/certificates").await;
    for a in ATTACKS {
        if let Expect::Confirm(names) = a.expect {
            let shown = format!("<strong>{}</strong>", names.join(", "));
            assert!(page.contains(&shown), "{}: {shown} not on the page", a.what);
        }
    }
    assert!(
        page.contains(r#"data-testid="renew-confirm" required"#),
        "no required confirm box on the page"
    );

    for a in ATTACKS {
        let c = of(&list, &project, a)
            .unwrap_or_else(|| panic!("{}: not listed in {list:#?}", a.what))
            .clone();
        let path = format!("/api/v1/certificates/{}/renew", c.id);
        let renew = |body| post_json(&admin, &s, &path, body);
        match a.expect {
            Expect::Refused(words) => {
                let problem = c.problem.clone().unwrap_or_default();
                assert!(
                    problem.contains("bosun.cert.dir")
                        && problem.contains(a.dir)
                        && problem.contains(words),
                    "{}: the problem does not name the label and what is wrong: {problem}",
                    a.what
                );
                assert!(c.renew_sources.is_empty(), "{}: {c:#?}", a.what);
                let e = refused(
                    renew(json!({"confirm_names": [a.names]})).await,
                    StatusCode::CONFLICT,
                )
                .await;
                assert!(e.message.contains(words), "{}: {}", a.what, e.message);
            }
            Expect::Confined => {
                assert_eq!(
                    c.problem
                        .as_deref()
                        .map(|p| p.contains("No certificate yet")),
                    Some(true),
                    "{}: {c:#?}",
                    a.what
                );
                let r = renew(json!({"confirm_names": [a.names]})).await;
                let report: RenewReport = expect_json(r, StatusCode::OK).await;
                assert_eq!(report.names, [a.names], "{}", a.what);
                let site = base.path().join(a.service).join("certs/site");
                assert!(
                    site.join("tls.crt").is_file() && site.join("tls.key").is_file(),
                    "{}",
                    a.what
                );
            }
            Expect::Confirm(names) => {
                assert_eq!(
                    c.unconfirmed_names, names,
                    "{}: the page does not ask to confirm them",
                    a.what
                );
                let e = refused(renew(json!({})).await, StatusCode::CONFLICT).await;
                for n in names {
                    assert!(
                        e.message.contains(n),
                        "{}: {n} not in {}",
                        a.what,
                        e.message
                    );
                }
                assert!(
                    e.message.contains("confirm_names"),
                    "{}: {}",
                    a.what,
                    e.message
                );
                let e = refused(
                    renew(json!({"confirm_names": names.iter().chain(&["extra.it"]).collect::<Vec<_>>()})).await,
                    StatusCode::BAD_REQUEST,
                )
                .await;
                assert_eq!(e.field.as_deref(), Some("confirm_names"), "{}", a.what);
                assert!(
                    !base.path().join(a.service).join("certs/tls.crt").exists(),
                    "{}: issued without a confirmation",
                    a.what
                );
                let r = renew(json!({"confirm_names": names})).await;
                let report: RenewReport = expect_json(r, StatusCode::OK).await;
                assert_eq!(report.source, CertSource::InternalCa);
                assert_eq!(report.names, names, "{}", a.what);
                let entries = audit(&s, &admin, "action=certificate.renew").await;
                let title = base
                    .path()
                    .join(a.service)
                    .join("certs/tls.crt")
                    .display()
                    .to_string();
                let ok = entries
                    .iter()
                    .find(|e| e.target == title && e.outcome == AuditOutcome::Ok)
                    .unwrap_or_else(|| panic!("{}: no audit record in {entries:#?}", a.what));
                let detail = ok.detail.clone().unwrap_or_default();
                assert!(
                    detail.contains(&format!("names confirmed: {}", names.join(", "))),
                    "{}: {detail}",
                    a.what
                );
            }
        }
    }

    // Nothing outside a mount was listed, and nothing there changed or was read into a file.
    let list = certificates(&admin, &s).await;
    let view_titles: Vec<&str> = list.iter().map(|c| c.title.as_str()).collect();
    for a in ATTACKS {
        let out = base.path().join(a.service).join("out");
        assert!(
            !view_titles
                .iter()
                .any(|t| t.starts_with(&out.display().to_string())),
            "{}: something outside the mount is listed: {view_titles:#?}",
            a.what
        );
        assert!(
            !view_titles
                .iter()
                .any(|t| t.contains("/away/") || t.ends_with("stolen.crt")),
            "{}: a link out of the mount is listed: {view_titles:#?}",
            a.what
        );
    }
    let after = tree(base.path());
    for (p, bytes) in &after {
        if let Some((_, was)) = before.iter().find(|(q, _)| q == p) {
            assert_eq!(was, bytes, "{} changed", p.display());
        } else {
            assert!(
                p.starts_with(base.path()) && p.components().any(|c| c.as_os_str() == "certs"),
                "{} was written outside a mount",
                p.display()
            );
            for k in &canary {
                assert!(
                    !bytes.windows(k.len()).any(|w| w == k.as_bytes()),
                    "a canary key was copied into {}",
                    p.display()
                );
            }
        }
    }
    drop(stack);
}

#[tokio::test]
async fn a_ca_made_with_allowed_names_issues_those_freely_and_refuses_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = pair(&["shop.it"], -1, 30);
    std::fs::write(dir.path().join("shop.crt"), c).unwrap();
    std::fs::write(dir.path().join("shop.key"), k).unwrap();
    let dirs = dir.path().display().to_string();
    let s = TestServer::start_with(&[
        "--cert-dirs",
        &dirs,
        "--ca-allowed-names",
        ".it,10.0.0.0/8",
        "--admin-password",
        ADMIN_PASSWORD,
    ])
    .await;
    let admin = s.admin().await;
    let title = dir.path().join("shop.crt").display().to_string();
    let c = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| c.title == title)
        .unwrap();
    assert_eq!(c.unconfirmed_names, Vec::<String>::new(), "{c:#?}");
    let path = format!("/api/v1/certificates/{}/renew", c.id);
    let renew = |body| post_json(&admin, &s, &path, body);

    // Inside the allowed names: no confirmation needed, and clients trust the result.
    let r = renew(json!({"source": "internal-ca", "names": ["shop.it", "10.1.2.3"]})).await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.names, ["shop.it", "10.1.2.3"]);
    let now = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| c.title == title)
        .unwrap();
    assert!(now.chain.valid, "{:?}", now.chain);

    // Outside them the CA was made unable to issue (name constraints): refused, confirmed or not.
    let r = renew(json!({"source": "internal-ca", "names": ["shop.example"], "confirm_names": ["shop.example"]})).await;
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("names"));
    assert!(
        e.message.contains("shop.example") && e.message.contains("ACME"),
        "{}",
        e.message
    );
    let still = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| c.title == title)
        .unwrap();
    assert_eq!(
        still.serial, report.serial,
        "the certificate in place is untouched"
    );
}
