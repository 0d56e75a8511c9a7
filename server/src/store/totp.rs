//! Two-factor sign-in state per user, recovery codes, and the settings table.

use bosun_frontend::model::Role;

use super::{Store, StoreError, now_ms};

const TOTP_REQUIRED: &str = "totp_required";

impl Store {
    /// Starts (or restarts) enrolment with a new secret; the current one, if any, stays on.
    pub async fn set_totp_pending(&self, user_id: i64, secret: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_pending = ?, updated_at = ? WHERE id = ?")
            .bind(secret)
            .bind(now_ms())
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Turns the pending secret on, with fresh recovery codes (their hashes), in one step.
    /// The code that confirmed it counts as used (`step`). False when nothing was pending.
    pub async fn enable_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        code_hashes: &[String],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?, updated_at = ? \
             WHERE id = ? AND totp_pending = ?",
        )
        .bind(step)
        .bind(now_ms())
        .bind(user_id)
        .bind(secret)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !done {
            return Ok(false);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for h in code_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")
                .bind(user_id)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Claims a time step for the user: true only the first time a step (or a later one)
    /// is used, so an overheard code can't be replayed.
    pub async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ? AND totp_secret IS NOT NULL",
        )
        .bind(step)
        .bind(user_id)
        .bind(step)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Uses up a recovery code: true when it was the user's and unused.
    pub async fn use_recovery_code(&self, user_id: i64, hash: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(user_id)
        .bind(hash)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn unused_recovery_codes(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Turns two-factor sign-in off (the user's own choice, or an admin's reset).
    pub async fn clear_totp(&self, user_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let changed = sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = 0, updated_at = ? WHERE id = ?",
        )
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(changed)
    }

    /// The roles that must use two-factor sign-in.
    pub async fn totp_required(&self) -> Result<Vec<Role>, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(TOTP_REQUIRED)
            .fetch_optional(self.pool())
            .await?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default())
    }

    pub async fn set_totp_required(&self, roles: &[Role], by: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(TOTP_REQUIRED)
        .bind(serde_json::to_string(roles).unwrap_or_else(|_| "[]".into()))
        .bind(now_ms())
        .bind(by)
        .execute(self.pool())
        .await?;
        self.credentials_changed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store_with_user() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let user = store
            .insert_user("sam", "$argon2id$x", Role::Viewer, false)
            .await
            .unwrap();
        (dir, store, user.id)
    }

    #[tokio::test]
    async fn enrolment_steps_and_codes_are_single_use() {
        let (_d, store, id) = store_with_user().await;
        assert!(
            !store.enable_totp(id, "S1", 10, &[]).await.unwrap(),
            "nothing pending"
        );
        store.set_totp_pending(id, "S1").await.unwrap();
        assert!(
            !store.enable_totp(id, "OTHER", 10, &[]).await.unwrap(),
            "a stale secret"
        );
        assert!(
            store
                .enable_totp(id, "S1", 10, &["h1".into(), "h2".into()])
                .await
                .unwrap()
        );
        let u = store.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(
            (u.totp_secret.as_deref(), u.totp_pending),
            (Some("S1"), None)
        );
        assert!(
            !store.claim_totp_step(id, 10).await.unwrap(),
            "the enrolment code is used"
        );
        assert!(store.claim_totp_step(id, 11).await.unwrap());
        assert!(!store.claim_totp_step(id, 11).await.unwrap(), "no replay");
        assert!(store.use_recovery_code(id, "h1").await.unwrap());
        assert!(!store.use_recovery_code(id, "h1").await.unwrap());
        assert_eq!(store.unused_recovery_codes(id).await.unwrap(), 1);
        store.clear_totp(id).await.unwrap();
        assert_eq!(store.unused_recovery_codes(id).await.unwrap(), 0);
        assert!(
            !store.claim_totp_step(id, 99).await.unwrap(),
            "off: no step counts"
        );
    }

    #[tokio::test]
    async fn required_roles_round_trip() {
        let (_d, store, _) = store_with_user().await;
        assert!(store.totp_required().await.unwrap().is_empty());
        store
            .set_totp_required(&[Role::Admin, Role::Operator], "admin")
            .await
            .unwrap();
        assert_eq!(
            store.totp_required().await.unwrap(),
            vec![Role::Admin, Role::Operator]
        );
    }
}
