//! API tokens: as listed, as asked for, and the secret shown once at creation.

use serde::{Deserialize, Serialize};

/// A named API token. The secret is shown once, at creation, and stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenDto {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewToken {
    pub name: String,
}

/// Returned once, when a token is created.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: TokenDto,
    /// Use as `Authorization: Bearer <secret>`. It cannot be shown again.
    pub secret: String,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Token names: 1–64 printable characters, no control characters.
pub fn check_token_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("give the token a name");
    }
    if name.chars().count() > 64 {
        return Err("the token name is longer than 64 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("the token name contains control characters");
    }
    Ok(name)
}
