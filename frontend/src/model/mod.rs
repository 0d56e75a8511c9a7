//! DTOs shared by the browser, the server functions and the REST API.
//! Everything here compiles for wasm: no server-only crates.

pub mod audit;
pub mod engine;
pub mod role;
pub mod token;
pub mod user;

pub use audit::{AuditEntry, AuditOutcome, AuditQuery};
pub use engine::EngineStatus;
pub use role::Role;
pub use token::{CreatedToken, NewToken, TokenDto};
pub use user::{
    Credentials, Me, NewUser, PasswordChange, PasswordPolicyError, UserDto, UserPatch, Username,
    check_password,
};
