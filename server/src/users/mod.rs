//! User administration (admin only): create, change role, disable, reset password, delete.

use async_trait::async_trait;
use bosun_frontend::authz::Admin;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{NewUser, Role, UserDto, UserPatch, check_password};
use bosun_frontend::ports::UsersPort;

use crate::audit::AuditService;
use crate::auth::password::PasswordHasherPool;
use crate::error::{OrInternal, internal};
use crate::store::Store;
use crate::store::users::UserRow;

#[derive(Clone)]
pub struct UserService {
    store: Store,
    hasher: PasswordHasherPool,
    audit: AuditService,
}

impl UserService {
    pub fn new(store: Store, hasher: PasswordHasherPool, audit: AuditService) -> Self {
        UserService {
            store,
            hasher,
            audit,
        }
    }

    async fn load(&self, id: i64) -> Result<UserRow, AppError> {
        self.store
            .user_by_id(id)
            .await
            .or_internal("loading a user")?
            .ok_or_else(|| AppError::not_found(format!("There is no user with id {id}.")))
    }

    /// Refuses a change that would leave no enabled admin.
    async fn keep_an_admin(&self, user: &UserRow, what: &str) -> Result<(), AppError> {
        if user.role() == Role::Admin && !user.disabled {
            let others = self
                .store
                .count_other_active_admins(user.id)
                .await
                .or_internal("counting admins")?;
            if others == 0 {
                return Err(AppError::conflict(format!(
                    "{} is the last enabled admin and can't be {what}. Make another user admin first.",
                    user.username
                )));
            }
        }
        Ok(())
    }

    async fn apply(
        &self,
        actor: &Admin,
        user: &UserRow,
        patch: &UserPatch,
    ) -> Result<(), AppError> {
        // Checked before any change, so a refused patch changes nothing.
        if let Some(groups) = user.provider_groups() {
            if patch.role.is_some_and(|r| r != user.role()) {
                return Err(AppError::conflict(format!(
                    "{}'s role comes from the identity provider's groups ({}), at every sign-in. Change their groups at the provider.",
                    user.username,
                    groups.join(", ")
                )));
            }
            if patch.password.is_some() {
                return Err(AppError::conflict(format!(
                    "{} signs in through the identity provider and has no bosun password to reset.",
                    user.username
                )));
            }
        }
        if let Some(role) = patch.role.filter(|r| *r != user.role()) {
            if role < Role::Admin {
                self.keep_an_admin(user, "demoted").await?;
            }
            self.store
                .set_role(user.id, role)
                .await
                .or_internal("changing a role")?;
        }
        if let Some(disabled) = patch.disabled.filter(|d| *d != user.disabled) {
            if disabled {
                if user.id == actor.user_id() {
                    return Err(AppError::conflict("You can't disable your own account."));
                }
                self.keep_an_admin(user, "disabled").await?;
            }
            self.store
                .set_disabled(user.id, disabled)
                .await
                .or_internal("disabling a user")?;
        }
        if let Some(password) = &patch.password {
            check_password(&user.username, password)
                .map_err(|e| AppError::bad_request("password", format!("{e}.")))?;
            let hash = self
                .hasher
                .hash(password)
                .await
                .or_internal("hashing a password")?;
            // The user must choose their own at the next sign-in.
            self.store
                .set_password(user.id, &hash, true)
                .await
                .or_internal("resetting a password")?;
        }
        Ok(())
    }
}

fn describe(patch: &UserPatch) -> String {
    let mut parts = Vec::new();
    if let Some(r) = patch.role {
        parts.push(format!("role={r}"));
    }
    if let Some(d) = patch.disabled {
        parts.push(if d {
            "disabled".into()
        } else {
            "enabled".into()
        });
    }
    if patch.password.is_some() {
        parts.push("password reset".into());
    }
    parts.join(", ")
}

#[async_trait]
impl UsersPort for UserService {
    async fn list(&self, _actor: &Admin) -> Result<Vec<UserDto>, AppError> {
        let rows = self.store.list_users().await.or_internal("listing users")?;
        Ok(rows.iter().map(UserRow::to_dto).collect())
    }

    async fn get(&self, _actor: &Admin, id: i64) -> Result<UserDto, AppError> {
        Ok(self.load(id).await?.to_dto())
    }

    async fn create(&self, actor: &Admin, input: NewUser) -> Result<UserDto, AppError> {
        let target = format!("user:{}", input.username);
        let result = async {
            check_password(input.username.as_str(), &input.password)
                .map_err(|e| AppError::bad_request("password", format!("{e}.")))?;
            let hash = self
                .hasher
                .hash(&input.password)
                .await
                .or_internal("hashing a password")?;
            match self
                .store
                .insert_user(input.username.as_str(), &hash, input.role, true)
                .await
            {
                Ok(row) => Ok(row.to_dto()),
                Err(e) if e.is_unique_violation() => Err(AppError::conflict(format!(
                    "A user named {} exists already. Pick another name.",
                    input.username
                ))),
                Err(e) => Err(internal("creating a user", e)),
            }
        }
        .await;
        self.audit
            .outcome(actor.into(), "user.create", &target, &result)
            .await;
        result
    }

    async fn update(&self, actor: &Admin, id: i64, patch: UserPatch) -> Result<UserDto, AppError> {
        let result = async {
            let user = self.load(id).await?;
            self.apply(actor, &user, &patch).await?;
            Ok(self.load(id).await?.to_dto())
        }
        .await;
        let target = match &result {
            Ok(u) => format!("user:{} ({})", u.username, describe(&patch)),
            Err(_) => format!("user id {id} ({})", describe(&patch)),
        };
        self.audit
            .outcome(actor.into(), "user.update", &target, &result)
            .await;
        result
    }

    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError> {
        let mut target = format!("user id {id}");
        let result = async {
            let user = self.load(id).await?;
            target = format!("user:{}", user.username);
            if user.id == actor.user_id() {
                return Err(AppError::conflict("You can't delete your own account."));
            }
            self.keep_an_admin(&user, "deleted").await?;
            // Tokens go with the user (foreign key cascade); sessions fail to resolve.
            self.store
                .delete_user(id)
                .await
                .or_internal("deleting a user")?;
            Ok(())
        }
        .await;
        self.audit
            .outcome(actor.into(), "user.delete", &target, &result)
            .await;
        result
    }

    async fn reset_totp(&self, actor: &Admin, id: i64) -> Result<UserDto, AppError> {
        let mut target = format!("user id {id}");
        let mut passkeys = 0;
        let result = async {
            let user = self.load(id).await?;
            target = format!("user:{}", user.username);
            if user.totp_secret.is_none() && user.totp_pending.is_none() && user.passkeys == 0 {
                return Err(AppError::conflict(format!(
                    "{} has no two-factor sign-in to reset.",
                    user.username
                )));
            }
            // A lost device may hold passkeys too: they go with the app's secret, and the
            // sessions signed in with either end, all in one step.
            passkeys = self
                .store
                .reset_second_factors(id)
                .await
                .or_internal("resetting two-factor sign-in")?;
            Ok(self.load(id).await?.to_dto())
        }
        .await;
        let done = Some(format!("the app's secret and {passkeys} passkeys removed"));
        self.audit
            .outcome_noting(actor.into(), "user.totp.reset", &target, &result, done)
            .await;
        result
    }
}
