//! Following logs live: the recent history in time order, then new lines as they come,
//! re-attaching to containers that restart, joining new ones, surviving engine restarts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bosun_frontend::model::{LogFrame, LogItem, LogLine, LogMarker, LogQuery, MarkerKind};
use futures::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::filter::Filter;
use super::hub::{Event, Hub};
use super::merge;
use super::source::{self, From, RawLine};
use crate::docker::Engine;
use crate::docker::record::Record;
use crate::store::{now_ms, rfc3339};

/// Which containers belong to the followed scope (checked again as containers come and go).
pub type InScope = Arc<dyn Fn(&Record) -> bool + Send + Sync>;

#[derive(Clone)]
struct Ctx {
    engine: Engine,
    hub: Hub,
    q: Arc<LogQuery>,
    filter: Arc<Filter>,
    merged: bool,
    tx: mpsc::Sender<LogItem>,
}

impl Ctx {
    /// False once the follower has gone away.
    async fn line(&self, record_label: &str, line: RawLine) -> bool {
        if !self.q.stream.wants(line.stream) {
            return true;
        }
        let Some(matches) = self.filter.matches(&line.text) else {
            return true;
        };
        let item = LogItem::Line(LogLine {
            ts: line.ts,
            stream: line.stream,
            source: record_label.to_owned(),
            text: line.text,
            matches,
        });
        self.tx.send(item).await.is_ok()
    }

    async fn marker(&self, source: &str, kind: MarkerKind, message: String) -> bool {
        let item = LogItem::Marker(LogMarker {
            source: source.to_owned(),
            kind,
            message,
            ts: rfc3339(now_ms()),
        });
        self.tx.send(item).await.is_ok()
    }

    fn label(&self, r: &Record) -> String {
        super::label(r, self.merged)
    }
}

/// The scope's lines as events, paced (`frames`): a fast writer does not mean one event
/// per line.
pub fn follow(
    engine: Engine,
    hub: Hub,
    in_scope: InScope,
    q: LogQuery,
    filter: Filter,
    merged: bool,
) -> impl Stream<Item = LogFrame> + Send + 'static {
    let (tx, rx) = mpsc::channel(2048);
    let ctx = Ctx {
        engine,
        hub,
        q: Arc::new(q),
        filter: Arc::new(filter),
        merged,
        tx,
    };
    tokio::spawn(supervise(ctx, in_scope));
    super::frames::paced(rx, super::frames::PACE, super::frames::MAX)
}

async fn supervise(ctx: Ctx, in_scope: InScope) {
    let started = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let members: Vec<Arc<Record>> = ctx
        .engine
        .inventory()
        .records()
        .into_iter()
        .filter(|r| in_scope(r))
        .collect();
    // Phase 1: history, merged by time. Each container's last line is where following starts.
    let mut last: HashMap<String, i128> = members.iter().map(|r| (r.id.clone(), started)).collect();
    if ctx.engine.connected() {
        let streams = members
            .iter()
            .map(|r| source::lines(&ctx.engine, &r.id, &ctx.q, From::Query, false).boxed())
            .collect();
        let mut history = std::pin::pin!(merge::by_time(streams));
        let mut seen: HashMap<String, i128> = HashMap::new();
        while let Some(item) = history.next().await {
            let Ok((i, line)) = item else { break };
            let r = &members[i];
            seen.insert(r.id.clone(), line.nanos);
            if !ctx.line(&ctx.label(r), line).await {
                return;
            }
        }
        last.extend(seen);
    }
    if ctx.q.until.is_some() {
        // A closed time range has nothing to follow. Keep the stream open but quiet, so a
        // browser does not reconnect and read the range again.
        if ctx
            .marker(
                "bosun",
                MarkerKind::End,
                "End of the chosen time range.".to_owned(),
            )
            .await
        {
            ctx.tx.closed().await;
        }
        return;
    }
    // Phase 2: live.
    let mut attached: HashMap<String, JoinHandle<()>> = HashMap::new();
    for r in &members {
        let from = last.get(&r.id).copied().unwrap_or(started);
        attached.insert(
            r.id.clone(),
            tokio::spawn(attach(ctx.clone(), r.clone(), from)),
        );
    }
    let mut changes = ctx.engine.inventory().watch();
    loop {
        tokio::select! {
            _ = ctx.tx.closed() => break,
            changed = changes.changed() => if changed.is_err() { break },
        }
        let joined: Vec<Arc<Record>> = ctx
            .engine
            .inventory()
            .records()
            .into_iter()
            .filter(|r| in_scope(r) && !attached.contains_key(&r.id))
            .collect();
        for r in &joined {
            let label = ctx.label(r);
            if !ctx
                .marker(
                    &label,
                    MarkerKind::Attached,
                    format!("{label} appeared; following it too."),
                )
                .await
            {
                break;
            }
            // Everything it wrote since it was created.
            let from = r.created.map_or(started, |t| t.unix_timestamp_nanos() - 1);
            attached.insert(
                r.id.clone(),
                tokio::spawn(attach(ctx.clone(), r.clone(), from)),
            );
        }
    }
    for (_, task) in attached {
        task.abort();
    }
}

