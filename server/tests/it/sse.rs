//! Reads a `text/event-stream` response frame by frame, each frame as the DTO the stream
//! sends (`Overview`, `LogFrame`, `StatsFrame`, `CertificatesView`, …).

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use serde::de::DeserializeOwned;

pub struct Events {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
    /// The `id:` of the last frame that had one, as a browser keeps it for `Last-Event-ID`.
    pub last_id: Option<String>,
}

impl Events {
    pub async fn open(client: &reqwest::Client, url: String) -> Self {
        Self::resume(client, url, None).await
    }

    /// Opens the stream as a browser reconnecting after a drop: with `Last-Event-ID`.
    pub async fn resume(client: &reqwest::Client, url: String, last_id: Option<&str>) -> Self {
        // A stream lives as long as the test needs it: not cut off by the client's own
        // whole-request timeout (which a reader would take for the server ending it).
        let mut request = client.get(url).timeout(Duration::from_secs(3600));
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        Events {
            body: r.bytes_stream().boxed(),
            buffer: String::new(),
            last_id: None,
        }
    }

    /// The next `data:` frame as `T`, or None after `within`.
    pub async fn next<T: DeserializeOwned>(&mut self, within: Duration) -> Option<T> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id:")) {
                    self.last_id = Some(id.trim_start().to_owned());
                }
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.trim_start())
                    .collect();
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                return Some(serde_json::from_str(&data).unwrap_or_else(|e| {
                    panic!(
                        "a frame that is not a {}: {e}\n{data}",
                        std::any::type_name::<T>()
                    )
                }));
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Whether the server ends the stream within `within` (frames before the end are skipped).
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
            }
        }
    }

    /// Frames until one satisfies `want`; panics with the last frame after `within`.
    pub async fn until<T: DeserializeOwned + std::fmt::Debug>(
        &mut self,
        within: Duration,
        want: impl Fn(&T) -> bool,
    ) -> T {
        let deadline = tokio::time::Instant::now() + within;
        let mut last = None;
        while let Some(v) = self
            .next(deadline.saturating_duration_since(tokio::time::Instant::now()))
            .await
        {
            if want(&v) {
                return v;
            }
            last = Some(v);
        }
        panic!("no matching event within {within:?}; last: {last:#?}");
    }
}
