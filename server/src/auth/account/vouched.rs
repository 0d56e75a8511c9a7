//! An account for someone the identity provider or a trusted proxy vouched for: their role
//! from their groups (at every sign-in, audited when it changes), found by issuer and subject
//! (never by name or e-mail), or created.

use bosun_frontend::model::sign_in::ProviderRefusal;

use super::*;
use crate::store::oidc_users::ProviderIdentity;

/// Who vouches, for whom, with which groups.
pub(super) struct Vouched<'a> {
    /// The provider's issuer, or `forward-auth` for a proxy's header.
    pub issuer: &'a str,
    pub subject: &'a str,
    /// What to name a new account after, best first (a user name, an e-mail address).
    pub names: [Option<&'a str>; 2],
    pub groups: &'a [String],
    /// For the audit log: "the identity provider", "the trusted proxy".
    pub by: &'static str,
}

/// The account, the role the groups gave, and the groups that gave it.
pub(super) struct Linked {
    pub user: UserRow,
    pub role: Role,
    pub gave: Vec<String>,
}

impl AccountService {
    pub(super) async fn vouched_account(
        &self,
        who: Who<'_>,
        v: &Vouched<'_>,
    ) -> Result<Linked, ProviderRefusal> {
        let role_for = self
            .policy
            .roles
            .as_ref()
            .and_then(|r| r.role_for(v.groups));
        let Some((role, gave)) = role_for else {
            let detail = format!(
                "vouched for by {} (subject {}), but no group gives a role; groups: [{}]",
                v.by,
                v.subject,
                v.groups.join(", ")
            );
            self.deny(who, who.username, detail).await;
            return Err(ProviderRefusal::NoRole);
        };
        let identity = ProviderIdentity {
            issuer: v.issuer,
            subject: v.subject,
            groups: v.groups,
            role,
        };
        let found = self
            .store
            .user_by_provider(v.issuer, v.subject)
            .await
            .map_err(|_| ProviderRefusal::Failed)?;
        let user = match found {
            Some(user) if user.disabled => {
                self.deny(who, &user.username, "the account is disabled".into())
                    .await;
                return Err(ProviderRefusal::Disabled);
            }
            Some(user) => {
                let now = self
                    .store
                    .provider_sign_in(user.id, &identity)
                    .await
                    .map_err(|_| ProviderRefusal::Failed)?;
                if now.role() != user.role() {
                    let detail = format!(
                        "{} → {} by {}'s groups [{}]",
                        user.role().as_str(),
                        role.as_str(),
                        v.by,
                        gave.join(", ")
                    );
                    let target = format!("user:{}", now.username);
                    self.audit
                        .record(
                            who,
                            "user.role.provider",
                            &target,
                            AuditOutcome::Ok,
                            Some(detail),
                        )
                        .await;
                }
                now
            }
            None if !self.policy.create_users => {
                let detail = format!(
                    "no account is linked to subject {} and BOSUN_OIDC_CREATE_USERS is off",
                    v.subject
                );
                self.deny(who, who.username, detail).await;
                return Err(ProviderRefusal::NoAccount);
            }
            None => self.create_vouched_user(who, v, &identity, &gave).await?,
        };
        Ok(Linked { user, role, gave })
    }

    pub(super) async fn deny(&self, who: Who<'_>, name: &str, detail: String) {
        self.audit_sign_in(who, name, AuditOutcome::Denied, Some(detail))
            .await;
    }

    /// A sign-in's entry in the audit log (`session.login` on `user:<name>`), whichever way
    /// it went.
    pub(super) async fn audit_sign_in(
        &self,
        who: Who<'_>,
        name: &str,
        outcome: AuditOutcome,
        detail: Option<String>,
    ) {
        let target = format!("user:{name}");
        self.audit
            .record(who, "session.login", &target, outcome, detail)
            .await;
    }

    /// A first sign-in: an account named after the user name (or e-mail) vouched for, with
    /// `-2`, `-3`… when a local account has that name already. Its password is random and
    /// never shown: this account signs in through whoever vouched for it only.
    async fn create_vouched_user(
        &self,
        who: Who<'_>,
        v: &Vouched<'_>,
        identity: &ProviderIdentity<'_>,
        gave: &[String],
    ) -> Result<UserRow, ProviderRefusal> {
        let hash = self
            .hasher
            .hash(&crate::auth::random_secret(32))
            .await
            .map_err(|_| ProviderRefusal::Failed)?;
        let base = v
            .names
            .iter()
            .flatten()
            .map(|n| n.split('@').next().unwrap_or(n))
            .find_map(|n| Username::try_from(n).ok())
            .map_or_else(
                || "user".to_owned(),
                |u| u.as_str().chars().take(56).collect(),
            );
        for n in 1..=50 {
            let name = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let created = self
                .store
                .insert_provider_user(&name, &hash, identity)
                .await
                .map_err(|_| ProviderRefusal::Failed)?;
            if let Some(user) = created {
                let detail = format!(
                    "created at the first sign-in through {} (subject {}), as {} by groups [{}]",
                    v.by,
                    v.subject,
                    identity.role.as_str(),
                    gave.join(", ")
                );
                let target = format!("user:{name}");
                self.audit
                    .record(who, "user.create", &target, AuditOutcome::Ok, Some(detail))
                    .await;
                return Ok(user);
            }
        }
        Err(ProviderRefusal::Failed)
    }
}
