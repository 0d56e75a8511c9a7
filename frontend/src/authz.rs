//! Authorization that lives in function signatures.
//!
//! A service method that changes or reveals something takes an `&Actor<R>`. The only way to
//! get one is [`Actor::authorize`], which checks the principal's role against `R`. So a new
//! route cannot forget the check: without the right actor it does not compile.

use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use crate::error::AppError;
use crate::model::Role;

/// How the principal proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    Session,
    Token,
}

/// An authenticated user, resolved once per request by the server's middleware.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub must_change_password: bool,
    /// The role requires two-factor sign-in and the user has not set it up yet.
    pub must_enrol_totp: bool,
    pub method: AuthMethod,
}

/// Facts about the current request that every audit record needs.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub request_id: String,
    pub client: IpAddr,
    pub principal: Option<Principal>,
    /// The browser sent a session cookie that no longer names a live session.
    pub session_expired: bool,
}

/// What a route requires. Implemented by the marker types below only.
pub trait Requirement: Send + Sync + 'static {
    const ROLE: Role;
    /// May a user whose password must be changed act? Only for signing out and changing it.
    const BEFORE_PASSWORD_CHANGE: bool = false;
}

/// Any signed-in user, even one who still has to change a generated password.
pub struct SelfService;
pub struct ViewerRole;
pub struct OperatorRole;
pub struct AdminRole;

impl Requirement for SelfService {
    const ROLE: Role = Role::Viewer;
    const BEFORE_PASSWORD_CHANGE: bool = true;
}
impl Requirement for ViewerRole {
    const ROLE: Role = Role::Viewer;
}
impl Requirement for OperatorRole {
    const ROLE: Role = Role::Operator;
}
impl Requirement for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// Proof that the request's principal meets `R`.
pub struct Actor<R: Requirement> {
    principal: Principal,
    client: IpAddr,
    request_id: String,
    _requirement: PhantomData<R>,
}

/// The same check as [`Actor::authorize`], for a role known only at run time (a server
/// function's path): one rule, one set of messages.
pub fn authorize_role(info: &RequestInfo, role: Role) -> Result<(), AppError> {
    match role {
        Role::Viewer => Actor::<ViewerRole>::authorize(info).map(drop),
        Role::Operator => Actor::<OperatorRole>::authorize(info).map(drop),
        Role::Admin => Actor::<AdminRole>::authorize(info).map(drop),
    }
}

pub type AnyUser = Actor<SelfService>;
pub type Viewer = Actor<ViewerRole>;
pub type Operator = Actor<OperatorRole>;
pub type Admin = Actor<AdminRole>;

impl<R: Requirement> Actor<R> {
    /// The single gate: unauthenticated → 401, role too low or password change pending → 403.
    pub fn authorize(info: &RequestInfo) -> Result<Self, AppError> {
        let Some(principal) = info.principal.clone() else {
            return Err(AppError::unauthenticated().with_request_id(&info.request_id));
        };
        if principal.must_change_password && !R::BEFORE_PASSWORD_CHANGE {
            return Err(AppError::forbidden(
                "Change your password first: open Account and set a new one.",
            )
            .with_request_id(&info.request_id));
        }
        if principal.must_enrol_totp && !R::BEFORE_PASSWORD_CHANGE {
            return Err(AppError::forbidden(
                "Your role requires two-factor sign-in: open Account and set it up with an authenticator app first.",
            )
            .with_request_id(&info.request_id));
        }
        if !principal.role.allows(R::ROLE) {
            return Err(AppError::forbidden(format!(
                "This needs the {} role; you are signed in as {} with the {} role. Ask an admin if you need it.",
                R::ROLE,
                principal.username,
                principal.role
            ))
            .with_request_id(&info.request_id));
        }
        Ok(Actor {
            principal,
            client: info.client,
            request_id: info.request_id.clone(),
            _requirement: PhantomData,
        })
    }

    /// The same caller, proven to meet `S` as well (for a request whose reach depends on its
    /// input, like a whole log): the same checks as [`Actor::authorize`].
    pub fn also<S: Requirement>(&self) -> Result<Actor<S>, AppError> {
        Actor::<S>::authorize(&RequestInfo {
            request_id: self.request_id.clone(),
            client: self.client,
            principal: Some(self.principal.clone()),
            session_expired: false,
        })
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }
    pub fn user_id(&self) -> i64 {
        self.principal.user_id
    }
    pub fn username(&self) -> &str {
        &self.principal.username
    }
    pub fn role(&self) -> Role {
        self.principal.role
    }
    pub fn client(&self) -> IpAddr {
        self.client
    }
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}

impl<R: Requirement> fmt::Debug for Actor<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("user", &self.principal.username)
            .field("role", &self.principal.role)
            .field("request_id", &self.request_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn info(role: Option<Role>, must_change: bool) -> RequestInfo {
        RequestInfo {
            request_id: "req-1".into(),
            client: IpAddr::from([127, 0, 0, 1]),
            principal: role.map(|role| Principal {
                user_id: 7,
                username: "sam".into(),
                role,
                must_change_password: must_change,
                must_enrol_totp: false,
                method: AuthMethod::Session,
            }),
            session_expired: false,
        }
    }

    fn kind<R: Requirement>(i: &RequestInfo) -> Option<ErrorKind> {
        Actor::<R>::authorize(i).err().map(|e| e.kind)
    }

    #[test]
    fn role_matrix() {
        use ErrorKind::*;
        let none = info(None, false);
        assert_eq!(kind::<SelfService>(&none), Some(Unauthenticated));
        assert_eq!(kind::<ViewerRole>(&none), Some(Unauthenticated));
        assert_eq!(kind::<AdminRole>(&none), Some(Unauthenticated));

        let viewer = info(Some(Role::Viewer), false);
        assert_eq!(kind::<ViewerRole>(&viewer), None);
        assert_eq!(kind::<OperatorRole>(&viewer), Some(Forbidden));
        assert_eq!(kind::<AdminRole>(&viewer), Some(Forbidden));

        let operator = info(Some(Role::Operator), false);
        assert_eq!(kind::<OperatorRole>(&operator), None);
        assert_eq!(kind::<AdminRole>(&operator), Some(Forbidden));

        let admin = info(Some(Role::Admin), false);
        assert_eq!(kind::<AdminRole>(&admin), None);
        assert_eq!(kind::<ViewerRole>(&admin), None);
    }

    #[test]
    fn pending_password_change_allows_self_service_only() {
        let admin = info(Some(Role::Admin), true);
        assert_eq!(kind::<SelfService>(&admin), None);
        assert_eq!(kind::<ViewerRole>(&admin), Some(ErrorKind::Forbidden));
        assert_eq!(kind::<AdminRole>(&admin), Some(ErrorKind::Forbidden));
    }

    #[test]
    fn a_missing_required_second_factor_allows_self_service_only() {
        let mut i = info(Some(Role::Admin), false);
        if let Some(p) = i.principal.as_mut() {
            p.must_enrol_totp = true;
        }
        assert_eq!(kind::<SelfService>(&i), None);
        assert_eq!(kind::<ViewerRole>(&i), Some(ErrorKind::Forbidden));
        let e = Actor::<AdminRole>::authorize(&i).err().unwrap();
        assert!(e.message.contains("two-factor"), "{}", e.message);
    }

    #[test]
    fn errors_carry_the_request_id() {
        let e = Actor::<AdminRole>::authorize(&info(Some(Role::Viewer), false)).err();
        assert_eq!(e.and_then(|e| e.request_id), Some("req-1".to_owned()));
    }
}
