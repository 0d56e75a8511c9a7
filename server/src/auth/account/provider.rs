//! Signing in someone the identity provider vouched for: their role from their groups (at
//! every sign-in, audited when it changes), their account found by issuer and subject (never
//! by name or e-mail) or created, and a second factor where their role needs one.

use bosun_frontend::model::sign_in::{PasswordLogin, ProviderRefusal, SignInOptions};

use super::vouched::{Linked, Vouched};
use super::*;
use crate::auth::oidc::{Oidc, Verified};
use crate::auth::principal::ProviderSession;

/// How people sign in here (`BOSUN_PASSWORD_LOGIN`, `BOSUN_OIDC_*`).
#[derive(Clone, Default)]
pub struct SignInPolicy {
    pub password: PasswordLogin,
    /// Passwordless sign-in with a passkey (`BOSUN_PASSKEY_LOGIN`).
    pub passkey: bool,
    pub provider: Option<Oidc>,
    /// Sign-in by a trusted proxy's header (forward-auth).
    pub forward: Option<super::forward::ForwardAuth>,
    /// Groups to roles, for the provider's and the proxy's users (`BOSUN_OIDC_ROLES`).
    pub roles: Option<crate::config::RoleMap>,
    /// Create accounts at a first sign-in (`BOSUN_OIDC_CREATE_USERS`).
    pub create_users: bool,
    /// `scheme://host[:port]` of BOSUN_PUBLIC_URL: bosun's address for the provider's
    /// redirects. Unset: the request's Host, on https when bosun serves it.
    pub public_origin: Option<String>,
    pub https: bool,
}

/// The scheme the browser used for this request: bosun's own, or a trusted proxy's
/// `X-Forwarded-Proto` (set per request by the request context).
#[derive(Clone, Copy, Debug)]
pub struct OwnScheme(pub &'static str);

impl SignInPolicy {
    /// bosun's own URL for `path`, as the browser reaches it: BOSUN_PUBLIC_URL, else the
    /// request's host (`Host` in HTTP/1.1, the URI's authority in HTTP/2) on the scheme the
    /// browser used (behind a proxy that ends TLS, its forwarded one).
    pub fn own_url(&self, parts: &Parts, path: &str) -> Option<String> {
        if let Some(origin) = &self.public_origin {
            return Some(format!("{origin}{path}"));
        }
        let host = match parts.headers.get(http::header::HOST) {
            Some(h) => h.to_str().ok()?.to_owned(),
            None => parts.uri.authority()?.as_str().to_owned(),
        };
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
        let scheme = match parts.extensions.get::<OwnScheme>() {
            Some(OwnScheme(scheme)) => scheme,
            None if self.https => "https",
            None => "http",
        };
        valid.then(|| format!("{scheme}://{host}{path}"))
    }
}

/// A sign-in whose second factor comes next: after the password, or after the identity
/// provider for a role that needs one the provider did not report. The user's code or passkey
/// finishes it (kept in the session until then, ten minutes at most).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct AwaitingSecond {
    pub user_id: i64,
    pub epoch: i64,
    /// Set after the identity provider: the session's sign-out hint there.
    pub id_token: Option<String>,
    /// Where the user was going (after the provider; the password form sends its own).
    pub next: String,
    pub at_ms: i64,
}

pub(super) const AWAITING_SECOND: &str = "awaiting_second_factor";
/// How long a first step waits for its second factor.
const AWAIT_MS: i64 = 600_000;

impl AccountService {
    pub fn provider(&self) -> Option<&Oidc> {
        self.policy.provider.as_ref()
    }

    pub fn policy(&self) -> &SignInPolicy {
        &self.policy
    }

    /// The user waiting for their second factor in this session, if the wait is still on.
    pub(super) async fn awaiting(&self, session: &Session) -> Option<AwaitingSecond> {
        let awaiting: AwaitingSecond = session.get(AWAITING_SECOND).await.ok().flatten()?;
        (self.clock.now_ms() - awaiting.at_ms <= AWAIT_MS).then_some(awaiting)
    }

    /// Whether `user`, whose password was right, may sign in with it (`BOSUN_PASSWORD_LOGIN`).
    pub(super) fn password_allowed(&self, user: &UserRow) -> Result<(), AppError> {
        let local_admin = user.role() == Role::Admin && user.oidc_subject.is_none();
        match self.policy.password {
            PasswordLogin::On => Ok(()),
            PasswordLogin::Admins if local_admin => Ok(()),
            PasswordLogin::Admins => Err(AppError::forbidden(
                "Passwords are for local admins only here, for when the identity provider is down. Sign in with the provider's button.",
            )),
            PasswordLogin::Off => Err(self.password_allowed_off()),
        }
    }

    /// The refusal where nobody may sign in with a password.
    pub(super) fn password_allowed_off(&self) -> AppError {
        AppError::forbidden(
            "Password sign-in is off here. Sign in with the identity provider's button.",
        )
    }

