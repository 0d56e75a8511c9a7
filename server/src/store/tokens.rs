use bosun_frontend::model::TokenDto;

use super::users::UserRow;
use super::{Store, StoreError, now_ms, rfc3339};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl TokenRow {
    pub fn to_dto(&self) -> TokenDto {
        TokenDto {
            id: self.id,
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            created_at: rfc3339(self.created_at),
            last_used_at: self.last_used_at.map(rfc3339),
        }
    }
}

impl Store {
    /// A new token of the user's current credential generation (it dies with it).
    pub async fn insert_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
    ) -> Result<TokenRow, StoreError> {
        Ok(sqlx::query_as(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, epoch) \
             SELECT ?, ?, ?, ?, ?, session_epoch FROM users WHERE id = ? \
             RETURNING id, user_id, name, prefix, created_at, last_used_at",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(prefix)
        .bind(now_ms())
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn list_tokens(&self, user_id: i64) -> Result<Vec<TokenRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_tokens \
             WHERE user_id = ? ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Deletes a token of this user; false when no such token belongs to them.
    pub async fn delete_token(&self, user_id: i64, id: i64) -> Result<Option<String>, StoreError> {
        let out = sqlx::query_scalar(
            "DELETE FROM api_tokens WHERE id = ? AND user_id = ? RETURNING name",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        self.credentials_changed();
        Ok(out)
    }

    /// The owner of a token by the hash of its secret, stamping its last use; None when the
    /// token is unknown or of an older generation of its owner's credentials.
    pub async fn user_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        let found: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? RETURNING user_id, epoch",
        )
        .bind(now_ms())
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some((id, epoch)) = found else {
            return Ok(None);
        };
        Ok(self
            .user_by_id(id)
            .await?
            .filter(|u| u.session_epoch == epoch))
    }
}
