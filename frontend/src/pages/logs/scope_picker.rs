//! What to read, chosen by typing: a searchable list of every project, service and container,
//! with this browser's recent choices first. The chosen scope goes into the form as the hidden
//! `scope` field, so the address bar keeps it as before.

use leptos::prelude::*;

use crate::model::log_targets::LogTargets;

/// One choice: the form value (`p:…`, `s:…/…`, `c:…`, `w:…`) and how it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Every project, service and container on the host, in the engine's order.
pub fn choices(targets: &LogTargets, current: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut push = |value: String, label: String| out.push(Choice { value, label });
    for p in &targets.projects {
        push(
            format!("p:{}", p.name),
            format!("{} — whole project", p.name),
        );
        for s in &p.services {
            push(
                format!("s:{}/{}", p.name, s.name),
                format!("{} / {}", p.name, s.name),
            );
            if s.containers.len() > 1 {
                for c in &s.containers {
                    let n = c.number.map(|n| format!(" #{n}")).unwrap_or_default();
                    push(
                        format!("c:{}", c.name),
                        format!("{} / {}{n} — {}", p.name, s.name, c.name),
                    );
                }
            }
        }
    }
    for name in &targets.other {
        push(format!("c:{name}"), format!("{name} (no project)"));
    }
    // Swarm services are opened from their card on the Services page.
    if let Some(name) = current.strip_prefix("w:") {
        push(current.to_owned(), format!("{name} (Swarm service)"));
    }
    out
}

/// What the list shows for `typed`: every word must appear (in any order); recent choices
/// first, most recent on top, then the rest in order. At most `limit`.
pub fn shown(all: &[Choice], recent: &[String], typed: &str, limit: usize) -> Vec<Choice> {
    let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
    let fits = |c: &Choice| {
        let hay = format!("{} {}", c.label, c.value).to_lowercase();
        words.iter().all(|w| hay.contains(w))
    };
    let mut out: Vec<Choice> = recent
        .iter()
        .filter_map(|r| all.iter().find(|c| &c.value == r))
        .filter(|c| fits(c))
        .cloned()
        .collect();
    out.extend(
        all.iter()
            .filter(|c| fits(c) && !recent.contains(&c.value))
            .cloned(),
    );
    out.truncate(limit);
    out
}

/// `value` first, then the earlier ones, at most 8 (the text kept in `localStorage`).
pub fn remember(recent: &[String], value: &str) -> Vec<String> {
    let mut out = vec![value.to_owned()];
    out.extend(recent.iter().filter(|r| *r != value).cloned());
    out.truncate(8);
    out
}

#[cfg(feature = "hydrate")]
const KEY: &str = "bosun.logs.recent";