    /// The identity provider's sign-out page for this session's sign-in, if it was one.
    pub(super) async fn provider_sign_out(
        &self,
        parts: &Parts,
        session: &Session,
    ) -> Option<String> {
        let provider = self.provider()?;
        let auth = session
            .get::<SessionAuth>(SESSION_KEY)
            .await
            .ok()
            .flatten()?;
        let id_token = auth.provider?.id_token;
        let after = self.policy.own_url(parts, "/login")?;
        provider
            .end_session_url(&id_token, &after)
            .await
            .map(|u| u.to_string())
    }

    pub fn sign_in_options(&self) -> SignInOptions {
        SignInOptions {
            provider: self.provider().map(|p| p.settings().button.clone()),
            password: self.policy.password,
            passkey: self.policy.passkey,
        }
    }

    /// Signs in the user `v` names, in `session`. Returns where to go next: the page they
    /// wanted, the Account page for a duty, or the code step.
    pub async fn provider_sign_in(
        &self,
        info: &RequestInfo,
        session: &Session,
        v: Verified,
    ) -> Result<String, ProviderRefusal> {
        if self.provider().is_none() {
            return Err(ProviderRefusal::Failed);
        }
        let shown = v
            .preferred_username
            .clone()
            .unwrap_or_else(|| v.subject.clone());
        let who = Who {
            username: &shown,
            client: info.client,
            request_id: &info.request_id,
        };
        let vouched = Vouched {
            issuer: &v.issuer,
            subject: &v.subject,
            names: [v.preferred_username.as_deref(), v.email.as_deref()],
            groups: &v.groups,
            by: "the identity provider",
        };
        let Linked { user, role, gave } = self.vouched_account(who, &vouched).await?;
        let who = Who {
            username: &user.username,
            ..who
        };
        let required = self.required().await;
        if required.contains(&role) && !v.second_factor && user.has_second_factor() {
            let awaiting = AwaitingSecond {
                user_id: user.id,
                epoch: user.session_epoch,
                id_token: Some(v.id_token),
                next: v.next,
                at_ms: self.clock.now_ms(),
            };
            session
                .insert(AWAITING_SECOND, awaiting)
                .await
                .map_err(|_| ProviderRefusal::Failed)?;
            return Ok("/login?step=code".to_owned());
        }
        let provider_session = ProviderSession {
            id_token: v.id_token,
            second_factor: v.second_factor,
        };
        self.bind_session(session, &user, Some(provider_session))
            .await
            .map_err(|_| ProviderRefusal::Failed)?;
        let detail = format!(
            "through the identity provider, as {} (groups [{}]){}",
            role.as_str(),
            gave.join(", "),
            if v.second_factor {
                ", second factor at the provider"
            } else {
                ""
            }
        );
        self.audit_sign_in(who, &user.username, AuditOutcome::Ok, Some(detail))
            .await;
        let duty = crate::auth::principal::must_enrol(&user, &required, v.second_factor);
        Ok(if duty { "/account".to_owned() } else { v.next })
    }

    /// A provider answer that could not be checked (or a refusal by the provider), audited
    /// with its reason; the user sees only a fixed text.
    pub async fn provider_failed(&self, info: &RequestInfo, e: &crate::auth::oidc::OidcError) {
        let who = Who {
            username: "(identity provider)",
            client: info.client,
            request_id: &info.request_id,
        };
        self.audit_sign_in(who, "?", AuditOutcome::Failed, Some(e.to_string()))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(host: Option<&str>, uri: &str, forwarded: Option<&'static str>) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        if let Some(h) = host {
            b = b.header(http::header::HOST, h);
        }
        let mut parts = b.body(()).unwrap().into_parts().0;
        if let Some(scheme) = forwarded {
            parts.extensions.insert(OwnScheme(scheme));
        }
        parts
    }

    #[test]
    fn own_urls_come_from_the_public_url_the_host_header_or_the_http2_authority() {
        let mut policy = SignInPolicy {
            https: true,
            ..SignInPolicy::default()
        };
        let h1 = parts(Some("bosun.lan:8443"), "/auth/oidc/start", None);
        let h2 = parts(None, "https://10.0.0.7:8443/auth/oidc/start", None);
        let cb = "/auth/oidc/callback";
        assert_eq!(
            policy.own_url(&h1, cb).as_deref(),
            Some("https://bosun.lan:8443/auth/oidc/callback")
        );
        assert_eq!(
            policy.own_url(&h2, cb).as_deref(),
            Some("https://10.0.0.7:8443/auth/oidc/callback")
        );
        assert_eq!(policy.own_url(&parts(None, "/x", None), cb), None);
        // Behind a proxy that ends TLS, the scheme the browser used.
        let proxied = parts(Some("bosun.example"), "/x", Some("https"));
        policy.https = false;
        assert_eq!(
            policy.own_url(&proxied, cb).as_deref(),
            Some("https://bosun.example/auth/oidc/callback")
        );
        let bad = parts(Some("evil.example/x?"), "/x", None);
        assert_eq!(policy.own_url(&bad, cb), None);
        policy.public_origin = Some("https://ops.example.org".into());
        assert_eq!(
            policy.own_url(&bad, cb).as_deref(),
            Some("https://ops.example.org/auth/oidc/callback")
        );
    }
}
