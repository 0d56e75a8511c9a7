//! One scan of the certificate directories, shared by every reader. The page's live views all
//! read the latest scan; a new one runs when something changed (the containers, a renewal, or
//! the periodic look for files changed on disk), never once per viewer. Readers that need the
//! directories as they are now (the REST API, a renewal) ask for a scan that started after
//! they asked: scans run one at a time, and everyone who asked during one shares the next.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bosun_frontend::error::AppError;
use futures::Stream;
use tokio::sync::watch;

use super::confine::Watched;
use super::scan::CertFile;
use super::targets::Target;
use crate::docker::record::Record;
use crate::error::OrInternal;

/// A burst of changes within this time becomes one scan.
const SETTLE: Duration = Duration::from_millis(500);

/// What one scan found.
pub struct Scanned {
    /// The targets the services declare by label (`bosun.cert.dir`).
    pub declared: Vec<Target>,
    /// The directories listed, and how far writes to each may go.
    pub watched: Vec<Watched>,
    pub files: Vec<CertFile>,
    /// Entries planted in the directories (see `planted`).
    pub warnings: Vec<String>,
    started: Instant,
}

impl Scanned {
    /// Scans the configured directories and those the containers in `records` declare.
    pub fn of(records: &[Arc<Record>], configured: &[PathBuf]) -> Self {
        let own = super::targets::own_mounts(records);
        let declared = super::targets::declared(records, own.as_deref());
        let watched = super::targets::watched(configured, &declared);
        Scanned {
            files: super::scan::scan(&watched),
            warnings: super::planted::planted(&watched),
            declared,
            watched,
            started: Instant::now(),
        }
    }
}

type ScanFn = dyn Fn() -> Scanned + Send + Sync;

/// The shared scan (cheap to clone).
#[derive(Clone)]
pub struct Scans {
    inner: Arc<Inner>,
}

struct Inner {
    scan: Box<ScanFn>,
    /// How often the directories are looked at again while anyone follows them.
    every: Duration,
    latest: Mutex<Option<Arc<Scanned>>>,
    /// Bumped when a new scan is in; followers watch it.
    generation: watch::Sender<u64>,
    /// Bumped to ask for a new scan (after a renewal changed files).
    asked: watch::Sender<u64>,
    /// One scan at a time; readers waiting here share the next one.
    turn: tokio::sync::Mutex<()>,
    count: AtomicU64,
}

impl Scans {
    pub fn new(every: Duration, scan: impl Fn() -> Scanned + Send + Sync + 'static) -> Self {
        Scans {
            inner: Arc::new(Inner {
                scan: Box::new(scan),
                every,
                latest: Mutex::new(None),
                generation: watch::channel(0).0,
                asked: watch::channel(0).0,
                turn: tokio::sync::Mutex::new(()),
                count: AtomicU64::new(0),
            }),
        }
    }

    /// How many scans have run so far.
    pub fn count(&self) -> u64 {
        self.inner.count.load(Ordering::Relaxed)
    }

