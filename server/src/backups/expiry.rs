//! Manual backups and the safety backups taken before restores are not a schedule's, so
//! retention never prunes them; they are kept for `BOSUN_BACKUP_KEEP_MANUAL` (30 days by
//! default, or for ever) and then removed, except a database's newest good backup (and a
//! service's newest good file backup). Parts of stack sets are kept with their set.

use std::collections::HashMap;

use bosun_frontend::model::{AuditOutcome, BackupKind, BackupStatus};

use super::{BackupService, Owner};
use crate::store::backups::{BackupRow, Filter};

/// The rows to remove: unscheduled, older than `keep_ms` at `now_ms`, and not the newest good
/// backup of their database. `good` holds good backups of any database, any order.
pub fn expired(good: &[BackupRow], keep_ms: i64, now_ms: i64) -> Vec<&BackupRow> {
    let mut newest: HashMap<(&str, &str, &str), (i64, i64)> = HashMap::new();
    for r in good {
        let key = (r.project.as_str(), r.service.as_str(), r.content.as_str());
        let e = newest.entry(key).or_insert((r.started_at, r.id));
        if (r.started_at, r.id) > *e {
            *e = (r.started_at, r.id);
        }
    }
    let scheduled = BackupKind::Scheduled.as_str();
    good.iter()
        // A set's parts go with their set, never one by one.
        .filter(|r| r.kind != scheduled && r.set_id.is_none() && now_ms - r.started_at > keep_ms)
        .filter(|r| {
            newest
                .get(&(r.project.as_str(), r.service.as_str(), r.content.as_str()))
                .map(|n| n.1)
                != Some(r.id)
        })
        .collect()
}

impl BackupService {
    /// Removes the unscheduled backups past their age limit, audited as the scheduler's.
    pub async fn expire_unscheduled(&self) {
        let Some(keep) = self.inner.keep_manual else {
            return;
        };
        let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
        let Ok(good) = self
            .inner
            .store
            .list_backups(&Filter {
                status: Some(BackupStatus::Ok),
                limit: 100_000,
                ..Default::default()
            })
            .await
        else {
            return;
        };
        let now = self.inner.clock.now_ms();
        let owner = Owner::scheduler();
        let mut removed = 0;
        for row in expired(&good, keep_ms, now) {
            self.remove_files(&row.file_name).await;
            if self.inner.store.delete_backup(row.id).await.is_ok() {
                removed += 1;
                self.inner
                    .audit
                    .record(
                        owner.who(),
                        "backup.expire",
                        &format!("{}/{} #{}", row.project, row.service, row.id),
                        AuditOutcome::Ok,
                        Some(format!(
                            "a {} backup older than the {} days it is kept (BOSUN_BACKUP_KEEP_MANUAL)",
                            row.kind,
                            keep_ms / 86_400_000
                        )),
                    )
                    .await;
            }
        }
        if removed > 0 {
            self.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, project: &str, kind: BackupKind, days_ago: i64) -> BackupRow {
        BackupRow {
            id,
            project: project.into(),
            service: "db".into(),
            kind: kind.as_str().into(),
            started_at: 100 * 86_400_000 - days_ago * 86_400_000,
            ..BackupRow::default()
        }
    }

    #[test]
    fn old_unscheduled_backups_go_but_never_a_databases_newest() {
        let now = 100 * 86_400_000;
        let good = vec![
            row(1, "shop", BackupKind::Manual, 40),
            row(2, "shop", BackupKind::Safety, 35),
            row(3, "shop", BackupKind::Scheduled, 50),
            row(4, "shop", BackupKind::Manual, 3),
            // The only backup of blog, old and manual: kept.
            row(5, "blog", BackupKind::Manual, 90),
        ];
        let ids: Vec<i64> = expired(&good, 30 * 86_400_000, now)
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, vec![1, 2]);
    }
}
