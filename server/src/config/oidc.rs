//! Sign-in with the team's identity provider (OpenID Connect), and who may still use a
//! password. Everything is parsed here, at the edge, into the types sign-in works with.

use std::path::PathBuf;

use bosun_frontend::model::Role;
use bosun_frontend::model::sign_in::PasswordLogin;
use url::Url;

use super::values::Secret;

#[derive(clap::Args, Clone, Debug)]
pub struct OidcConfig {
    /// The identity provider's issuer URL (its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`), exactly as the provider names itself
    /// (its ID tokens' `iss`). Unset: no provider sign-in.
    #[arg(long = "oidc-issuer", env = "BOSUN_OIDC_ISSUER", value_parser = parse_issuer, value_name = "URL")]
    pub issuer: Option<String>,

    /// bosun's client id at the provider.
    #[arg(
        long = "oidc-client-id",
        env = "BOSUN_OIDC_CLIENT_ID",
        value_name = "ID"
    )]
    pub client_id: Option<String>,

    /// bosun's client secret at the provider.
    #[arg(
        long = "oidc-client-secret",
        env = "BOSUN_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<Secret>,

    /// A file holding the client secret (e.g. a Docker secret).
    #[arg(
        long = "oidc-client-secret-file",
        env = "BOSUN_OIDC_CLIENT_SECRET_FILE",
        value_name = "FILE",
        conflicts_with = "client_secret"
    )]
    pub client_secret_file: Option<PathBuf>,

    /// The scopes asked for, separated by spaces.
    #[arg(
        long = "oidc-scopes",
        env = "BOSUN_OIDC_SCOPES",
        default_value = "openid profile email groups",
        value_parser = parse_scopes,
        value_name = "SCOPES"
    )]
    pub scopes: Scopes,

    /// The claim that lists the user's groups; a dotted path reaches into nested claims
    /// (e.g. `realm_access.roles`).
    #[arg(
        long = "oidc-groups-claim",
        env = "BOSUN_OIDC_GROUPS_CLAIM",
        default_value = "groups",
        value_parser = parse_claim_path,
        value_name = "CLAIM"
    )]
    pub groups_claim: ClaimPath,

    /// Which groups give which role, e.g. `admin:ops,sre,operator:dev,viewer:*`. The highest
    /// role any of the user's groups gives wins; `*` is every user of the provider.
    #[arg(long = "oidc-roles", env = "BOSUN_OIDC_ROLES", value_parser = parse_role_map, value_name = "MAP")]
    pub roles: Option<RoleMap>,

    /// The label of the sign-in button.
    #[arg(
        long = "oidc-button",
        env = "BOSUN_OIDC_BUTTON",
        default_value = "Sign in with your identity provider",
        value_name = "TEXT"
    )]
    pub button: String,

    /// Create a bosun account at a user's first sign-in through the provider.
    #[arg(long = "oidc-create-users", env = "BOSUN_OIDC_CREATE_USERS", default_value = "true", action = clap::ArgAction::Set, value_parser = super::terminal::parse_on_off, value_name = "true|false")]
    pub create_users: bool,

    /// The header in which a trusted proxy that already signed the user in (Authelia,
    /// oauth2-proxy, an Authentik outpost) names them, e.g. `Remote-User`. Honoured only from
    /// BOSUN_TRUSTED_PROXIES; roles come from BOSUN_OIDC_ROLES.
    #[arg(long = "auth-header", env = "BOSUN_AUTH_HEADER", value_parser = parse_header_name, value_name = "HEADER")]
    pub auth_header: Option<http::HeaderName>,

    /// The header with that user's groups, separated by commas, e.g. `Remote-Groups`.
    #[arg(long = "auth-groups-header", env = "BOSUN_AUTH_GROUPS_HEADER", value_parser = parse_header_name, value_name = "HEADER")]
    pub auth_groups_header: Option<http::HeaderName>,

    /// Who may sign in with a password: `on` (everyone), `admins` (local admins only, the
    /// break-glass when the provider is down) or `off`.
    #[arg(long = "password-login", env = "BOSUN_PASSWORD_LOGIN", default_value = "on", value_parser = parse_password_login, value_name = "on|admins|off")]
    pub password_login: PasswordLogin,
}

/// Scopes, always with `openid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes(pub Vec<String>);

/// A path into the ID token's claims: `groups`, `realm_access.roles`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPath(Vec<String>);

/// Groups to roles: each role with the groups that give it (`None`: every user).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleMap(Vec<(Role, Vec<GroupMatch>)>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupMatch {
    Any,
    Named(String),
}

