//! Logs: one container, or a whole service or project merged by time; filtered on the
//! server; as text, as a download, or followed live.

pub mod filter;
pub mod follow;
pub mod frames;
pub mod hub;
pub mod merge;
pub mod resume;
pub mod source;

use std::sync::Arc;

use async_trait::async_trait;
use bosun_frontend::authz::{Operator, Viewer};
use bosun_frontend::error::AppError;
use bosun_frontend::model::logs::VIEWER_TAIL;
use bosun_frontend::model::{
    AuditOutcome, ContainerRef, LogFrame, LogQuery, ProjectName, RawLogQuery, ServiceName,
    SwarmServiceRef, Tail,
};
use bosun_frontend::ports::LogsPort;
use bytes::Bytes;
use futures::{Stream, StreamExt};

use self::filter::Filter;
use self::follow::InScope;
use crate::audit::AuditService;
use crate::docker::Engine;
use crate::docker::record::Record;

/// Whose logs.
#[derive(Clone, Debug)]
pub enum Scope {
    Container(ContainerRef),
    Service(ProjectName, ServiceName),
    Project(ProjectName),
    /// The tasks of a Swarm service that run on this engine's node.
    Swarm(SwarmServiceRef),
}

impl Scope {
    fn merged(&self) -> bool {
        !matches!(self, Scope::Container(_))
    }

    /// For file names and the audit log.
    pub fn name(&self) -> String {
        match self {
            Scope::Container(c) => c.to_string(),
            Scope::Service(p, s) => format!("{p}/{s}"),
            Scope::Project(p) => p.to_string(),
            Scope::Swarm(s) => format!("swarm/{s}"),
        }
    }
}

/// `web.2` in merged views (Swarm tasks: `name.slot`), the container name otherwise.
pub fn label(r: &Record, merged: bool) -> String {
    match (merged, r.service(), r.number()) {
        (true, Some(s), Some(n)) => format!("{s}.{n}"),
        (true, _, _) if r.label(SWARM_TASK_NAME).is_some() => r
            .label(SWARM_TASK_NAME)
            .map(|t| t.splitn(3, '.').take(2).collect::<Vec<_>>().join("."))
            .unwrap_or_default(),
        _ => r.name.clone(),
    }
}

const SWARM_SERVICE_NAME: &str = "com.docker.swarm.service.name";
const SWARM_SERVICE_ID: &str = "com.docker.swarm.service.id";
const SWARM_TASK_NAME: &str = "com.docker.swarm.task.name";

/// How long a followed container's engine stream stays open after its last follower left: a
/// reload or a changed filter joins it again instead of opening another.
const TAP_LINGER: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone)]
pub struct LogsService {
    engine: Engine,
    audit: AuditService,
    /// One live engine stream per followed container, shared by its followers.
    hub: hub::Hub,
}

impl LogsService {
    pub fn new(engine: Engine, audit: AuditService) -> Self {
        let source = engine.clone();
        let hub = hub::Hub::new(
            Arc::new(move |id: &str, since: i64| {
                futures::StreamExt::boxed(source::follow_from(&source, id, since))
            }),
            TAP_LINGER,
        );
        LogsService { engine, audit, hub }
    }

    /// People following logs now, over every followed container.
    pub fn followers(&self) -> usize {
        self.hub.followers()
    }

    /// Live engine log streams open now (one per followed container).
    pub fn live_streams(&self) -> usize {
        self.hub.open_taps()
    }

    /// The containers in scope now, or 404 saying what exists.
    fn members(&self, scope: &Scope) -> Result<(Vec<Arc<Record>>, InScope), AppError> {
        let inventory = self.engine.inventory();
        let in_scope: InScope = match scope {
            Scope::Container(c) => {
                let r = inventory.find(c.as_str()).ok_or_else(|| {
                    AppError::not_found(format!(
                        "There is no container “{c}” on this host. Open Services to see the containers there are."
                    ))
                })?;
                let id = r.id.clone();
                Arc::new(move |x: &Record| x.id == id)
            }
            Scope::Service(p, s) => {
                let (p, s) = (p.to_string(), s.to_string());
                Arc::new(move |x: &Record| {
                    x.project() == Some(p.as_str())
                        && x.service() == Some(s.as_str())
                        && !x.oneoff()
                })
            }
            Scope::Project(p) => {
                let p = p.to_string();
                Arc::new(move |x: &Record| x.project() == Some(p.as_str()) && !x.oneoff())
            }
            Scope::Swarm(s) => {
                let s = s.to_string();
                Arc::new(move |x: &Record| {
                    x.label(SWARM_SERVICE_NAME) == Some(s.as_str())
                        || x.label(SWARM_SERVICE_ID) == Some(s.as_str())
                })
            }
        };
        let mut members: Vec<Arc<Record>> = inventory
            .records()
            .into_iter()
            .filter(|r| in_scope(r))
            .collect();
        if members.is_empty() {
            return Err(AppError::not_found(format!(
                "There are no containers for {} on this host. Open Services to see what runs here.",
                scope.name()
            )));
        }
        members.sort_by(|a, b| (a.service(), a.number()).cmp(&(b.service(), b.number())));
        Ok((members, in_scope))
    }

