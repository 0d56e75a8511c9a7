//! Sign-in by a proxy that already authenticated the user (Authelia, oauth2-proxy, an
//! Authentik outpost): its header names the user, another their groups. Honoured only from
//! the proxy's address (BOSUN_TRUSTED_PROXIES); from anywhere else the headers are ignored,
//! and that is audited. A request so vouched for gets an ordinary bosun session, so every
//! other check (CSRF, streams, timeouts) works as for a password sign-in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bosun_frontend::model::sign_in::ProviderRefusal;
use http::{HeaderMap, HeaderName};

use super::vouched::{Linked, Vouched};
use super::*;

const ISSUER: &str = "forward-auth";
/// One audit entry per address per this long for ignored headers, not one per request.
const IGNORED_EVERY: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct ForwardAuth {
    pub user_header: HeaderName,
    pub groups_header: Option<HeaderName>,
    /// When headers from each untrusted address were last audited.
    ignored: Arc<Mutex<HashMap<IpAddr, Instant>>>,
}

impl ForwardAuth {
    pub fn new(user_header: HeaderName, groups_header: Option<HeaderName>) -> Self {
        ForwardAuth {
            user_header,
            groups_header,
            ignored: Arc::default(),
        }
    }

    /// The user and groups the headers name, if the user header is there.
    fn read(&self, headers: &HeaderMap) -> Option<(String, Vec<String>)> {
        let user = headers
            .get(&self.user_header)?
            .to_str()
            .ok()?
            .trim()
            .to_owned();
        let groups = self
            .groups_header
            .as_ref()
            .and_then(|h| headers.get(h))
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Some((user, groups))
    }

    /// Whether ignoring headers from `client` now is news for the audit log.
    fn first_ignored_in_a_while(&self, client: IpAddr) -> bool {
        let mut seen = self.ignored.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() > 10_000 {
            seen.retain(|_, at| at.elapsed() < IGNORED_EVERY);
        }
        match seen.get(&client) {
            Some(at) if at.elapsed() < IGNORED_EVERY => false,
            _ => {
                seen.insert(client, Instant::now());
                true
            }
        }
    }
}

impl AccountService {
    /// For a request whose direct peer is `peer`: if the proxy header names a user and the peer
    /// is a trusted proxy, `session` is that user's (a new sign-in unless it already was, the
    /// role brought up to date with the groups header). Headers from elsewhere are ignored
    /// (and audited). Err: the proxy's user may not come in, and why.
    pub async fn forward_sign_in(
        &self,
        trusted: bool,
        client: IpAddr,
        request_id: &str,
        headers: &HeaderMap,
        session: &Session,
    ) -> Result<(), ProviderRefusal> {
        let Some(forward) = &self.policy.forward else {
            return Ok(());
        };
        let Some((name, groups)) = forward.read(headers) else {
            return Ok(());
        };
        let who = Who {
            username: &name,
            client,
            request_id,
        };
        if !trusted {
            if forward.first_ignored_in_a_while(client) {
                let detail = format!(
                    "the {} header came from {client}, which is not a trusted proxy (BOSUN_TRUSTED_PROXIES): ignored",
                    forward.user_header
                );
                self.deny(who, &name, detail).await;
            }
            return Ok(());
        }
        if Username::try_from(name.as_str()).is_err() {
            let detail = format!("the proxy named a user bosun cannot use: {name:?}");
            self.deny(who, "?", detail).await;
            return Err(ProviderRefusal::Failed);
        }
        let current = session.get::<SessionAuth>(SESSION_KEY).await.ok().flatten();
        let linked = self
            .store
            .user_by_provider(ISSUER, &name)
            .await
            .map_err(|_| ProviderRefusal::Failed)?;
        if let (Some(auth), Some(user)) = (&current, &linked) {
            let same_groups = user.provider_groups().as_deref() == Some(groups.as_slice());
            if auth.user_id == user.id && auth.epoch == user.session_epoch && same_groups {
                return Ok(());
            }
        }
        let vouched = Vouched {
            issuer: ISSUER,
            subject: &name,
            names: [Some(&name), None],
            groups: &groups,
            by: "the trusted proxy",
        };
        let Linked { user, role, gave } = self.vouched_account(who, &vouched).await?;
        // The same user with new groups keeps their session (a lower role takes effect at
        // once all the same: roles are read per request); anyone else gets a new one.
        if current.is_some_and(|a| a.user_id == user.id && a.epoch == user.session_epoch) {
            return Ok(());
        }
        self.bind_session(session, &user, None)
            .await
            .map_err(|_| ProviderRefusal::Failed)?;
        let detail = format!(
            "through the trusted proxy's {} header, as {} (groups [{}])",
            forward.user_header,
            role.as_str(),
            gave.join(", ")
        );
        let who = Who {
            username: &user.username,
            ..who
        };
        self.audit_sign_in(who, &user.username, AuditOutcome::Ok, Some(detail))
            .await;
        Ok(())
    }
}
