//! Which projects show their services and which are folded to their header.
//!
//! On a host with a handful of services every project starts open. On a crowded one (more
//! service rows than [`CROWDED_ROWS`]) every project starts folded, so the first screen is a
//! list of projects with their counts rather than thousands of rows; the filter still finds
//! any service. What the user chose, either way, is remembered by this browser in
//! `localStorage` and wins over the default.

use std::collections::HashSet;

use crate::model::Overview;

/// More service rows than this and projects start folded: about 30 DOM nodes a row keeps
/// the page under 5,000 nodes.
pub const CROWDED_ROWS: usize = 120;

/// The rows the page would show with every project open ("Other" is one row).
pub fn rows(o: &Overview) -> usize {
    o.projects.iter().map(|p| p.services.len()).sum::<usize>() + usize::from(!o.other.is_empty())
}

pub fn crowded(o: &Overview) -> bool {
    rows(o) > CROWDED_ROWS
}

/// The user's own choices: folded by hand, and opened by hand (on a crowded host).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folds {
    pub folded: HashSet<String>,
    pub opened: HashSet<String>,
}

impl Folds {
    /// Whether the project shows only its header; `crowded` is the default.
    pub fn is_folded(&self, project: &str, crowded: bool) -> bool {
        if self.folded.contains(project) {
            true
        } else if self.opened.contains(project) {
            false
        } else {
            crowded
        }
    }

    /// The header was clicked: the other state, remembered as a choice.
    pub fn toggle(&mut self, project: &str, crowded: bool) {
        let fold = !self.is_folded(project, crowded);
        self.choose(project, fold);
    }

    /// Every project to one state, as a choice (the "Open all" and "Fold all" buttons).
    pub fn set_all<'a>(&mut self, projects: impl Iterator<Item = &'a str>, fold: bool) {
        for p in projects {
            self.choose(p, fold);
        }
    }

    /// One project folded or opened by the user: that choice only, the other one dropped.
    fn choose(&mut self, project: &str, fold: bool) {
        self.folded.remove(project);
        self.opened.remove(project);
        let chosen = if fold {
            &mut self.folded
        } else {
            &mut self.opened
        };
        chosen.insert(project.to_owned());
    }
}

#[cfg(feature = "hydrate")]
const FOLDED_KEY: &str = "bosun.services.collapsed";
#[cfg(feature = "hydrate")]
const OPENED_KEY: &str = "bosun.services.opened";

/// Project names, one per line (names cannot hold a newline).
pub fn encode(names: &HashSet<String>) -> String {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.join("\n")
}

#[cfg(any(feature = "hydrate", test))]
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

/// Writes the choices; a browser that refuses storage just forgets them.
pub fn save(folds: &Folds) {
    let (folded, opened) = (encode(&folds.folded), encode(&folds.opened));
    #[cfg(feature = "hydrate")]
    if let Some(s) = storage() {
        let _ = s.set_item(FOLDED_KEY, &folded);
        let _ = s.set_item(OPENED_KEY, &opened);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (folded, opened);
}

/// The choices this browser remembers (none on the server).
pub fn load() -> Folds {
    #[cfg(feature = "hydrate")]
    let read = |key: &str| {
        decode(
            &storage()
                .and_then(|s| s.get_item(key).ok().flatten())
                .unwrap_or_default(),
        )
    };
    #[cfg(feature = "hydrate")]
    return Folds {
        folded: read(FOLDED_KEY),
        opened: read(OPENED_KEY),
    };
    #[cfg(not(feature = "hydrate"))]
    Folds::default()
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

    #[test]
    fn projects_start_open_on_a_small_host_and_folded_on_a_crowded_one() {
        let f = Folds::default();
        assert!(!f.is_folded("shop", false));
        assert!(f.is_folded("shop", true));
    }

    #[test]
    fn a_choice_wins_over_the_default_either_way() {
        let mut f = Folds::default();
        f.toggle("shop", true);
        assert!(
            !f.is_folded("shop", true),
            "opened by hand on a crowded host"
        );
        assert!(
            !f.is_folded("shop", false),
            "still open when the host shrinks"
        );
        f.toggle("shop", true);
        assert!(f.is_folded("shop", false), "folded by hand stays folded");
        assert!(f.opened.is_empty() && f.folded.len() == 1);
        f.toggle("mail", false);
        assert!(f.is_folded("mail", false) && f.is_folded("mail", true));
    }

    #[test]
    fn open_all_and_fold_all_are_choices_for_every_project() {
        let mut f = Folds::default();
        f.toggle("a", false);
        f.set_all(["a", "b"].into_iter(), false);
        assert!(!f.is_folded("a", true) && !f.is_folded("b", true));
        f.set_all(["a", "b"].into_iter(), true);
        assert!(f.is_folded("a", false) && f.is_folded("b", false));
        assert!(f.opened.is_empty());
    }

    fn overview(services_per_project: &[usize], other: usize) -> Overview {
        let service = |n: usize| serde_json::json!({"name": format!("s{n}"), "image": "busybox", "running": 0, "containers": [], "links": []});
        let projects: Vec<_> = services_per_project
            .iter()
            .enumerate()
            .map(|(i, n)| serde_json::json!({"name": format!("p{i}"), "networks": [], "services": (0..*n).map(service).collect::<Vec<_>>()}))
            .collect();
        let container = serde_json::json!({"id": "x", "name": "x", "oneoff": false, "state": "exited", "status": "", "image": "busybox", "ports": [], "restart_count": 0, "oom_killed": false});
        serde_json::from_value(serde_json::json!({
            "projects": projects, "other": vec![container; other],
            "engine": {"connected": true}, "max_replicas": 10
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_host_is_crowded_past_the_row_budget_counting_other_once() {
        assert_eq!(rows(&overview(&[], 0)), 0);
        assert_eq!(rows(&overview(&[3, 4], 50)), 8);
        assert!(!crowded(&overview(&[60, 60], 0)));
        assert!(crowded(&overview(&[60, 60], 1)));
        assert!(
            crowded(&overview(&[10; 20], 0)),
            "the 10,000-container bench's shape"
        );
    }
}
