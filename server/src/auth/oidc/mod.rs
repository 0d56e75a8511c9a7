//! The identity provider's side of a sign-in (OpenID Connect): discovery, the authorization
//! request (code flow with PKCE, `state` and `nonce`), and the checks of the ID token the code
//! brings (issuer, audience, expiry, nonce, signature; never `alg: none`). Who the user is in
//! bosun is decided in `account/provider.rs`.

mod pending;
mod settings;
mod userinfo;

use std::sync::Arc;

use bosun_frontend::model::sign_in::ProviderRefusal;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, TokenResponse,
};
use serde::{Deserialize, Serialize};
use url::Url;

use pending::{Pending, PendingSignIns};
pub use settings::{OidcSettings, from_config};

/// `amr` values that stand for a second factor (RFC 8176): several factors, a one-time code,
/// a hardware key, a smart card.
const SECOND_FACTORS: [&str; 4] = ["mfa", "otp", "hwk", "sc"];

/// Every claim of the ID token beyond the standard ones, for the groups claim's path.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct OtherClaims {
    #[serde(flatten)]
    all: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for OtherClaims {}

type IdToken = openidconnect::IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// Who the provider says signed in, checked. No `Debug`: it holds the ID token, which is
/// never logged (see `ProviderSession`).
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub groups: Vec<String>,
    /// The provider reported a second factor (`amr`).
    pub second_factor: bool,
    /// The ID token had nothing at the groups claim's path: userinfo is asked next.
    groups_missing: bool,
    pub id_token: String,
    /// Where the user was going.
    pub next: String,
}

/// What came back to the callback, parsed.
pub enum Callback {
    Code {
        code: String,
        state: String,
    },
    Refused {
        error: String,
        state: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the identity provider refused the sign-in: {0}")]
    Provider(String),
    #[error(
        "the answer's state is not one this browser started (an old, used or forged sign-in link)"
    )]
    State,
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    #[error("the ID token was refused: {0}")]
    Token(String),
    #[error("bosun's own callback address is not usable ({0}): check BOSUN_PUBLIC_URL")]
    Setup(String),
}

impl OidcError {
    /// What the sign-in page tells the user.
    pub fn refusal(&self) -> ProviderRefusal {
        match self {
            OidcError::Unreachable(_) => ProviderRefusal::Unreachable,
            OidcError::Provider(_) => ProviderRefusal::Cancelled,
            OidcError::State
            | OidcError::Exchange(_)
            | OidcError::Token(_)
            | OidcError::Setup(_) => ProviderRefusal::Failed,
        }
    }
}

struct Discovered {
    metadata: ProviderMetadataWithLogout,
    /// Counts the reads, so that sign-ins that all found a key missing read the keys once.
    generation: u64,
}

#[derive(Clone)]
pub struct Oidc(Arc<Inner>);

struct Inner {
    settings: OidcSettings,
    /// No redirects (the provider's endpoints are called as discovered), bosun's trusted roots.
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<Discovered>>,
    pending: PendingSignIns,
}

impl Oidc {
    pub fn new(
        settings: OidcSettings,
        http: reqwest::Client,
        clock: crate::clock::SharedClock,
    ) -> Self {
        Oidc(Arc::new(Inner {
            settings,
            http,
            discovered: tokio::sync::Mutex::new(None),
            pending: PendingSignIns::new(clock),
        }))
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.0.settings
    }