impl ClaimPath {
    /// The groups at this path in `claims`: an array of strings, or one string; anything else
    /// there is no group. None when `claims` has nothing there (then the provider's userinfo
    /// endpoint may have them).
    pub fn find(&self, claims: &serde_json::Map<String, serde_json::Value>) -> Option<Vec<String>> {
        let mut parts = self.0.iter();
        let mut at = claims.get(parts.next()?);
        for p in parts {
            at = at.and_then(|v| v.get(p));
        }
        match at? {
            serde_json::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            ),
            serde_json::Value::String(one) => Some(vec![one.clone()]),
            _ => Some(Vec::new()),
        }
    }
}

impl RoleMap {
    /// The highest role `groups` give, with the groups that gave it; None when no group maps.
    pub fn role_for(&self, groups: &[String]) -> Option<(Role, Vec<String>)> {
        for role in [Role::Admin, Role::Operator, Role::Viewer] {
            let mut matched = Vec::new();
            let mut any = false;
            for (_, matches) in self.0.iter().filter(|(r, _)| *r == role) {
                for m in matches {
                    match m {
                        GroupMatch::Any => any = true,
                        GroupMatch::Named(g) if groups.contains(g) => {
                            if !matched.contains(g) {
                                matched.push(g.clone());
                            }
                        }
                        GroupMatch::Named(_) => {}
                    }
                }
            }
            if !matched.is_empty() {
                return Some((role, matched));
            }
            if any {
                return Some((role, vec!["*".to_owned()]));
            }
        }
        None
    }
}

/// Kept as written: the provider's `iss` must match it exactly, and a parsed URL would gain a
/// trailing slash.
fn parse_issuer(s: &str) -> Result<String, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("use an https:// URL (http:// only for a provider on loopback)".into()),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("an issuer has no query or fragment".into());
    }
    Ok(s.trim().to_owned())
}

fn parse_scopes(s: &str) -> Result<Scopes, String> {
    let mut scopes: Vec<String> = vec!["openid".to_owned()];
    for scope in s.split_whitespace() {
        if !scope
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        {
            return Err(format!("{scope:?} is not a scope name"));
        }
        if !scopes.iter().any(|have| have == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(Scopes(scopes))
}

fn parse_claim_path(s: &str) -> Result<ClaimPath, String> {
    let parts: Vec<String> = s.trim().split('.').map(str::to_owned).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.chars().any(char::is_whitespace))
    {
        return Err("write a claim name, or a dotted path such as realm_access.roles".into());
    }
    Ok(ClaimPath(parts))
}

/// `admin:a,b,operator:c,viewer:*`: a `role:` starts a role's list; the names after it, up to
/// the next `role:`, are its groups.
fn parse_role_map(s: &str) -> Result<RoleMap, String> {
    let mut map: Vec<(Role, Vec<GroupMatch>)> = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let role_start = item
            .split_once(':')
            .and_then(|(r, g)| r.trim().parse::<Role>().ok().map(|r| (r, g.trim())));
        let group = match role_start {
            Some((role, group)) => {
                map.push((role, Vec::new()));
                group
            }
            None => item,
        };
        let Some((_, groups)) = map.last_mut() else {
            return Err(format!(
                "{item:?} comes before any role: start with admin:, operator: or viewer:"
            ));
        };
        if group.is_empty() {
            return Err("a role needs at least one group, or * for everyone".into());
        }
        groups.push(if group == "*" {
            GroupMatch::Any
        } else {
            GroupMatch::Named(group.to_owned())
        });
    }
    if map.is_empty() {
        return Err("name at least one role, e.g. admin:ops,viewer:*".into());
    }
    Ok(RoleMap(map))
}

fn parse_header_name(s: &str) -> Result<http::HeaderName, String> {
    http::HeaderName::try_from(s.trim()).map_err(|_| format!("{s:?} is not a header name"))
}

fn parse_password_login(s: &str) -> Result<PasswordLogin, String> {
    s.parse()
}

