//! A viewer cannot make bosun probe an address of their choosing: link checks go to bosun's
//! own check host, whatever Host header a request carries.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bosun_frontend::model::LinkDto;
use tokio::io::AsyncWriteExt;

use crate::api::json_of;
use crate::harness::TestServer;
use crate::stacks::{Project, unique};

/// An HTTP server on `ip:port` that answers 200 and counts the connections it gets.
async fn counting(ip: [u8; 4], port: u16) -> Arc<AtomicUsize> {
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind((std::net::IpAddr::from(ip), port))
        .await
        .unwrap();
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                .await;
        }
    });
    hits
}

#[tokio::test]
async fn a_host_header_does_not_choose_what_bosun_probes() {
    // A port free on both addresses: the link's target on the check host (127.0.0.1), and an
    // "internal service" on 127.0.0.77 that a viewer would like bosun to knock on.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let legit = counting([127, 0, 0, 1], port).await;
    let internal = counting([127, 0, 0, 77], port).await;
    let name = unique("itprobe");
    let _p = Project::up(
        &name,
        &format!(
            "services:\n  mon:\n    image: busybox:latest\n    command: [\"sleep\", \"300\"]\n    labels:\n      bosun.link.title: Monitor\n      bosun.link.url: \"http://{{host}}:{port}/\"\n"
        ),
    )
    .await;
    let s = TestServer::start().await;
    let viewer = {
        let admin = s.admin().await;
        s.user(&admin, "viewy", "viewer").await
    };
    let mut link = None;
    for _ in 0..50 {
        let r = viewer
            .get(s.url("/api/v1/links"))
            .header("host", format!("127.0.0.77:{port}"))
            .send()
            .await
            .unwrap();
        let links: Vec<LinkDto> = json_of(r).await;
        link = links
            .into_iter()
            .find(|l| l.project.as_deref() == Some(name.as_str()));
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let link = link.expect("the monitor's link is listed");
    // The browser is shown the host it asked with; bosun checked its own host.
    assert!(link.url.starts_with("http://127.0.0.77:"), "{link:?}");
    assert_eq!(link.check.as_ref().map(|c| c.up), Some(true), "{link:?}");
    assert!(
        legit.load(Ordering::SeqCst) >= 1,
        "the check went to the check host"
    );
    assert_eq!(
        internal.load(Ordering::SeqCst),
        0,
        "bosun knocked on the address from the Host header"
    );
}