    /// The provider's metadata and keys, and their generation: read at the first sign-in, and
    /// again when a caller found a key missing in generation `stale` (the provider rotated its
    /// keys), unless another caller has read them since.
    async fn metadata(
        &self,
        stale: Option<u64>,
    ) -> Result<(ProviderMetadataWithLogout, u64), OidcError> {
        let mut cached = self.0.discovered.lock().await;
        if let Some(d) = cached.as_ref()
            && stale != Some(d.generation)
        {
            return Ok((d.metadata.clone(), d.generation));
        }
        let issuer = IssuerUrl::new(self.0.settings.issuer.clone())
            .map_err(|e| OidcError::Unreachable(format!("the issuer URL: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.0.http)
            .await
            .map_err(|e| OidcError::Unreachable(describe(&e)))?;
        let generation = cached.as_ref().map_or(0, |d| d.generation + 1);
        *cached = Some(Discovered {
            metadata: metadata.clone(),
            generation,
        });
        Ok((metadata, generation))
    }

    fn client(&self, metadata: ProviderMetadataWithLogout, redirect: RedirectUrl) -> Client {
        let s = &self.0.settings;
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(s.client_id.clone()),
            Some(ClientSecret::new(s.client_secret.expose().to_owned())),
        )
        .set_redirect_uri(redirect)
    }

    /// Where to send the browser to sign in, and the `state` to bind to it (a cookie). `next`
    /// is a path of bosun's, already checked.
    pub async fn start(&self, redirect: &str, next: String) -> Result<(Url, String), OidcError> {
        let redirect =
            RedirectUrl::new(redirect.to_owned()).map_err(|e| OidcError::Setup(e.to_string()))?;
        let client = self.client(self.metadata(None).await?.0, redirect.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.0.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let state = state.secret().clone();
        self.0
            .pending
            .insert(state.clone(), Pending::new(nonce, verifier, redirect, next));
        Ok((url, state))
    }

    /// Checks what came back to the callback: the state against this browser's (`cookie`),
    /// then the code at the provider, then the ID token. Each started sign-in is finished once.
    pub async fn finish(
        &self,
        cookie: Option<&str>,
        answer: Callback,
    ) -> Result<Verified, OidcError> {
        let (code, state) = match answer {
            Callback::Code { code, state } => (code, state),
            Callback::Refused { error, state } => {
                // Spend the started sign-in, if it was this browser's.
                if let Some(state) = state.filter(|s| cookie == Some(s.as_str())) {
                    self.0.pending.take(&state);
                }
                return Err(OidcError::Provider(error));
            }
        };
        if cookie.is_none_or(|c| !same(c, &state)) {
            return Err(OidcError::State);
        }
        let pending = self.0.pending.take(&state).ok_or(OidcError::State)?;
        let (metadata, generation) = self.metadata(None).await?;
        let client = self.client(metadata, pending.redirect.clone());
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Exchange(e.to_string()))?
            .set_pkce_verifier(pending.verifier)
            .request_async(&self.0.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    OidcError::Exchange(match r.error_description() {
                        Some(d) => format!("{} ({d})", r.error()),
                        None => r.error().to_string(),
                    })
                }
                RequestTokenError::Request(e) => OidcError::Unreachable(describe(&e)),
                other => OidcError::Exchange(describe(&other)),
            })?;
        let raw = response
            .id_token()
            .ok_or_else(|| OidcError::Token("the provider sent no ID token".into()))?
            .to_string();
        let token: IdToken = raw
            .parse()
            .map_err(|e| OidcError::Token(format!("not a signed JWT ({e})")))?;
        let took = Took {
            raw: &raw,
            nonce: &pending.nonce,
            next: &pending.next,
        };
        let mut verified = check(&client, &token, &took, &self.0.settings);
        if matches!(
            verified,
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey
            ))
        ) {
            // The provider may have rotated its keys: read them again and check once more.
            let (metadata, _) = self.metadata(Some(generation)).await?;
            let client = self.client(metadata, pending.redirect);
            verified = check(&client, &token, &took, &self.0.settings);
        }
        let mut v = verified.map_err(|e| OidcError::Token(e.to_string()))?;
        if v.groups_missing {
            let token = response.access_token().clone();
            userinfo::complete(&client, &self.0.http, token, &self.0.settings, &mut v).await?;
        }
        Ok(v)
    }

    /// The provider's sign-out page for this sign-in, coming back to `after`; None when the
    /// provider has none (or cannot be reached now).
    pub async fn end_session_url(&self, id_token: &str, after: &str) -> Option<Url> {
        let (metadata, _) = self.metadata(None).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let hint: IdToken = id_token.parse().ok()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_id_token_hint(&hint)
            .set_client_id(ClientId::new(self.0.settings.client_id.clone()));
        if let Ok(back) = PostLogoutRedirectUrl::new(after.to_owned()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        Some(request.http_get_url())
    }
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// What a callback brought and its started sign-in held: the ID token as sent, the nonce it
/// must carry, and where the user was going.
struct Took<'a> {
    raw: &'a str,
    nonce: &'a Nonce,
    next: &'a str,
}

/// The ID token's checks (the crate's: signature by a key of the provider's, issuer,
/// audience, expiry, nonce; an unsigned token is refused), then what bosun reads from it.
fn check(
    client: &Client,
    token: &IdToken,
    took: &Took<'_>,
    settings: &OidcSettings,
) -> Result<Verified, ClaimsVerificationError> {
    let verifier = client.id_token_verifier();
    let claims = token.claims(&verifier, took.nonce)?;
    let groups = settings.groups_claim.find(&claims.additional_claims().all);
    let second_factor = claims
        .auth_method_refs()
        .is_some_and(|amr| amr.iter().any(|a| SECOND_FACTORS.contains(&a.as_str())));
    Ok(Verified {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        preferred_username: claims.preferred_username().map(|u| u.to_string()),
        email: claims.email().map(|e| e.to_string()),
        groups: groups.clone().unwrap_or_default(),
        groups_missing: groups.is_none(),
        second_factor,
        id_token: took.raw.to_owned(),
        next: took.next.to_owned(),
    })
}

/// Compares the state from the query with the cookie's in constant time.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An error with its causes, on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
