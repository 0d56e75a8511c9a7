//! Calls to bosun's REST API for the tests, answered as the DTO types the API declares
//! (`bosun_frontend::model`) or as its one error type (`AppError`), never as untyped JSON.

use std::time::Duration;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{AuditEntry, ContainerState, Overview, ProjectDto};
use reqwest::{Client, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::harness::TestServer;

/// The body as `T`, and as it was sent (for checks that something is absent from the raw
/// answer, such as a secret). A body that is not a `T` fails the test, showing it.
pub async fn json_text<T: DeserializeOwned>(r: Response) -> (T, String) {
    let (status, url) = (r.status(), r.url().clone());
    let text = r.text().await.expect("response body");
    (parse(&url, status, &text), text)
}

fn parse<T: DeserializeOwned>(url: &reqwest::Url, status: StatusCode, text: &str) -> T {
    serde_json::from_str(text).unwrap_or_else(|e| {
        panic!(
            "{url} answered {status} with a body that is not a {}: {e}\n{text}",
            std::any::type_name::<T>()
        )
    })
}

/// The body as `T`.
pub async fn json_of<T: DeserializeOwned>(r: Response) -> T {
    json_text(r).await.0
}

/// Asserts the status (showing the body if it differs) and reads the body as `T`.
pub async fn expect_json<T: DeserializeOwned>(r: Response, status: StatusCode) -> T {
    let (got, url) = (r.status(), r.url().clone());
    let text = r.text().await.expect("response body");
    assert_eq!(got, status, "{url}: {text}");
    parse(&url, got, &text)
}

/// Asserts the request was refused with `status` and returns bosun's error.
pub async fn refused(r: Response, status: StatusCode) -> AppError {
    expect_json(r, status).await
}

/// The body of an answer that is an error, whatever its status.
pub async fn error_of(r: Response) -> AppError {
    json_of(r).await
}

/// The body of a GET as `T`.
pub async fn json_get<T: DeserializeOwned>(client: &Client, s: &TestServer, path: &str) -> T {
    json_of(client.get(s.url(path)).send().await.expect("request")).await
}

/// The body of a GET as text.
pub async fn text_of(client: &Client, s: &TestServer, path: &str) -> String {
    client
        .get(s.url(path))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body")
}

/// A server-rendered page as its reader gets it: the HTML without Leptos's hydration markers
/// (`<!>`, `<!--…-->`), which sit between a text and its closing tag depending on how the
/// view was built, and are nothing anyone reads.
pub async fn page_of(client: &Client, s: &TestServer, path: &str) -> String {
    without_markers(&text_of(client, s, path).await)
}

fn without_markers(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<!") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        rest = if let Some(after) = tail.strip_prefix("<!>") {
            after
        } else if tail.starts_with("<!--") {
            match tail.find("-->") {
                Some(end) => &tail[end + 3..],
                // Not a marker after all: keep the rest as it is, never drop it unseen.
                None => {
                    out.push_str(tail);
                    ""
                }
            }
        } else {
            // `<!DOCTYPE html>`
            out.push_str("<!");
            &tail[2..]
        };
    }
    out.push_str(rest);
    out
}

#[test]
fn hydration_markers_are_taken_out_and_nothing_else() {
    assert_eq!(
        without_markers("<!DOCTYPE html><p>a<!>, <strong>b<!></strong><!--hk=1-->c</p>"),
        "<!DOCTYPE html><p>a, <strong>b</strong>c</p>"
    );
    assert_eq!(
        without_markers("<p>a</p><!-- no end"),
        "<p>a</p><!-- no end"
    );
}

/// The status of a GET, for the many "is this allowed now?" checks.
pub async fn status_of(client: &Client, s: &TestServer, path: &str) -> StatusCode {
    client
        .get(s.url(path))
        .send()
        .await
        .expect("request")
        .status()
}

/// POSTs a JSON body.
pub async fn post_json(
    client: &Client,
    s: &TestServer,
    path: &str,
    body: serde_json::Value,
) -> Response {
    client
        .post(s.url(path))
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// The audit entries newest first, as the admin API returns them.
pub async fn audit(server: &TestServer, admin: &Client, query: &str) -> Vec<AuditEntry> {
    let r = admin
        .get(server.url(&format!("/api/v1/audit?{query}")))
        .send()
        .await
        .expect("audit");
    expect_json(r, StatusCode::OK).await
}

/// The state of the first container of `service` in `project`, as an overview shows it.
pub fn state_in(overview: &Overview, project: &str, service: &str) -> Option<ContainerState> {
    overview
        .projects
        .iter()
        .find(|p| p.name == project)?
        .service(service)?
        .containers
        .first()
        .map(|c| c.state)
}

/// Waits until bosun's inventory shows `project` (it follows the engine's events) with as
/// many of its service containers as the engine has now. The project is listed once its first
/// container is seen, and the rest may come a moment later under load: a test that acts on a
/// service right away would otherwise find it missing. After 5 s a project that is listed at
/// all will do (for a test whose project changes meanwhile, its own checks decide).
pub async fn wait_listed(client: &Client, s: &TestServer, project: &str) {
    // The engine's count of the project's service containers (one-off `run` ones aside).
    let engine = crate::registry::docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        "label=com.docker.compose.oneoff=False",
    ])
    .lines()
    .count();
    let path = format!("/api/v1/projects/{project}");
    for i in 0..100 {
        let r = client.get(s.url(&path)).send().await.expect("request");
        if r.status() == StatusCode::OK {
            let listed: ProjectDto = json_of(r).await;
            let count: usize = listed.services.iter().map(|s| s.containers.len()).sum();
            if count >= engine || i >= 50 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{project} never listed in 10 s");
}
