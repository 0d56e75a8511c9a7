//! What the ID token left out, from the provider's userinfo endpoint: the groups (and the
//! user's name and e-mail). Many providers put only `sub` in ID tokens, as OpenID Connect
//! recommends for the code flow (Authelia, oidc-provider by default, Entra ID's groups
//! overage); the groups are then in userinfo, asked with the sign-in's access token.

use openidconnect::core::CoreGenderClaim;
use openidconnect::{AccessToken, SubjectIdentifier, UserInfoClaims, UserInfoError};

use super::{Client, OidcError, OidcSettings, OtherClaims, Verified, describe};

/// Fills `v`'s groups (and names, where the ID token had none) from userinfo. A provider
/// without a userinfo endpoint leaves them as they were: no groups.
pub(super) async fn complete(
    client: &Client,
    http: &reqwest::Client,
    token: AccessToken,
    settings: &OidcSettings,
    v: &mut Verified,
) -> Result<(), OidcError> {
    // The answer must be about the same user as the ID token.
    let subject = SubjectIdentifier::new(v.subject.clone());
    let Ok(request) = client.user_info(token, Some(subject)) else {
        return Ok(());
    };
    let info: UserInfoClaims<OtherClaims, CoreGenderClaim> =
        request.request_async(http).await.map_err(|e| match e {
            UserInfoError::Request(e) => OidcError::Unreachable(describe(&e)),
            other => OidcError::Token(format!(
                "the userinfo answer was refused: {}",
                describe(&other)
            )),
        })?;
    if let Some(groups) = settings.groups_claim.find(&info.additional_claims().all) {
        v.groups = groups;
    }
    if v.preferred_username.is_none() {
        v.preferred_username = info.preferred_username().map(|u| u.to_string());
    }
    if v.email.is_none() {
        v.email = info.email().map(|e| e.to_string());
    }
    Ok(())
}
