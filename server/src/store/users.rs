use bosun_frontend::model::{Role, UserDto};

use super::{Store, StoreError, now_ms, rfc3339};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub session_epoch: i64,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    pub totp_last_step: i64,
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    /// JSON array of the groups at the last sign-in through the provider.
    pub oidc_groups: Option<String>,
    /// How many passkeys the user has registered.
    pub passkeys: i64,
}

impl UserRow {
    /// Rows are written only through this module, so an unknown role means a corrupt store;
    /// treat it as the least privileged role rather than fail every request.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Viewer)
    }

    /// The provider's groups, for an account of the identity provider.
    pub fn provider_groups(&self) -> Option<Vec<String>> {
        self.oidc_subject.as_ref()?;
        Some(
            self.oidc_groups
                .as_deref()
                .and_then(|g| serde_json::from_str(g).ok())
                .unwrap_or_default(),
        )
    }

    /// A second factor of the user's own: the authenticator app's code, or a passkey.
    pub fn has_second_factor(&self) -> bool {
        self.totp_secret.is_some() || self.passkeys > 0
    }

    pub fn to_dto(&self) -> UserDto {
        UserDto {
            id: self.id,
            username: self.username.clone(),
            role: self.role(),
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            totp_enabled: self.totp_secret.is_some(),
            passkeys: u32::try_from(self.passkeys).unwrap_or(0),
            created_at: rfc3339(self.created_at),
            last_login_at: self.last_login_at.map(rfc3339),
            provider_groups: self.provider_groups(),
        }
    }
}

pub(super) const COLUMNS: &str = "id, username, password_hash, role, disabled, must_change_password, session_epoch, created_at, last_login_at, totp_secret, totp_pending, totp_last_step, oidc_issuer, oidc_subject, oidc_groups, \
    (SELECT COUNT(*) FROM passkeys WHERE passkeys.user_id = users.id) AS passkeys";

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = ?"))
                .bind(username)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub async fn insert_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        must_change_password: bool,
    ) -> Result<UserRow, StoreError> {
        let now = now_ms();
        Ok(sqlx::query_as(&format!(
            "INSERT INTO users (username, password_hash, role, must_change_password, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(must_change_password)
        .bind(now)
        .bind(now)
        .fetch_one(self.pool())
        .await?)
    }

    /// Enabled admins other than `except`: the last one must not be removed, demoted or disabled.
    pub async fn count_other_active_admins(&self, except: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?",
        )
        .bind(except)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn set_role(&self, id: i64, role: Role) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET role = ?, updated_at = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        self.credentials_changed();
        Ok(())
    }

    /// Disabling also ends the user's sessions and API tokens.
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE users SET disabled = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?",
        )
        .bind(disabled)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        end_tokens(&mut tx, id).await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(())
    }

    /// Sets a password hash and ends every session and API token of the user.
    pub async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change_password: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE users SET password_hash = ?, must_change_password = ?, \
             session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?",
        )
        .bind(password_hash)
        .bind(must_change_password)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        end_tokens(&mut tx, id).await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(())
    }

    /// Ends every session and API token of the user; returns the new epoch.
    pub async fn bump_session_epoch(&self, id: i64) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let out = sqlx::query_scalar(
            "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ? RETURNING session_epoch",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        end_tokens(&mut tx, id).await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(out)
    }

    pub async fn touch_login(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET last_login_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        let out = done.rows_affected() == 1;
        self.credentials_changed();
        Ok(out)
    }
}

/// Tokens die with the credential generation they were made in (the epoch check in
/// `user_by_token_hash` would refuse them anyway); deleting them keeps the token list honest.
pub(super) async fn end_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    user_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM api_tokens WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
