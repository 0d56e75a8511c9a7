//! Runbook tasks defined by admins in bosun: the fields of the labels, per project, service
//! and name.

use std::collections::BTreeMap;

use super::{Store, StoreError};

#[derive(sqlx::FromRow, Clone, Debug, Default)]
pub struct DefinedRow {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub name: String,
    pub fields: String,
    pub created_by: String,
    pub created_at: i64,
}

impl DefinedRow {
    pub fn fields(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }
}

const COLUMNS: &str = "id, project, service, name, fields, created_by, created_at";

/// A task to keep (checked names and fields).
pub struct NewDefined<'a> {
    pub project: &'a str,
    pub service: &'a str,
    pub name: &'a str,
    pub fields: &'a BTreeMap<String, String>,
    pub created_by: &'a str,
    pub at_ms: i64,
}

impl Store {
    /// Keeps a task, replacing one of the same project, service and name.
    pub async fn upsert_defined_task(&self, t: &NewDefined<'_>) -> Result<DefinedRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO defined_tasks (project, service, name, fields, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (project, service, name) DO UPDATE SET fields = excluded.fields, created_by = excluded.created_by, created_at = excluded.created_at \
             RETURNING {COLUMNS}"
        ))
        .bind(t.project)
        .bind(t.service)
        .bind(t.name)
        .bind(serde_json::to_string(t.fields).unwrap_or_else(|_| "{}".into()))
        .bind(t.created_by)
        .bind(t.at_ms)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn defined_tasks(&self) -> Result<Vec<DefinedRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM defined_tasks ORDER BY project, service, name"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// Deletes one; the deleted row, if there was one.
    pub async fn delete_defined_task(&self, id: i64) -> Result<Option<DefinedRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "DELETE FROM defined_tasks WHERE id = ? RETURNING {COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }
}
