//! Runbook task runs: one row per run, and its output in pieces (at most 5 MB per run).

use std::collections::BTreeMap;

use bosun_frontend::model::{
    OutputChunk, OutputStream, Role, TaskMode, TaskRunDto, TaskSource, TaskStatus,
};

use super::{Store, StoreError, rfc3339};

/// A run about to start.
pub struct NewRun<'a> {
    pub project: &'a str,
    pub service: &'a str,
    pub task: &'a str,
    pub source: TaskSource,
    pub mode: TaskMode,
    pub role: Role,
    pub argv: &'a [String],
    pub params: &'a BTreeMap<String, String>,
    /// The container, when known at the start (exec mode).
    pub container: Option<&'a str>,
    pub token: &'a str,
    pub actor: &'a str,
    pub at_ms: i64,
}

/// How a run ended.
pub struct Finish<'a> {
    pub status: TaskStatus,
    pub exit_code: Option<i64>,
    pub reason: Option<&'a str>,
    pub output_bytes: u64,
    pub truncated: bool,
    pub at_ms: i64,
}

#[derive(sqlx::FromRow, Clone, Debug, Default)]
pub struct RunRow {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub task: String,
    pub source: String,
    pub mode: String,
    pub role: String,
    pub argv: String,
    pub params: String,
    pub container: Option<String>,
    pub token: String,
    pub status: String,
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
    pub output_bytes: i64,
    pub truncated: bool,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub actor: String,
}

const COLUMNS: &str = "id, project, service, task, source, mode, role, argv, params, container, token, status, exit_code, reason, output_bytes, truncated, started_at, finished_at, actor";

impl RunRow {
    pub fn status(&self) -> TaskStatus {
        self.status.parse().unwrap_or(TaskStatus::Failed)
    }
    pub fn mode(&self) -> TaskMode {
        self.mode.parse().unwrap_or_default()
    }
    /// The role the task needed (admin when unreadable: the safer side).
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Admin)
    }
    pub fn argv(&self) -> Vec<String> {
        serde_json::from_str(&self.argv).unwrap_or_default()
    }
    pub fn params(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.params).unwrap_or_default()
    }

    /// `shop/web migrate #7`, as the audit log names a run.
    pub fn target(&self) -> String {
        format!(
            "{}/{} {} #{}",
            self.project, self.service, self.task, self.id
        )
    }

    pub fn dto(&self) -> TaskRunDto {
        TaskRunDto {
            id: self.id,
            task: self.task.clone(),
            project: self.project.clone(),
            service: self.service.clone(),
            container: self.container.clone(),
            argv: self.argv(),
            params: self.params(),
            mode: self.mode(),
            source: self.source.parse().unwrap_or(TaskSource::Label),
            role: self.role(),
            status: self.status(),
            exit_code: self.exit_code,
            reason: self.reason.clone(),
            started_at: rfc3339(self.started_at),
            finished_at: self.finished_at.map(rfc3339),
            duration_ms: self
                .finished_at
                .and_then(|f| u64::try_from(f - self.started_at).ok()),
            by: self.actor.clone(),
            output_bytes: u64::try_from(self.output_bytes).unwrap_or(0),
            truncated: self.truncated,
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

impl Store {
    /// Records a run as running.
    pub async fn insert_run(&self, r: &NewRun<'_>) -> Result<RunRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO task_runs (project, service, task, source, mode, role, argv, params, container, token, status, started_at, actor) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(r.project)
        .bind(r.service)
        .bind(r.task)
        .bind(r.source.as_str())
        .bind(r.mode.as_str())
        .bind(r.role.as_str())
        .bind(json(&r.argv))
        .bind(json(r.params))
        .bind(r.container)
        .bind(r.token)
        .bind(r.at_ms)
        .bind(r.actor)
        .fetch_one(self.pool())
        .await?)
    }

    /// The container a run's command runs in, once it exists.
    pub async fn set_run_container(&self, id: i64, container: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE task_runs SET container = ? WHERE id = ?")
            .bind(container)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Appends output pieces numbered from `first_seq`, with the run's byte count so far.
    pub async fn append_output(
        &self,
        id: i64,
        first_seq: i64,
        chunks: &[OutputChunk],
        output_bytes: u64,
        truncated: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for (n, chunk) in chunks.iter().enumerate() {
            sqlx::query("INSERT INTO task_output (run_id, seq, stream, text) VALUES (?, ?, ?, ?)")
                .bind(id)
                .bind(first_seq + i64::try_from(n).unwrap_or(i64::MAX))
                .bind(chunk.stream.as_str())
                .bind(&chunk.text)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE task_runs SET output_bytes = ?, truncated = ? WHERE id = ?")
            .bind(i64::try_from(output_bytes).unwrap_or(i64::MAX))
            .bind(truncated)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records how a run ended; a run already ended stays as it was.
    pub async fn finish_run(&self, id: i64, f: &Finish<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE task_runs SET status = ?, exit_code = ?, reason = ?, output_bytes = ?, truncated = ?, finished_at = ? \
             WHERE id = ? AND status = 'running'",
        )
        .bind(f.status.as_str())
        .bind(f.exit_code)
        .bind(f.reason)
        .bind(i64::try_from(f.output_bytes).unwrap_or(i64::MAX))
        .bind(f.truncated)
        .bind(f.at_ms)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// At start-up: runs that were running when bosun stopped, now marked interrupted.
    pub async fn interrupt_running_runs(&self, at_ms: i64) -> Result<Vec<RunRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "UPDATE task_runs SET status = 'interrupted', reason = 'bosun stopped while this task ran.', finished_at = ? \
             WHERE status = 'running' RETURNING {COLUMNS}"
        ))
        .bind(at_ms)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn set_run_reason(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE task_runs SET reason = ? WHERE id = ?")
            .bind(reason)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn run(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM task_runs WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// One task's runs, newest first.
    pub async fn runs_of_task(
        &self,
        project: &str,
        service: &str,
        task: &str,
        limit: u32,
    ) -> Result<Vec<RunRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM task_runs WHERE project = ? AND service = ? AND task = ? ORDER BY id DESC LIMIT ?"
        ))
        .bind(project)
        .bind(service)
        .bind(task)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }

    /// The latest runs of any task needing at most `role`, newest first.
    pub async fn recent_runs(&self, role: Role, limit: u32) -> Result<Vec<RunRow>, StoreError> {
        let roles: &[&str] = if role.allows(Role::Admin) {
            &["operator", "admin"]
        } else {
            &["operator"]
        };
        let mut sql =
            sqlx::QueryBuilder::new(format!("SELECT {COLUMNS} FROM task_runs WHERE role IN ("));
        let mut list = sql.separated(", ");
        for r in roles {
            list.push_bind(*r);
        }
        sql.push(") ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        Ok(sql.build_query_as().fetch_all(self.pool()).await?)
    }

    /// A run's kept output, in order.
    pub async fn run_output(&self, id: i64) -> Result<Vec<OutputChunk>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT stream, text FROM task_output WHERE run_id = ? ORDER BY seq")
                .bind(id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(stream, text)| OutputChunk {
                stream: stream.parse().unwrap_or(OutputStream::Note),
                text,
            })
            .collect())
    }
}
