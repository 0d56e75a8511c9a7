//! Is the monitor up? An HTTP request from bosun with a short timeout, cached briefly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bosun_frontend::model::LinkCheck;

use crate::store::{now_ms, rfc3339};

const TIMEOUT: Duration = Duration::from_secs(2);
const FRESH: Duration = Duration::from_secs(30);
const MAX_CACHED: usize = 512;

#[derive(Clone)]
pub struct Checker {
    client: reqwest::Client,
    cache: Arc<Mutex<HashMap<String, (Instant, LinkCheck)>>>,
    /// The host bosun probes links on: its own setting, never a request's Host header (which a
    /// viewer could point at any address on bosun's network).
    host: Arc<str>,
}

impl Checker {
    pub fn new(host: &str) -> Result<Self, String> {
        // Monitors on a LAN often use self-signed certificates; a reachability check only
        // asks whether something answers, so any certificate is accepted here (and only here).
        let client = crate::net::Https::any_certificate()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirects(0)
            .build()?;
        Ok(Checker {
            client,
            cache: Arc::default(),
            host: Arc::from(host),
        })
    }

    /// The host that fills `{host}` in the URLs bosun checks.
    pub fn host(&self) -> &str {
        &self.host
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, LinkCheck)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The last result for `url`, however old.
    pub fn cached(&self, url: &str) -> Option<LinkCheck> {
        self.lock().get(url).map(|(_, c)| c.clone())
    }

    /// Checks `url` unless a result younger than 30 s exists. Any HTTP answer below 500
    /// (a login page's 401 included) counts as up.
    pub async fn check(&self, url: &str) -> LinkCheck {
        if let Some((at, c)) = self.lock().get(url)
            && at.elapsed() < FRESH
        {
            return c.clone();
        }
        let started = Instant::now();
        let result = self.client.get(url).send().await;
        let took_ms = started.elapsed().as_millis() as u64;
        let check = match result {
            Ok(r) => LinkCheck {
                up: r.status().as_u16() < 500,
                status: Some(r.status().as_u16()),
                error: None,
                checked_at: rfc3339(now_ms()),
                took_ms,
            },
            Err(e) => LinkCheck {
                up: false,
                status: None,
                error: Some(describe(&e)),
                checked_at: rfc3339(now_ms()),
                took_ms,
            },
        };
        let mut cache = self.lock();
        // Bounded: URLs come from labels, which are not a closed set.
        if cache.len() >= MAX_CACHED && !cache.contains_key(url) {
            cache.retain(|_, (at, _)| at.elapsed() < FRESH);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(url.to_owned(), (Instant::now(), check.clone()));
        check
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "connection refused or host unreachable from bosun".to_owned()
    } else {
        "the answer was not HTTP".to_owned()
    }
}
