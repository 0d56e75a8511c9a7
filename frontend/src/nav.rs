//! The page table: one source for the navigation and for the server's page guard.

use crate::model::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub path: &'static str,
    pub title: &'static str,
    pub role: Role,
    /// Reachable while a generated password still has to be changed.
    pub before_password_change: bool,
    /// In the navigation menu (a page reached from another, such as one container's, is not).
    pub in_menu: bool,
}

const fn page(path: &'static str, title: &'static str, role: Role) -> Page {
    Page {
        path,
        title,
        role,
        before_password_change: false,
        in_menu: true,
    }
}

pub const PAGES: &[Page] = &[
    page("/", "Services", Role::Viewer),
    page("/tasks", "Tasks", Role::Operator),
    page("/logs", "Logs", Role::Viewer),
    page("/backups", "Backups", Role::Viewer),
    page("/certificates", "Certificates", Role::Viewer),
    page("/links", "Links", Role::Viewer),
    page("/audit", "Audit", Role::Admin),
    page("/users", "Users", Role::Admin),
    page("/settings", "Settings", Role::Admin),
    Page {
        path: "/account",
        title: "Account",
        role: Role::Viewer,
        before_password_change: true,
        in_menu: true,
    },
    Page {
        path: "/containers",
        title: "Container",
        role: Role::Viewer,
        before_password_change: false,
        in_menu: false,
    },
];

pub const LOGIN_PATH: &str = "/login";

/// The page a path belongs to (exact match, or a sub-path of a page other than `/`).
pub fn page_for(path: &str) -> Option<&'static Page> {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    PAGES.iter().find(|p| p.path == path).or_else(|| {
        PAGES.iter().filter(|p| p.path != "/").find(|p| {
            path.strip_prefix(p.path)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    })
}

/// Loads `url` as a new page (after a sign-in or a change of duties, so the shell starts
/// fresh with the new session). Does nothing on the server.
pub fn load_page(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_found_by_path() {
        assert_eq!(page_for("/").map(|p| p.title), Some("Services"));
        assert_eq!(page_for("/users").map(|p| p.role), Some(Role::Admin));
        assert_eq!(page_for("/users/").map(|p| p.role), Some(Role::Admin));
        assert_eq!(page_for("/users/7").map(|p| p.role), Some(Role::Admin));
        assert_eq!(page_for("/usersx"), None);
        assert_eq!(page_for("/nope"), None);
    }
}