/// What a follower that fell behind is told; `missed` lines when the tap's numbering says.
fn skipped(label: &str, missed: Option<u64>) -> String {
    let what = match missed {
        Some(1) => "1 line was".to_owned(),
        Some(n) => format!("{n} lines were"),
        None => "lines were".to_owned(),
    };
    format!(
        "{label} writes faster than this view reads: {what} skipped here (the log itself is whole; download it to read everything)."
    )
}

/// Sends `line` unless it was sent already (following resumes at whole seconds). False once
/// the follower has gone away.
async fn send_new(ctx: &Ctx, label: &str, last: &mut i128, line: RawLine) -> bool {
    if line.nanos <= *last {
        return true;
    }
    *last = line.nanos;
    ctx.line(label, line).await
}

/// Follows one container until the follower leaves or the container is removed: subscribed
/// to the container's shared tap first, then caught up from `last` with a bounded read, then
/// live from the tap (lines already sent are skipped by their time).
async fn attach(ctx: Ctx, mut record: Arc<Record>, mut last: i128) {
    let label = ctx.label(&record);
    loop {
        if ctx.engine.connected() {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let mut live = ctx.hub.subscribe(&record.id, now);
            let from = From::Second(i64::try_from(last / 1_000_000_000).unwrap_or(0));
            let mut catch_up = source::lines(&ctx.engine, &record.id, &ctx.q, from, false);
            while let Some(item) = catch_up.next().await {
                let Ok(line) = item else { break };
                if !send_new(&ctx, &label, &mut last, line).await {
                    return;
                }
            }
            // The tap's number of the next line this follower expects, and whether it fell
            // behind since: the gap is told, in lines, before the batch after it.
            let mut expected = live.start;
            let mut behind = false;
            loop {
                let event = tokio::select! {
                    _ = ctx.tx.closed() => return,
                    event = live.rx.recv() => event,
                };
                match event {
                    Ok(Event::Lines(batch)) => {
                        if std::mem::take(&mut behind) {
                            let missed = batch.first.saturating_sub(expected);
                            if !ctx
                                .marker(&label, MarkerKind::Skipped, skipped(&label, Some(missed)))
                                .await
                            {
                                return;
                            }
                        }
                        expected = batch.next();
                        for line in batch.lines.iter() {
                            if !send_new(&ctx, &label, &mut last, line.clone()).await {
                                return;
                            }
                        }
                    }
                    Ok(Event::End) | Err(RecvError::Closed) => {
                        if behind
                            && !ctx
                                .marker(&label, MarkerKind::Skipped, skipped(&label, None))
                                .await
                        {
                            return;
                        }
                        break;
                    }
                    Err(RecvError::Lagged(_)) => behind = true,
                }
            }
        }
        // The stream ended: the container stopped, was removed, or the engine went away.
        let engine_lost = !ctx.engine.connected();
        let attached_start = record.started_at;
        let mut announced = false;
        let mut changes = ctx.engine.inventory().watch();
        loop {
            let current = ctx.engine.inventory().find(&record.id);
            let Some(current) = current else {
                let _ = ctx
                    .marker(&label, MarkerKind::Stopped, format!("{label} was removed."))
                    .await;
                return;
            };
            let connected = ctx.engine.connected();
            if connected
                && current.is_running()
                && (engine_lost || current.started_at != attached_start)
            {
                let message = if announced {
                    format!("{label} is running again; following it.")
                } else {
                    format!("{label} restarted; following it again.")
                };
                if !ctx.marker(&label, MarkerKind::Restarted, message).await {
                    return;
                }
                record = current;
                break;
            }
            if !announced && (!current.is_running() || !connected) {
                announced = true;
                let (kind, message) = if connected {
                    let code = current
                        .exit_code
                        .map(|c| format!(" (exit code {c})"))
                        .unwrap_or_default();
                    (
                        MarkerKind::Stopped,
                        format!("{label} stopped{code}; following again when it restarts."),
                    )
                } else {
                    (MarkerKind::EngineLost, "The connection to the Docker engine was lost; following again when it is back.".to_owned())
                };
                if !ctx.marker(&label, kind, message).await {
                    return;
                }
            }
            tokio::select! {
                _ = ctx.tx.closed() => return,
                _ = changes.changed() => {},
                _ = tokio::time::sleep(Duration::from_secs(1)) => {},
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::skipped;

    #[test]
    fn a_follower_that_fell_behind_is_told_how_many_lines_it_missed() {
        assert!(
            skipped("web-1", Some(1))
                .starts_with("web-1 writes faster than this view reads: 1 line was skipped here")
        );
        assert!(skipped("web-1", Some(9435)).contains(": 9435 lines were skipped here"));
        assert!(skipped("web-1", None).contains(": lines were skipped here"));
        assert!(skipped("web-1", None).contains("download it to read everything"));
    }
}
