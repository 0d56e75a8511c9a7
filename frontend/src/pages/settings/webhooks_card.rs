//! Notifications on the Settings page: targets, "Send test", and how deliveries went.

use leptos::prelude::*;

use crate::api::webhooks::{AddWebhook, DeleteWebhook, TestWebhook, load_webhooks};
use crate::components::error_view::ErrorView;
use crate::format::short_time;
use crate::model::{DeliveryStatus, NotifyEvent, WebhookFormat, WebhooksView};

#[component]
pub fn WebhooksCard() -> impl IntoView {
    let add = ServerAction::<AddWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let test = ServerAction::<TestWebhook>::new();
    let view = crate::components::render_once::page_resource(
        move || {
            (
                add.version().get(),
                delete.version().get(),
                test.version().get(),
            )
        },
        |_| load_webhooks(),
    );
    view! {
        <div class="card" data-testid="webhooks">
            <h2>"Notifications"</h2>
            <p class="muted">
                "bosun sends a webhook when a backup fails, a certificate is close to expiry or fails to renew, a container dies, runs out of memory or turns unhealthy, or sign-ins fail repeatedly. Failed deliveries are retried 4 times over about 6 minutes."
            </p>
            {move || add.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorView error /> })}
            {move || delete.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorView error /> })}
            {move || test.value().get().map(|r| match r {
                Ok(t) if t.delivered => view! {
                    <div class="alert alert-ok" role="status" data-testid="test-result">
                        {format!("Test delivered: the target answered HTTP {} in {} ms.", t.status.unwrap_or_default(), t.took_ms)}
                    </div>
                }.into_any(),
                Ok(t) => view! {
                    <div class="alert alert-error" role="status" data-testid="test-result">
                        {format!("Test not delivered: {}. Check the URL and that bosun can reach it.", t.error.unwrap_or_default())}
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorView error /> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view.await {
                        Ok(v) => view! { <Targets v delete test /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
            <AddForm add />
        </div>
    }
    .into_any()
}

#[component]
fn Targets(
    v: WebhooksView,
    delete: ServerAction<DeleteWebhook>,
    test: ServerAction<TestWebhook>,
) -> impl IntoView {
    view! {
        {if v.webhooks.is_empty() {
            view! { <p class="muted" data-testid="no-webhooks">"No targets yet."</p> }.into_any()
        } else {
            view! {
                <ul class="webhooks">
                    {v.webhooks.into_iter().map(|w| {
                        let id = w.id;
                        let events = w.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
                        view! {
                            <li data-testid="webhook" data-name=w.name.clone()>
                                <strong>{w.name.clone()}</strong>
                                <span class="badge">{w.format.as_str()}</span>
                                <code class="muted">{w.url_shown.clone()}</code>
                                <span class="muted">{events}</span>
                                <span class="row-actions">
                                    <button class="small" data-testid="send-test" disabled=move || test.pending().get()
                                        on:click=move |_| { test.dispatch(TestWebhook { id }); }>"Send test"</button>
                                    <button class="small danger" on:click=move |_| { delete.dispatch(DeleteWebhook { id }); }>"Delete"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {(!v.deliveries.is_empty()).then(|| view! {
            <h3>"Recent deliveries"</h3>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways"><table data-testid="deliveries">
                <thead><tr><th>"When"</th><th>"Target"</th><th>"Event"</th><th>"What"</th><th>"Status"</th></tr></thead>
                <tbody>
                    {v.deliveries.into_iter().map(|d| {
                        let class = match d.status {
                            DeliveryStatus::Delivered => "badge badge-ok",
                            DeliveryStatus::Failed => "badge badge-failed",
                            DeliveryStatus::Pending => "badge badge-busy",
                        };
                        let status = format!(
                            "{} after {} attempt{}{}",
                            d.status.as_str(),
                            d.attempts,
                            if d.attempts == 1 { "" } else { "s" },
                            d.last_error.map(|e| format!(" · {e}")).unwrap_or_default()
                        );
                        view! {
                            <tr data-status=d.status.as_str()>
                                <td>{short_time(&d.created_at)}</td>
                                <td>{d.webhook}</td>
                                <td><code>{d.event.as_str()}</code></td>
                                <td>{d.title}</td>
                                <td><span class=class>{status}</span></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        })}
    }
    .into_any()
}

#[component]
fn AddForm(add: ServerAction<AddWebhook>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let format = RwSignal::new("generic".to_owned());
    let ticks: Vec<(NotifyEvent, RwSignal<bool>)> = NotifyEvent::ALL
        .into_iter()
        .map(|e| (e, RwSignal::new(true)))
        .collect();
    let chosen = ticks.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let events: Vec<&str> = chosen
            .iter()
            .filter(|(_, on)| on.get_untracked())
            .map(|(e, _)| e.as_str())
            .collect();
        add.dispatch(AddWebhook {
            name: name.get_untracked(),
            url: url.get_untracked(),
            format: format.get_untracked(),
            events: events.join(","),
        });
    };
    view! {
        <details class="add-webhook">
            <summary>"Add a target…"</summary>
            <form class="stack" on:submit=submit>
                <label>"Name" <input type="text" required maxlength="64" data-testid="webhook-name"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <label>"URL" <input type="url" required placeholder="https://hooks.slack.com/services/…" data-testid="webhook-url"
                    prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) /></label>
                <label>"Format "
                    <select data-testid="webhook-format" on:change=move |ev| format.set(event_target_value(&ev)) prop:value=move || format.get()>
                        {WebhookFormat::ALL.into_iter().map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset>
                    <legend>"Events"</legend>
                    {ticks.into_iter().map(|(e, on)| view! {
                        <label class="inline-check">
                            <input type="checkbox" prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev)) />
                            {e.title()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="primary" data-testid="add-webhook" disabled=move || add.pending().get()>"Add target"</button>
            </form>
        </details>
    }
    .into_any()
}
