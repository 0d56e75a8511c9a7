use bosun_frontend::model::{AuditEntry, AuditOutcome, AuditQuery};
use sqlx::QueryBuilder;

use super::{Store, StoreError, now_ms, rfc3339};

/// One record to write. Built by the audit service; never holds secrets.
#[derive(Clone, Debug)]
pub struct NewAuditRecord {
    pub actor: String,
    pub client: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: AuditOutcome,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor: String,
    client: Option<String>,
    action: String,
    target: String,
    outcome: String,
    request_id: Option<String>,
    detail: Option<String>,
}

impl Store {
    pub async fn insert_audit(&self, r: &NewAuditRecord) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor, client, action, target, outcome, request_id, detail) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(now_ms())
        .bind(&r.actor)
        .bind(&r.client)
        .bind(&r.action)
        .bind(&r.target)
        .bind(r.outcome.as_str())
        .bind(&r.request_id)
        .bind(&r.detail)
        .fetch_one(self.pool())
        .await?)
    }

    /// Newest first. `limit` is already validated by the caller.
    pub async fn list_audit(
        &self,
        q: &AuditQuery,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = QueryBuilder::new(
            "SELECT id, at, actor, client, action, target, outcome, request_id, detail FROM audit_log WHERE 1 = 1",
        );
        if let Some(actor) = &q.actor {
            sql.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(action) = &q.action {
            // A prefix match; escape LIKE's wildcards so user input is taken literally.
            let escaped = action
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            sql.push(" AND action LIKE ")
                .push_bind(format!("{escaped}%"))
                .push(" ESCAPE '\\'");
        }
        if let Some(outcome) = q.outcome {
            sql.push(" AND outcome = ").push_bind(outcome.as_str());
        }
        if let Some(before) = q.before {
            sql.push(" AND id < ").push_bind(before);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows: Vec<AuditRow> = sql.build_query_as().fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: rfc3339(r.at),
                actor: r.actor,
                client: r.client,
                action: r.action,
                target: r.target,
                outcome: AuditOutcome::parse(&r.outcome).unwrap_or(AuditOutcome::Failed),
                request_id: r.request_id,
                detail: r.detail,
            })
            .collect())
    }
}
