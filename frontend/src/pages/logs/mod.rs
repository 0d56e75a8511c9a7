//! Logs: pick a container, a service or a whole project; follow it live, filtered.

mod log_view;
mod scope_picker;

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use self::log_view::LogView;
use self::scope_picker::ScopePicker;
use crate::api::logs::{check_log_query, load_log_targets};
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::model::log_targets::LogTargets;
use crate::model::{RawLogQuery, Role};

/// What the form says, straight from the address bar.
#[derive(Clone, Debug, Default, PartialEq)]
struct Selection {
    scope: String,
    tail: String,
    stream: String,
    grep: String,
    regex: bool,
    timestamps: bool,
    since: String,
    until: String,
}

impl Selection {
    /// `p:PROJECT`, `s:PROJECT/SERVICE`, `c:CONTAINER` or `w:SWARM-SERVICE` → the REST
    /// path of its log.
    fn path(&self) -> Option<String> {
        let (kind, name) = self.scope.split_once(':')?;
        match kind {
            "p" => Some(format!("/api/v1/projects/{}/logs", encode(name))),
            "s" => {
                let (p, s) = name.split_once('/')?;
                Some(format!(
                    "/api/v1/projects/{}/services/{}/logs",
                    encode(p),
                    encode(s)
                ))
            }
            "c" => Some(format!("/api/v1/containers/{}/logs", encode(name))),
            "w" => Some(format!("/api/v1/swarm/services/{}/logs", encode(name))),
            _ => None,
        }
    }

    fn raw(&self) -> RawLogQuery {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        RawLogQuery {
            tail: some(&self.tail),
            stream: some(&self.stream),
            grep: some(&self.grep),
            since: some(&self.since),
            until: some(&self.until),
            regex: Some(self.regex.to_string()),
            timestamps: Some(self.timestamps.to_string()),
            follow: Some("true".to_owned()),
        }
    }

    fn query(&self, follow: bool) -> String {
        let mut q = format!(
            "tail={}&stream={}&timestamps={}&regex={}",
            encode(if self.tail.is_empty() {
                "500"
            } else {
                &self.tail
            }),
            encode(if self.stream.is_empty() {
                "all"
            } else {
                &self.stream
            }),
            self.timestamps,
            self.regex
        );
        for (key, value) in [
            ("grep", &self.grep),
            ("since", &self.since),
            ("until", &self.until),
        ] {
            if !value.is_empty() {
                q.push_str(&format!("&{key}={}", encode(value)));
            }
        }
        if follow {
            q.push_str("&follow=true");
        }
        q
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn LogsPage() -> impl IntoView {
    let query = use_query_map();
    let selection = Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).map(|v| v.to_string()).unwrap_or_default();
            Selection {
                scope: get("scope"),
                tail: get("tail"),
                stream: get("stream"),
                grep: get("grep"),
                regex: get("regex") == "true",
                timestamps: get("timestamps") == "true",
                since: get("since"),
                until: get("until"),
            }
        })
    });
    let can_download =
        use_context::<CurrentUser>().is_some_and(|u| u.0.role.allows(Role::Operator));
    let targets = crate::components::render_once::page_resource(|| (), |_| load_log_targets());
    let checked = crate::components::render_once::page_resource(
        move || selection.get(),
        |s| async move {
            if s.path().is_none() {
                return Ok(false);
            }
            check_log_query(s.raw()).await.map(|_| true)
        },
    );
    view! {
        <section class="page">
            <h1>"Logs"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match targets.await {
                        Ok(t) => view! { <Picker targets=t selection=selection.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let s = selection.get_untracked();
                    match checked.await {
                        Ok(true) => {
                            let path = s.path().unwrap_or_default();
                            let url = format!("{path}?{}", s.query(true));
                            let download = format!("{path}/download?{}", s.query(false));
                            view! {
                                {can_download.then(|| view! {
                                    <p><a class="button small" href=download data-testid="download" download>"Download .log"</a></p>
                                })}
                                <LogView url timestamps=s.timestamps />
                            }.into_any()
                        }
                        Ok(false) => view! {
                            <p class="empty">"Choose a project, a service or a container above, then Show. A service or project shows all its containers merged in time order, each line marked with service and container number."</p>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The form: what to show and how. A plain GET form, so the address bar keeps the choice.
#[component]
fn Picker(targets: LogTargets, selection: Selection) -> impl IntoView {
    let can_read_whole =
        use_context::<CurrentUser>().is_some_and(|u| u.0.role.allows(Role::Operator));
    let current = selection.scope.clone();
    view! {
        <Form method="GET" action="/logs" attr:class="card log-form" attr:data-testid="log-form">
            <div class="wide scope-field">
                <label for="scope-search">"Show"</label>
                <ScopePicker targets current />
            </div>
            <label>"Filter"
                <input type="search" name="grep" value=selection.grep.clone() placeholder="text to look for" data-testid="grep" />
            </label>
            <label class="inline-check"><input type="checkbox" name="regex" value="true" checked=selection.regex />" regex"</label>
            <label>"Streams"
                <select name="stream">
                    {[("all", "stdout + stderr"), ("stdout", "stdout only"), ("stderr", "stderr only")].into_iter().map(|(v, l)| {
                        let selected = selection.stream == v || (selection.stream.is_empty() && v == "all");
                        view! { <option value=v selected=selected>{l}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Last lines"
                <input type="number" name="tail" min="0"
                    max=if can_read_whole { crate::model::logs::MAX_TAIL } else { crate::model::logs::VIEWER_TAIL }.to_string()
                    title=(!can_read_whole).then(|| format!("Viewers read up to {} lines per container at once; operators can read more (audited).", crate::model::logs::VIEWER_TAIL))
                    value=if selection.tail.is_empty() { "500".to_owned() } else { selection.tail.clone() } />
            </label>
            <label>"Since"
                <input type="text" name="since" value=selection.since.clone() placeholder="15m, 2h or 2026-11-22T08:00:00Z" size="14" />
            </label>
            <label>"Until"
                <input type="text" name="until" value=selection.until.clone() placeholder="empty: now, and follow" size="14" />
            </label>
            <label class="inline-check"><input type="checkbox" name="timestamps" value="true" checked=selection.timestamps />" times"</label>
            <button type="submit" class="primary" data-testid="show">"Show"</button>
        </Form>
    }
}
