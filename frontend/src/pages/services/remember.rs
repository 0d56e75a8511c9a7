//! What this browser remembers of the Services page: the projects folded to their header.
//! Kept in `localStorage`, so it follows the browser rather than the account.

use std::collections::HashSet;

#[cfg(feature = "hydrate")]
const KEY: &str = "bosun.services.collapsed";

/// The folded projects, one name per line (names cannot hold a newline).
pub fn encode(collapsed: &HashSet<String>) -> String {
    let mut names: Vec<&str> = collapsed.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.join("\n")
}

pub fn decode(text: &str) -> HashSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Writes the folded projects; a browser that refuses storage just forgets them.
pub fn save_collapsed(collapsed: &HashSet<String>) {
    let text = encode(collapsed);
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, &text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// The folded projects this browser remembers (none on the server).
pub fn load_collapsed() -> HashSet<String> {
    #[cfg(feature = "hydrate")]
    let stored = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    let stored = String::new();
    decode(&stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_projects_survive_a_round_trip() {
        let set: HashSet<String> = ["shop".to_owned(), "mail stack".to_owned()].into();
        assert_eq!(encode(&set), "mail stack\nshop");
        assert_eq!(decode(&encode(&set)), set);
        assert!(decode("\n  \n").is_empty());
    }
}
