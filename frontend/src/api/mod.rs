//! Server functions: thin doors into the ports. Each endpoint path carries the least role
//! it needs (`/sfn/<role>/<name>`), which the route × role security test reads back;
//! the check itself is the `Actor` the port method demands.

pub mod account;
pub mod audit;
pub mod backup_sets;
pub mod backups;
pub mod certs;
pub mod details;
pub mod engine;
pub mod links;
pub mod logs;
pub mod passkeys;
pub mod services;
pub mod settings;
pub mod stats;
pub mod swarm;
pub mod tasks;
pub mod terminal;
pub mod tokens;
pub mod updates;
pub mod users;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub(crate) mod ctx;

/// A replica count typed into a form: a whole number, or a 400 saying so.
#[cfg(feature = "ssr")]
pub(crate) fn replicas(value: &str) -> Result<u32, crate::error::AppError> {
    value.trim().parse().map_err(|_| {
        crate::error::AppError::bad_request(
            "replicas",
            format!(
                "“{}” is not a number of replicas: enter a whole number such as 3.",
                value
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(20)
                    .collect::<String>()
            ),
        )
    })
}

/// Where a sign-in goes on to: the Account page while a duty waits there (a password to
/// change, a second factor to set up), else `next` if it is safe.
pub fn landing(me: &crate::model::Me, next: Option<&str>) -> String {
    if me.must_change_password || me.must_enrol_totp {
        "/account".to_owned()
    } else {
        safe_next(next)
    }
}

/// Where to go after signing in: only a local path, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Never back to the sign-in page itself: that would look like a failed sign-in.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with(crate::nav::LOGIN_PATH)
                // Browsers drop tabs and newlines from URLs: `/\t/evil` would become `//evil`.
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/users")), "/users");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/login")), "/");
        assert_eq!(safe_next(Some("/login?next=/users")), "/");
    }
}
