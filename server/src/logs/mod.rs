//! Logs: one container, or a whole service or project merged by time; filtered on the
//! server; as text, as a download, or followed live.

pub mod filter;
pub mod follow;
pub mod merge;
pub mod source;

use std::sync::Arc;

use async_trait::async_trait;
use bosun_frontend::authz::{Operator, Viewer};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ContainerRef, LogFrame, LogQuery, ProjectName, RawLogQuery, ServiceName, SwarmServiceRef,
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

#[derive(Clone)]
pub struct LogsService {
    engine: Engine,
    audit: AuditService,
}

impl LogsService {
    pub fn new(engine: Engine, audit: AuditService) -> Self {
        LogsService { engine, audit }
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

    /// Plain text, streamed: `[web.2] ` prefixes when merged, times when asked for.
    pub fn text(
        &self,
        _actor: &Viewer,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
        self.text_stream(scope, q)
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

    /// Live frames: history first, then new lines; see [`follow::follow`].
    pub fn follow(
        &self,
        _actor: &Viewer,
        scope: &Scope,
        q: LogQuery,
    ) -> Result<impl Stream<Item = LogFrame> + Send + 'static, AppError> {
        let filter = Filter::new(q.grep.as_deref(), q.regex)?;
        let (_, in_scope) = self.members(scope)?;
        self.engine.ready()?;
        Ok(follow::follow(
            self.engine.clone(),
            in_scope,
            q,
            filter,
            scope.merged(),
        ))
    }
}

#[async_trait]
impl LogsPort for LogsService {
    async fn check(&self, _actor: &Viewer, query: RawLogQuery) -> Result<(), AppError> {
        let q = query.parse(time::OffsetDateTime::now_utc().unix_timestamp())?;
        Filter::new(q.grep.as_deref(), q.regex).map(|_| ())
    }
}
