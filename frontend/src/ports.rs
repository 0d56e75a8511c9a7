//! The ports the server functions call. The server crate implements them on its services
//! and provides them through Leptos context; the REST API calls the same services.

use std::sync::Arc;

use async_trait::async_trait;

use crate::authz::{Admin, AnyUser, RequestInfo, Viewer};
use crate::error::AppError;
use crate::model::{
    AuditEntry, AuditQuery, CreatedToken, EngineStatus, Me, NewToken, NewUser, PasswordChange,
    TokenDto, UserDto, UserPatch,
};

/// Signing in and out, and what a user does to their own account.
#[async_trait]
pub trait AccountPort: Send + Sync {
    /// Checks the credentials and binds the request's session to the user (rotating its id).
    async fn login(
        &self,
        parts: &http::request::Parts,
        username: String,
        password: String,
    ) -> Result<Me, AppError>;
    async fn logout(&self, parts: &http::request::Parts) -> Result<(), AppError>;
    async fn me(&self, actor: &AnyUser) -> Result<Me, AppError>;
    async fn change_password(
        &self,
        actor: &AnyUser,
        change: PasswordChange,
    ) -> Result<(), AppError>;
    /// Ends every session of the actor, this one included.
    async fn logout_all(&self, actor: &AnyUser) -> Result<(), AppError>;
}

#[async_trait]
pub trait TokensPort: Send + Sync {
    async fn list(&self, actor: &Viewer) -> Result<Vec<TokenDto>, AppError>;
    async fn create(&self, actor: &Viewer, input: NewToken) -> Result<CreatedToken, AppError>;
    async fn revoke(&self, actor: &Viewer, id: i64) -> Result<(), AppError>;
}

#[async_trait]
pub trait UsersPort: Send + Sync {
    async fn list(&self, actor: &Admin) -> Result<Vec<UserDto>, AppError>;
    async fn get(&self, actor: &Admin, id: i64) -> Result<UserDto, AppError>;
    async fn create(&self, actor: &Admin, input: NewUser) -> Result<UserDto, AppError>;
    async fn update(&self, actor: &Admin, id: i64, patch: UserPatch) -> Result<UserDto, AppError>;
    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError>;
}

#[async_trait]
pub trait AuditPort: Send + Sync {
    async fn list(&self, actor: &Admin, query: AuditQuery) -> Result<Vec<AuditEntry>, AppError>;
}

#[async_trait]
pub trait EnginePort: Send + Sync {
    async fn status(&self, actor: &Viewer) -> Result<EngineStatus, AppError>;
}

/// Everything the server functions need, provided as one context value.
#[derive(Clone)]
pub struct Ports {
    pub account: Arc<dyn AccountPort>,
    pub tokens: Arc<dyn TokensPort>,
    pub users: Arc<dyn UsersPort>,
    pub audit: Arc<dyn AuditPort>,
    pub engine: Arc<dyn EnginePort>,
}

/// Lets server functions read the request facts the middleware attached.
pub fn request_info(parts: &http::request::Parts) -> Option<&RequestInfo> {
    parts.extensions.get::<RequestInfo>()
}
