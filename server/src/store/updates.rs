//! Image updates: the last check per service, and every update or rollback run with the plan
//! a restarted bosun needs to put a service back.

use bosun_frontend::model::{
    CheckState, ImageRef, ImageUpdateDto, UpdateKind, UpdateRunDto, UpdateStatus,
};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, rfc3339};

/// A container being replaced, as it was before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEntry {
    pub name: String,
    pub old_id: String,
    pub running: bool,
    /// The name it has while its replacement is tried.
    pub kept_as: String,
    /// Its named networks with the service's aliases: it leaves them before it stops (so no
    /// request goes to it any more), and rejoins them when it is put back.
    #[serde(default)]
    pub networks: Vec<(String, Vec<String>)>,
}

#[derive(sqlx::FromRow, Clone, Debug, Default)]
pub struct CheckRow {
    pub project: String,
    pub service: String,
    pub image: String,
    pub state: String,
    pub current_digest: Option<String>,
    pub available_digest: Option<String>,
    pub built_at: Option<String>,
    pub checked_at: Option<i64>,
    pub reason: Option<String>,
    pub notified_digest: Option<String>,
}

impl CheckRow {
    pub fn dto(&self) -> ImageUpdateDto {
        ImageUpdateDto {
            project: self.project.clone(),
            service: self.service.clone(),
            image: self.image.clone(),
            state: self.state.parse().unwrap_or(CheckState::Unchecked),
            current_digest: self.current_digest.clone(),
            available_digest: self.available_digest.clone(),
            built_at: self.built_at.clone(),
            checked_at: self.checked_at.map(rfc3339),
            reason: self.reason.clone(),
            rollback_to: None,
            swarm: self.project.is_empty(),
        }
    }
}

#[derive(sqlx::FromRow, Clone, Debug, Default)]
pub struct UpdateRow {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub kind: String,
    pub image: String,
    pub status: String,
    pub from_id: String,
    pub from_digest: Option<String>,
    pub to_id: Option<String>,
    pub to_digest: Option<String>,
    pub steps: String,
    pub plan: String,
    pub reason: Option<String>,
    pub logs: Option<String>,
    pub downtime_ms: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub actor: String,
}

const COLUMNS: &str = "id, project, service, kind, image, status, from_id, from_digest, to_id, to_digest, steps, plan, reason, logs, downtime_ms, started_at, finished_at, actor";

impl UpdateRow {
    pub fn kind(&self) -> UpdateKind {
        self.kind.parse().unwrap_or(UpdateKind::Update)
    }
    pub fn status(&self) -> UpdateStatus {
        self.status.parse().unwrap_or(UpdateStatus::Failed)
    }
    pub fn plan(&self) -> Vec<PlanEntry> {
        serde_json::from_str(&self.plan).unwrap_or_default()
    }
    /// `shop/web #7`, as the audit log names a run.
    pub fn target(&self) -> String {
        format!("{}/{} #{}", self.project, self.service, self.id)
    }