    /// Plain text, streamed: `[web.2] ` prefixes when merged, times when asked for. At most
    /// `VIEWER_TAIL` lines per container; more is [`LogsService::text_whole`].
    pub fn text(
        &self,
        _actor: &Viewer,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
        viewer_sized(&q)?;
        self.text_stream(scope, q)
    }

    /// A whole log (or more than a viewer may read), for operators; audited like a download.
    pub async fn text_whole(
        &self,
        actor: &Operator,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
        let result = self.text_stream(scope, q.clone());
        self.audit_read(
            actor,
            scope,
            &q,
            &result.as_ref().map(|_| ()).map_err(Clone::clone),
        )
        .await;
        result
    }

    async fn audit_read(
        &self,
        actor: &Operator,
        scope: &Scope,
        q: &LogQuery,
        r: &Result<(), AppError>,
    ) {
        let how = match q.tail {
            Tail::All => "the whole log".to_owned(),
            Tail::Lines(n) => format!("the last {n} lines"),
        };
        let outcome = match r {
            Ok(()) => AuditOutcome::Ok,
            Err(_) => AuditOutcome::Failed,
        };
        let detail = match r {
            Ok(()) => how,
            Err(e) => format!("{how}: {}", e.message),
        };
        self.audit
            .record(
                actor.into(),
                "logs.read",
                &scope.name(),
                outcome,
                Some(detail),
            )
            .await;
    }

    /// The same text as a `.log` file; audited.
    pub async fn download(
        &self,
        actor: &Operator,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
        let result = self.text_stream(scope, q);
        self.audit
            .outcome(
                actor.into(),
                "logs.download",
                &scope.name(),
                &result.as_ref().map(|_| ()).map_err(Clone::clone),
            )
            .await;
        result
    }

    fn text_stream(
        &self,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
        let filter = Filter::new(q.grep.as_deref(), q.regex)?;
        let (members, _) = self.members(scope)?;
        self.engine.ready()?;
        let merged = scope.merged();
        let labels: Vec<String> = members.iter().map(|r| label(r, merged)).collect();
        let streams = members
            .iter()
            .map(|r| source::lines(&self.engine, &r.id, &q, source::From::Query, false).boxed())
            .collect();
        let stream_filter = q.stream;
        let timestamps = q.timestamps;
        Ok(merge::by_time(streams).filter_map(move |item| {
            let out = match item {
                Ok((i, line)) => {
                    if !stream_filter.wants(line.stream) || filter.matches(&line.text).is_none() {
                        None
                    } else {
                        let mut s = String::with_capacity(line.text.len() + 48);
                        if merged {
                            s.push_str(&format!("[{}] ", labels[i]));
                        }
                        if timestamps {
                            s.push_str(&line.ts);
                            s.push(' ');
                        }
                        s.push_str(&line.text);
                        s.push('\n');
                        Some(Ok(Bytes::from(s)))
                    }
                }
                // Say so in the text rather than cutting it off silently.
                Err(e) => Some(Ok(Bytes::from(format!(
                    "[bosun] the Docker engine ended the log stream early: {e}\n"
                )))),
            };
            futures::future::ready(out)
        }))
    }

    /// Live frames: history first (at most `VIEWER_TAIL` lines per container), then new lines;
    /// see [`follow::follow`]. More history is [`LogsService::follow_whole`].
    pub fn follow(
        &self,
        _actor: &Viewer,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = LogFrame> + Send + 'static, AppError> {
        viewer_sized(&q)?;
        self.follow_stream(scope, q)
    }

    /// Live frames after a whole log's history, for operators; audited.
    pub async fn follow_whole(
        &self,
        actor: &Operator,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = LogFrame> + Send + 'static, AppError> {
        let result = self.follow_stream(scope, q.clone());
        self.audit_read(
            actor,
            scope,
            &q,
            &result.as_ref().map(|_| ()).map_err(Clone::clone),
        )
        .await;
        result
    }

    fn follow_stream(
        &self,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = LogFrame> + Send + 'static, AppError> {
        let filter = Filter::new(q.grep.as_deref(), q.regex)?;
        let (_, in_scope) = self.members(scope)?;
        self.engine.ready()?;
        Ok(follow::follow(
            self.engine.clone(),
            self.hub.clone(),
            in_scope,
            q,
            filter,
            scope.merged(),
        ))
    }
}

/// Why a viewer may not read this much at once, and what to ask instead.
pub fn too_much_for_a_viewer() -> AppError {
    AppError::forbidden(format!(
        "Reading more than {VIEWER_TAIL} lines per container at once (or the whole log) needs the operator role, and is audited like a download. Ask for the last {VIEWER_TAIL} lines or fewer, or narrow it with since/until."
    ))
}

/// A viewer's request is refused when it wants more history than a viewer may read at once.
fn viewer_sized(q: &LogQuery) -> Result<(), AppError> {
    if q.is_whole() {
        return Err(too_much_for_a_viewer());
    }
    Ok(())
}

#[async_trait]
impl LogsPort for LogsService {
    async fn check(&self, actor: &Viewer, query: RawLogQuery) -> Result<(), AppError> {
        let q = query.parse(time::OffsetDateTime::now_utc().unix_timestamp())?;
        if q.is_whole() && actor.also::<bosun_frontend::authz::OperatorRole>().is_err() {
            viewer_sized(&q)?;
        }
        Filter::new(q.grep.as_deref(), q.regex).map(|_| ())
    }
}
