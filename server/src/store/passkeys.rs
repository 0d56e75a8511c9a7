//! Passkeys: several per user, found by credential id at sign-in, counted as a second factor.

use super::{Store, StoreError, now_ms};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub user_id: i64,
    pub user_handle: String,
    pub credential_id: String,
    pub name: String,
    pub rp_id: String,
    /// webauthn-rs's record of the credential, as JSON.
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A passkey to store: whose, under which name, and what webauthn-rs made of it.
pub struct NewPasskey<'a> {
    pub user_id: i64,
    pub user_handle: &'a str,
    pub credential_id: &'a str,
    pub name: &'a str,
    pub rp_id: &'a str,
    pub passkey: &'a str,
}

const COLUMNS: &str =
    "id, user_id, user_handle, credential_id, name, rp_id, passkey, created_at, last_used_at";

impl Store {
    pub async fn passkeys_of(&self, user_id: i64) -> Result<Vec<PasskeyRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM passkeys WHERE user_id = ? ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn passkey_by_credential(
        &self,
        credential_id: &str,
    ) -> Result<Option<PasskeyRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM passkeys WHERE credential_id = ?"
        ))
        .bind(credential_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Stores a new passkey. None when its credential is registered already (to anyone).
    pub async fn insert_passkey(&self, new: &NewPasskey<'_>) -> Result<Option<i64>, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO passkeys (user_id, user_handle, credential_id, name, rp_id, passkey, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
        )
        .bind(new.user_id)
        .bind(new.user_handle)
        .bind(new.credential_id)
        .bind(new.name)
        .bind(new.rp_id)
        .bind(new.passkey)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        if id.is_some() {
            self.credentials_changed();
        }
        Ok(id)
    }

    /// A sign-in with the passkey: its new signature counter (in `passkey`) and the time.
    pub async fn passkey_used(&self, id: i64, passkey: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE passkeys SET passkey = ?, last_used_at = ? WHERE id = ?")
            .bind(passkey)
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Removes one of the user's passkeys; the removed one's name, None when it is not theirs.
    pub async fn delete_passkey(
        &self,
        user_id: i64,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        let name =
            sqlx::query_scalar("DELETE FROM passkeys WHERE id = ? AND user_id = ? RETURNING name")
                .bind(id)
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        if name.is_some() {
            self.credentials_changed();
        }
        Ok(name)
    }

    /// An admin's reset of a user's two-factor sign-in (a lost device), in one step: the
    /// app's secret and recovery codes, every passkey, and the sessions and tokens signed in
    /// with them. How many passkeys went.
    pub async fn reset_second_factors(&self, user_id: i64) -> Result<u64, StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = 0, \
             session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?",
        )
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM passkeys WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        super::users::end_tokens(&mut tx, user_id).await?;
        tx.commit().await?;
        self.credentials_changed();
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passkeys_belong_to_one_user_and_count_as_a_second_factor() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let role = bosun_frontend::model::Role::Viewer;
        let ann = store.insert_user("ann", "x", role, false).await.unwrap().id;
        let bob = store.insert_user("bob", "x", role, false).await.unwrap().id;
        let new = |user_id, cred: &'static str| NewPasskey {
            user_id,
            user_handle: "h",
            credential_id: cred,
            name: "Laptop",
            rp_id: "bosun.lan",
            passkey: "{}",
        };
        let first = store
            .insert_passkey(&new(ann, "c1"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            store
                .insert_passkey(&new(bob, "c1"))
                .await
                .unwrap()
                .is_none(),
            "a credential is registered once"
        );
        store
            .insert_passkey(&new(ann, "c2"))
            .await
            .unwrap()
            .unwrap();
        let user = store.user_by_id(ann).await.unwrap().unwrap();
        assert_eq!(user.passkeys, 2);
        assert!(user.has_second_factor());
        assert!(
            !store
                .user_by_id(bob)
                .await
                .unwrap()
                .unwrap()
                .has_second_factor()
        );
        assert_eq!(
            store.delete_passkey(bob, first).await.unwrap(),
            None,
            "not bob's"
        );
        assert_eq!(
            store.delete_passkey(ann, first).await.unwrap().as_deref(),
            Some("Laptop")
        );
        assert_eq!(store.passkeys_of(ann).await.unwrap().len(), 1);
        let epoch = store.user_by_id(ann).await.unwrap().unwrap().session_epoch;
        assert_eq!(store.reset_second_factors(ann).await.unwrap(), 1);
        let reset = store.user_by_id(ann).await.unwrap().unwrap();
        assert_eq!(reset.passkeys, 0);
        assert_eq!(reset.session_epoch, epoch + 1, "its sessions end");
    }
}