    fn current(&self) -> Option<Arc<Scanned>> {
        self.inner
            .latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A scan that started at `since` or later: the latest one if it did, else a new one
    /// (waiting for the one running now first, which may do).
    async fn since(&self, since: Instant) -> Result<Arc<Scanned>, AppError> {
        if let Some(s) = self.current().filter(|s| s.started >= since) {
            return Ok(s);
        }
        let _turn = self.inner.turn.lock().await;
        if let Some(s) = self.current().filter(|s| s.started >= since) {
            return Ok(s);
        }
        let this = self.clone();
        let started = Instant::now();
        let mut scanned = tokio::task::spawn_blocking(move || (this.inner.scan)())
            .await
            .or_internal("scanning the certificate directories")?;
        scanned.started = started;
        let scanned = Arc::new(scanned);
        self.inner.count.fetch_add(1, Ordering::Relaxed);
        *self.inner.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(scanned.clone());
        self.inner.generation.send_modify(|g| *g += 1);
        Ok(scanned)
    }

    /// The directories as they are now: a scan that started after this call.
    pub async fn fresh(&self) -> Result<Arc<Scanned>, AppError> {
        self.since(Instant::now()).await
    }

    /// A scan at most `age` old.
    pub async fn within(&self, age: Duration) -> Result<Arc<Scanned>, AppError> {
        let since = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        self.since(since).await
    }

    /// Asks for a new scan soon (files were written); followers then get it.
    pub fn changed(&self) {
        self.inner.asked.send_modify(|n| *n += 1);
    }

    /// Keeps the shared scan current for as long as bosun runs: a new one after `changes`
    /// fire (settled), after `changed()`, and every `every`, while anyone follows it.
    pub async fn keep_fresh(self, mut changes: Vec<watch::Receiver<u64>>) {
        changes.push(self.inner.asked.subscribe());
        loop {
            let any =
                futures::future::select_all(changes.iter_mut().map(|c| Box::pin(c.changed())));
            tokio::select! {
                (r, _, _) = any => if r.is_err() { return },
                () = tokio::time::sleep(self.inner.every) => {}
            }
            tokio::time::sleep(SETTLE).await;
            for c in &mut changes {
                c.borrow_and_update();
            }
            // Nobody follows: whoever reads next scans for themselves.
            if self.inner.generation.receiver_count() == 0 {
                continue;
            }
            if let Err(e) = self.fresh().await {
                tracing::warn!(error = %e.message, "scanning the certificate directories failed");
            }
        }
    }

    /// A live view built from the shared scan by `build`: at once, then whenever a new scan is
    /// in, one of `changes` fires, or `interval()` has passed. Following never scans by itself
    /// unless the shared scan has fallen far behind (and then with everyone else).
    pub fn follow<T, I, F, Fut>(
        &self,
        mut changes: Vec<watch::Receiver<u64>>,
        interval: I,
        build: F,
    ) -> impl Stream<Item = T> + Send + use<T, I, F, Fut>
    where
        T: PartialEq + Clone + Send + 'static,
        I: Fn() -> Duration + Send + 'static,
        F: Fn(Arc<Scanned>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send,
    {
        changes.push(self.inner.generation.subscribe());
        let this = self.clone();
        let build = Arc::new(build);
        crate::live::snapshots(changes, interval, move || {
            let (this, build) = (this.clone(), build.clone());
            async move {
                let scan = this.within(this.inner.every * 2).await?;
                build(scan).await
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn pem(name: &str) -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        rcgen::CertificateParams::new(vec![name.into()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .pem()
    }

    /// Opens `n` followers of one directory, changes it three times (each with a change
    /// signal, as a renewal or a container event gives), and counts the scans per change.
    async fn scans_per_change(n: usize) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_owned();
        let scans = Scans::new(Duration::from_secs(3600), move || {
            Scanned::of(&[], std::slice::from_ref(&d))
        });
        let (tx, rx) = watch::channel(0u64);
        let keeper = tokio::spawn(scans.clone().keep_fresh(vec![rx]));
        let mut followers: Vec<_> = (0..n)
            .map(|_| {
                Box::pin(scans.follow(
                    vec![],
                    || Duration::from_secs(3600),
                    |s: Arc<Scanned>| async move { Ok(s.files.len()) },
                ))
            })
            .collect();
        for f in &mut followers {
            assert_eq!(f.next().await, Some(0));
        }
        assert_eq!(scans.count(), 1, "{n} followers opening share one scan");
        for change in 1..=3 {
            std::fs::write(dir.path().join(format!("{change}.crt")), pem("a.lan")).unwrap();
            tx.send_modify(|g| *g += 1);
            for f in &mut followers {
                let seen = tokio::time::timeout(Duration::from_secs(10), f.next()).await;
                assert_eq!(seen.unwrap(), Some(change), "{n} followers");
            }
        }
        keeper.abort();
        (scans.count() - 1) / 3
    }

    #[tokio::test]
    async fn a_change_is_scanned_once_however_many_follow() {
        assert_eq!(scans_per_change(1).await, 1);
        assert_eq!(scans_per_change(12).await, 1);
    }

    #[tokio::test]
    async fn readers_asking_during_a_scan_share_the_next_one() {
        let started = Arc::new(AtomicU64::new(0));
        let s2 = started.clone();
        let scans = Scans::new(Duration::from_secs(3600), move || {
            s2.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(200));
            Scanned::of(&[], &[])
        });
        let first = tokio::spawn({
            let s = scans.clone();
            async move { s.fresh().await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Eight readers ask while the first scan runs: it began before they asked, so they
        // get one more scan, shared.
        let readers: Vec<_> = (0..8)
            .map(|_| {
                let s = scans.clone();
                tokio::spawn(async move { s.fresh().await.map(|_| ()) })
            })
            .collect();
        first.await.unwrap().unwrap();
        for r in readers {
            r.await.unwrap().unwrap();
        }
        assert_eq!(scans.count(), 2);
        assert_eq!(started.load(Ordering::Relaxed), 2);
        // A recent enough scan is reused.
        scans.within(Duration::from_secs(60)).await.unwrap();
        assert_eq!(scans.count(), 2);
    }
}