fn load_recent() -> Vec<String> {
    #[cfg(feature = "hydrate")]
    let text = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    let text = String::new();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn save_recent(recent: &[String]) {
    let text = recent.join("\n");
    #[cfg(feature = "hydrate")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(KEY, &text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

#[component]
pub fn ScopePicker(targets: LogTargets, current: String) -> impl IntoView {
    let all = choices(&targets, &current);
    let label_of = |v: &str| all.iter().find(|c| c.value == v).map(|c| c.label.clone());
    let value = RwSignal::new(current.clone());
    let typed = RwSignal::new(label_of(&current).unwrap_or_default());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let recent = RwSignal::new(Vec::<String>::new());
    // The browser's recent choices; the one shown now becomes the most recent.
    Effect::new(move |_| {
        let mut r = load_recent();
        let now = value.get_untracked();
        if !now.is_empty() {
            r = remember(&r, &now);
            save_recent(&r);
        }
        recent.set(r);
    });
    let list = {
        let all = all.clone();
        Memo::new(move |_| {
            // While the box shows the chosen label unchanged, every choice is offered.
            let q = typed.get();
            let q = if all.iter().any(|c| c.label == q) {
                String::new()
            } else {
                q
            };
            recent.with(|r| shown(&all, r, &q, 60))
        })
    };
    let pick = move |c: Choice| {
        let r = recent.with_untracked(|r| remember(r, &c.value));
        save_recent(&r);
        recent.set(r);
        value.set(c.value);
        typed.set(c.label);
        open.set(false);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = list.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + 1).min(n.saturating_sub(1)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" if open.get_untracked() => {
                ev.prevent_default();
                if let Some(c) = list.with(|l| l.get(active.get_untracked()).cloned()) {
                    pick(c);
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let option_id = |i: usize| format!("scope-option-{i}");
    view! {
        <div class="scope-picker">
            <input type="hidden" name="scope" prop:value=move || value.get() />
            <input type="text" id="scope-search" role="combobox" data-testid="scope" autocomplete="off"
                aria-autocomplete="list" aria-controls="scope-options" aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || open.get().then(|| option_id(active.get()))
                placeholder="Type a project, service or container"
                prop:value=move || typed.get()
                on:input=move |ev| {
                    typed.set(event_target_value(&ev));
                    active.set(0);
                    open.set(true);
                }
                on:focus=move |_| open.set(true)
                on:keydown=on_key
                on:blur=move |_| open.set(false) />
            <ul id="scope-options" role="listbox" aria-label="Projects, services and containers" class="scope-options"
                hidden=move || !open.get()>
                {move || {
                    let r = recent.get();
                    let items = list.get();
                    if items.is_empty() {
                        return view! { <li class="muted scope-none">"Nothing matches: try part of a name."</li> }.into_any();
                    }
                    items.into_iter().enumerate().map(|(i, c)| {
                        let is_recent = r.contains(&c.value);
                        let chosen = c.clone();
                        view! {
                            <li role="option" id=option_id(i) data-value=c.value.clone()
                                aria-selected=move || (active.get() == i).to_string()
                                class:recent=is_recent
                                on:mousedown=move |ev| {
                                    // Before the box's blur closes the list.
                                    ev.prevent_default();
                                    pick(chosen.clone());
                                }>
                                {c.label.clone()}
                                {is_recent.then(|| view! { <span class="badge">"recent"</span> })}
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(value: &str, label: &str) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
        }
    }

    #[test]
    fn every_project_service_and_replica_is_a_choice() {
        use crate::model::log_targets::{TargetContainer, TargetProject, TargetService};
        let container = |name: &str, number| TargetContainer {
            name: name.into(),
            number: Some(number),
        };
        let targets = LogTargets {
            projects: vec![TargetProject {
                name: "shop".into(),
                services: vec![
                    TargetService {
                        name: "db".into(),
                        containers: vec![container("shop-db-1", 1)],
                    },
                    TargetService {
                        name: "web".into(),
                        containers: vec![container("shop-web-1", 1), container("shop-web-2", 2)],
                    },
                ],
            }],
            other: vec!["loose".into()],
        };
        let all = choices(&targets, "w:stack_api");
        let values: Vec<_> = all.iter().map(|c| c.value.as_str()).collect();
        // One replica is its service: only a service with several lists them one by one.
        assert_eq!(
            values,
            [
                "p:shop",
                "s:shop/db",
                "s:shop/web",
                "c:shop-web-1",
                "c:shop-web-2",
                "c:loose",
                "w:stack_api"
            ]
        );
        assert_eq!(all[4].label, "shop / web #2 — shop-web-2");
        assert_eq!(all[5].label, "loose (no project)");
    }

    #[test]
    fn typing_narrows_and_recent_choices_come_first() {
        let all = vec![
            c("p:shop", "shop — whole project"),
            c("s:shop/web", "shop / web"),
            c("s:shop/db", "shop / db"),
            c("s:mail/web", "mail / web"),
        ];
        let recent = vec!["s:mail/web".to_owned()];
        let values = |l: Vec<Choice>| l.into_iter().map(|c| c.value).collect::<Vec<_>>();
        assert_eq!(values(shown(&all, &recent, "", 10))[0], "s:mail/web");
        assert_eq!(
            values(shown(&all, &recent, "web", 10)),
            ["s:mail/web", "s:shop/web"]
        );
        assert_eq!(values(shown(&all, &recent, "WEB shop", 10)), ["s:shop/web"]);
        assert!(shown(&all, &recent, "nothing", 10).is_empty());
        assert_eq!(shown(&all, &[], "", 2).len(), 2);
    }

    #[test]
    fn the_recent_list_keeps_eight_without_repeats() {
        let mut r = Vec::new();
        for i in 0..10 {
            r = remember(&r, &format!("p:{i}"));
        }
        r = remember(&r, "p:5");
        assert_eq!(r.len(), 8);
        assert_eq!(r[0], "p:5");
        assert_eq!(r.iter().filter(|v| *v == "p:5").count(), 1);
    }
}