impl OidcConfig {
    /// An empty value (as compose files pass through `${X:-}`) means "not set": an empty
    /// client id or secret is refused by `validate` as missing, not used.
    pub(super) fn drop_empty(&mut self) {
        if self
            .client_id
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            self.client_id = None;
        }
        if self
            .client_secret
            .as_ref()
            .is_some_and(|c| c.expose().is_empty())
        {
            self.client_secret = None;
        }
        if self
            .client_secret_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            self.client_secret_file = None;
        }
    }

    /// What clap cannot check: a provider needs its client and its role map, and turning
    /// passwords off or down needs a provider to sign in with instead.
    pub(super) fn validate(&self, trusted_proxies: bool) -> Result<(), (&'static str, String)> {
        if self.auth_header.is_some() && !trusted_proxies {
            return Err((
                "--auth-header / BOSUN_AUTH_HEADER",
                "is honoured only from trusted proxies: set BOSUN_TRUSTED_PROXIES to the proxy's address".into(),
            ));
        }
        if self.auth_groups_header.is_some() && self.auth_header.is_none() {
            return Err((
                "--auth-groups-header / BOSUN_AUTH_GROUPS_HEADER",
                "needs BOSUN_AUTH_HEADER, the header naming the user".into(),
            ));
        }
        let other_way = self.issuer.is_some() || self.auth_header.is_some();
        if !other_way && self.password_login != PasswordLogin::On {
            return Err((
                "--password-login / BOSUN_PASSWORD_LOGIN",
                "passwords can be limited only when there is another way in (BOSUN_OIDC_ISSUER or BOSUN_AUTH_HEADER): nobody could sign in".into(),
            ));
        }
        if other_way && self.roles.is_none() {
            return Err((
                "--oidc-roles / BOSUN_OIDC_ROLES",
                "is needed with BOSUN_OIDC_ISSUER or BOSUN_AUTH_HEADER: without it no group gives a role, so nobody could sign in (e.g. admin:ops,viewer:*)".into(),
            ));
        }
        if self.issuer.is_none() {
            if self.client_id.is_some() {
                return Err((
                    "--oidc-issuer / BOSUN_OIDC_ISSUER",
                    "the provider's client is given, but not its issuer URL".into(),
                ));
            }
            return Ok(());
        }
        if self.client_id.is_none() {
            return Err((
                "--oidc-client-id / BOSUN_OIDC_CLIENT_ID",
                "is needed with BOSUN_OIDC_ISSUER".into(),
            ));
        }
        if self.client_secret.is_none() && self.client_secret_file.is_none() {
            return Err((
                "--oidc-client-secret / BOSUN_OIDC_CLIENT_SECRET",
                "is needed with BOSUN_OIDC_ISSUER (or BOSUN_OIDC_CLIENT_SECRET_FILE)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn groups(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn role_maps_give_the_highest_role_any_group_gives() {
        let map = parse_role_map("admin:ops,sre, operator:dev ,viewer:*").unwrap();
        assert_eq!(
            map.role_for(&groups(&["dev", "sre"])),
            Some((Role::Admin, groups(&["sre"])))
        );
        assert_eq!(
            map.role_for(&groups(&["dev"])),
            Some((Role::Operator, groups(&["dev"])))
        );
        assert_eq!(
            map.role_for(&groups(&["marketing"])),
            Some((Role::Viewer, groups(&["*"])))
        );
        let strict = parse_role_map("admin:ops").unwrap();
        assert_eq!(strict.role_for(&groups(&["marketing"])), None);
        assert_eq!(strict.role_for(&[]), None);
    }

    #[test]
    fn bad_role_maps_say_what_is_wrong() {
        assert!(
            parse_role_map("ops")
                .unwrap_err()
                .contains("before any role")
        );
        assert!(
            parse_role_map("admin:")
                .unwrap_err()
                .contains("at least one group")
        );
        assert!(parse_role_map("").is_err());
        // An unknown role name is taken as a group of the role before it.
        let map = parse_role_map("admin:root:x").unwrap();
        assert_eq!(
            map.role_for(&groups(&["root:x"])),
            Some((Role::Admin, groups(&["root:x"])))
        );
    }

    #[test]
    fn groups_are_read_at_a_dotted_path() {
        let claims = json!({
            "groups": ["a", "b", 3],
            "realm_access": {"roles": ["ops"]},
            "team": "dev",
        });
        let claims = claims.as_object().unwrap();
        let at = |p: &str| parse_claim_path(p).unwrap().find(claims);
        assert_eq!(at("groups"), Some(groups(&["a", "b"])));
        assert_eq!(at("realm_access.roles"), Some(groups(&["ops"])));
        assert_eq!(at("team"), Some(groups(&["dev"])));
        assert!(at("missing.path").is_none());
        assert!(parse_claim_path("a..b").is_err());
    }

    #[test]
    fn issuers_are_https_except_on_loopback() {
        assert!(parse_issuer("https://id.example.com/realms/ops").is_ok());
        assert!(parse_issuer("http://127.0.0.1:8080").is_ok());
        assert!(parse_issuer("http://id.example.com").is_err());
        assert!(parse_issuer("https://id.example.com/?x=1").is_err());
    }

    #[test]
    fn scopes_always_hold_openid_once() {
        assert_eq!(
            parse_scopes("profile openid groups").unwrap().0,
            groups(&["openid", "profile", "groups"])
        );
    }
}
