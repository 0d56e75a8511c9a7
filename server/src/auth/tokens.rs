//! API tokens: created by their owner, shown once, stored as a hash, revocable.

use async_trait::async_trait;
use bosun_frontend::authz::Viewer;
use bosun_frontend::error::AppError;
use bosun_frontend::model::token::check_token_name;
use bosun_frontend::model::{CreatedToken, NewToken, TokenDto};
use bosun_frontend::ports::TokensPort;

use crate::audit::AuditService;
use crate::error::OrInternal;
use crate::store::Store;

const MAX_TOKENS_PER_USER: usize = 50;
pub const TOKEN_PREFIX: &str = "bsn_";

#[derive(Clone)]
pub struct TokenService {
    store: Store,
    audit: AuditService,
}

impl TokenService {
    pub fn new(store: Store, audit: AuditService) -> Self {
        TokenService { store, audit }
    }
}

#[async_trait]
impl TokensPort for TokenService {
    async fn list(&self, actor: &Viewer) -> Result<Vec<TokenDto>, AppError> {
        let rows = self
            .store
            .list_tokens(actor.user_id())
            .await
            .or_internal("listing tokens")?;
        Ok(rows.iter().map(|r| r.to_dto()).collect())
    }

    async fn create(&self, actor: &Viewer, input: NewToken) -> Result<CreatedToken, AppError> {
        let name = check_token_name(&input.name)
            .map_err(|m| AppError::bad_request("name", m))?
            .to_owned();
        let result = async {
            let existing = self.store.list_tokens(actor.user_id()).await.or_internal("listing tokens")?;
            if existing.len() >= MAX_TOKENS_PER_USER {
                return Err(AppError::conflict(format!(
                    "You have {MAX_TOKENS_PER_USER} tokens already. Revoke one you no longer use first."
                )));
            }
            let secret = format!("{TOKEN_PREFIX}{}", super::random_secret(32));
            let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
            let row = match self.store.insert_token(actor.user_id(), &name, &super::token_hash(&secret), &prefix).await {
                Ok(row) => row,
                Err(e) if e.is_unique_violation() => {
                    return Err(AppError::conflict(format!(
                        "You already have a token named {name:?}. Pick another name or revoke that one."
                    )));
                }
                Err(e) => return Err(crate::error::internal("creating a token", e)),
            };
            Ok(CreatedToken { token: row.to_dto(), secret })
        }
        .await;
        self.audit
            .outcome(
                actor.into(),
                "token.create",
                &format!("token:{name}"),
                &result,
            )
            .await;
        result
    }

    async fn revoke(&self, actor: &Viewer, id: i64) -> Result<(), AppError> {
        let result = match self
            .store
            .delete_token(actor.user_id(), id)
            .await
            .or_internal("revoking a token")?
        {
            Some(_) => Ok(()),
            None => Err(AppError::not_found(format!(
                "You have no token with id {id}."
            ))),
        };
        self.audit
            .outcome(
                actor.into(),
                "token.revoke",
                &format!("token:{id}"),
                &result,
            )
            .await;
        result
    }
}
