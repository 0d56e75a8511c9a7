//! Accounts of the identity provider: found by issuer and subject, created at first sign-in,
//! and their groups and role written at every sign-in.

use bosun_frontend::model::Role;

use super::users::{COLUMNS, UserRow};
use super::{Store, StoreError, now_ms};

/// Who the provider says signed in, and the role their groups give.
pub struct ProviderIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub groups: &'a [String],
    pub role: Role,
}

impl Store {
    pub async fn user_by_provider(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM users WHERE oidc_issuer = ? AND oidc_subject = ?"
        ))
        .bind(issuer)
        .bind(subject)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A new account for `who`, named `username`, with a password nobody knows. None when the
    /// name is taken (the caller tries another).
    pub async fn insert_provider_user(
        &self,
        username: &str,
        password_hash: &str,
        who: &ProviderIdentity<'_>,
    ) -> Result<Option<UserRow>, StoreError> {
        let now = now_ms();
        let groups = serde_json::to_string(who.groups).unwrap_or_else(|_| "[]".into());
        let inserted = sqlx::query_as(&format!(
            "INSERT INTO users (username, password_hash, role, must_change_password, created_at, updated_at, \
             oidc_issuer, oidc_subject, oidc_groups) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?) \
             ON CONFLICT (username) DO NOTHING RETURNING {COLUMNS}"
        ))
        .bind(username)
        .bind(password_hash)
        .bind(who.role.as_str())
        .bind(now)
        .bind(now)
        .bind(who.issuer)
        .bind(who.subject)
        .bind(groups)
        .fetch_optional(self.pool())
        .await?;
        if inserted.is_some() {
            self.credentials_changed();
        }
        Ok(inserted)
    }

    /// The groups and role of this sign-in, and its time.
    pub async fn provider_sign_in(
        &self,
        id: i64,
        who: &ProviderIdentity<'_>,
    ) -> Result<UserRow, StoreError> {
        let groups = serde_json::to_string(who.groups).unwrap_or_else(|_| "[]".into());
        let now = now_ms();
        let row = sqlx::query_as(&format!(
            "UPDATE users SET role = ?, oidc_groups = ?, last_login_at = ?, updated_at = ? \
             WHERE id = ? RETURNING {COLUMNS}"
        ))
        .bind(who.role.as_str())
        .bind(groups)
        .bind(now)
        .bind(now)
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        self.credentials_changed();
        Ok(row)
    }
}