    pub fn dto(&self) -> UpdateRunDto {
        UpdateRunDto {
            id: self.id,
            project: self.project.clone(),
            service: self.service.clone(),
            kind: self.kind(),
            image: self.image.clone(),
            status: self.status(),
            from: ImageRef {
                id: self.from_id.clone(),
                digest: self.from_digest.clone(),
            },
            to: self.to_id.clone().map(|id| ImageRef {
                id,
                digest: self.to_digest.clone(),
            }),
            steps: serde_json::from_str(&self.steps).unwrap_or_default(),
            pull: None,
            reason: self.reason.clone(),
            logs: self.logs.clone(),
            downtime_ms: self.downtime_ms.and_then(|d| u64::try_from(d).ok()),
            started_at: rfc3339(self.started_at),
            finished_at: self.finished_at.map(rfc3339),
            by: self.actor.clone(),
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// A run about to start.
pub struct NewUpdate<'a> {
    pub project: &'a str,
    pub service: &'a str,
    pub kind: UpdateKind,
    pub image: &'a str,
    pub from: &'a ImageRef,
    pub to: Option<&'a ImageRef>,
    pub actor: &'a str,
    pub at_ms: i64,
}

/// How a run ended.
pub struct UpdateEnd<'a> {
    pub status: UpdateStatus,
    pub reason: Option<&'a str>,
    pub logs: Option<&'a str>,
    pub downtime_ms: Option<u64>,
    pub at_ms: i64,
}

impl Store {
    pub async fn update_checks(&self) -> Result<Vec<CheckRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM update_checks ORDER BY project, service")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Keeps what a check found; `notified_digest` is kept as it was unless given.
    pub async fn save_check(&self, row: &CheckRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO update_checks (project, service, image, state, current_digest, available_digest, built_at, checked_at, reason, notified_digest) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (project, service) DO UPDATE SET image = excluded.image, state = excluded.state, \
             current_digest = excluded.current_digest, available_digest = excluded.available_digest, \
             built_at = excluded.built_at, checked_at = excluded.checked_at, reason = excluded.reason, \
             notified_digest = COALESCE(excluded.notified_digest, update_checks.notified_digest)",
        )
        .bind(&row.project)
        .bind(&row.service)
        .bind(&row.image)
        .bind(&row.state)
        .bind(&row.current_digest)
        .bind(&row.available_digest)
        .bind(&row.built_at)
        .bind(row.checked_at)
        .bind(&row.reason)
        .bind(&row.notified_digest)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn insert_update(&self, r: &NewUpdate<'_>) -> Result<UpdateRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO update_runs (project, service, kind, image, status, from_id, from_digest, to_id, to_digest, started_at, actor) \
             VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(r.project)
        .bind(r.service)
        .bind(r.kind.as_str())
        .bind(r.image)
        .bind(&r.from.id)
        .bind(&r.from.digest)
        .bind(r.to.map(|t| t.id.clone()))
        .bind(r.to.and_then(|t| t.digest.clone()))
        .bind(r.at_ms)
        .bind(r.actor)
        .fetch_one(self.pool())
        .await?)
    }

    /// The run's steps, plan and target image so far.
    pub async fn save_update_progress(
        &self,
        id: i64,
        steps: &[String],
        plan: &[PlanEntry],
        to: Option<&ImageRef>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE update_runs SET steps = ?, plan = ?, to_id = COALESCE(?, to_id), to_digest = COALESCE(?, to_digest) WHERE id = ?",
        )
        .bind(json(&steps))
        .bind(json(&plan))
        .bind(to.map(|t| t.id.clone()))
        .bind(to.and_then(|t| t.digest.clone()))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records how a run ended; a run already ended stays as it was.
    pub async fn finish_update(&self, id: i64, end: &UpdateEnd<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE update_runs SET status = ?, reason = ?, logs = ?, downtime_ms = ?, finished_at = ? \
             WHERE id = ? AND status = 'running'",
        )
        .bind(end.status.as_str())
        .bind(end.reason)
        .bind(end.logs)
        .bind(end.downtime_ms.and_then(|d| i64::try_from(d).ok()))
        .bind(end.at_ms)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn update_run(&self, id: i64) -> Result<Option<UpdateRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM update_runs WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// A service's runs, newest first (at most 100).
    pub async fn update_history(
        &self,
        project: &str,
        service: &str,
    ) -> Result<Vec<UpdateRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM update_runs WHERE project = ? AND service = ? ORDER BY id DESC LIMIT 100"
        ))
        .bind(project)
        .bind(service)
        .fetch_all(self.pool())
        .await?)
    }

    /// The newest run of every service, for the service cards.
    pub async fn latest_updates(&self) -> Result<Vec<UpdateRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM update_runs WHERE id IN (SELECT MAX(id) FROM update_runs GROUP BY project, service)"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// The image each service ran before its last successful update or rollback: where a
    /// rollback goes.
    pub async fn rollback_targets(&self) -> Result<Vec<UpdateRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM update_runs WHERE id IN \
             (SELECT MAX(id) FROM update_runs WHERE status = 'succeeded' AND to_id IS NOT NULL AND to_id != from_id GROUP BY project, service)"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// Runs a previous bosun left running.
    pub async fn running_updates(&self) -> Result<Vec<UpdateRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM update_runs WHERE status = 'running' ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await?)
    }
}
