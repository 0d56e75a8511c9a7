//! Audit (admin): who did what, when, from where, and how it ended.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::audit::list_audit;
use crate::components::error_view::ErrorView;
use crate::model::{AuditOutcome, AuditQuery};

/// The audit log, newest first, filtered by the query string so a filtered view can be shared.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        let nonempty = |k: &str| q.get(k).filter(|v| !v.is_empty());
        AuditQuery {
            actor: nonempty("actor"),
            action: nonempty("action"),
            outcome: nonempty("outcome").and_then(|o| AuditOutcome::parse(&o)),
            before: nonempty("before").and_then(|b| b.parse().ok()),
            limit: None,
        }
    };
    let entries = crate::components::render_once::page_resource(filters, list_audit);
    view! {
        <section class="page">
            <h1>"Audit log"</h1>
            <form method="get" class="filters row">
                <input type="text" name="actor" aria-label="User" placeholder="User" prop:value=move || filters().actor.unwrap_or_default() />
                <input type="text" name="action" aria-label="Action" placeholder="Action, e.g. user." prop:value=move || filters().action.unwrap_or_default() />
                <select name="outcome" aria-label="Outcome">
                    <option value="">"Any outcome"</option>
                    {["ok", "failed", "denied"].into_iter().map(|o| view! {
                        <option value=o selected=move || filters().outcome.map(|x| x.as_str()) == Some(o)>{o}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No entries match."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways"><table data-testid="audit-table">
                                <thead><tr><th>"Time (UTC)"</th><th>"User"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th><th>"Client"</th><th>"Detail"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| view! {
                                        <tr class=format!("outcome-{}", e.outcome.as_str())>
                                            <td>{e.at}</td>
                                            <td>{e.actor}</td>
                                            <td><code>{e.action}</code></td>
                                            <td>{e.target}</td>
                                            <td><span class=format!("badge badge-{}", e.outcome.as_str())>{e.outcome.as_str()}</span></td>
                                            <td>{e.client.unwrap_or_default()}</td>
                                            <td>{e.detail.unwrap_or_default()}
                                                {e.request_id.map(|id| view! { <small class="request-id">" " <code>{id}</code></small> })}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
