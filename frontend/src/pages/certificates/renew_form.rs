//! "Renew now" on a certificate card (admin): from which source, for which names, and which
//! services to reload afterwards. From bosun's internal CA, the names are shown with a box to
//! confirm them; a name it has not issued for this certificate before and that
//! `BOSUN_CA_ALLOWED_NAMES` does not allow must be confirmed before the form is sent.

use leptos::prelude::*;

use super::ctx::{CertsCtx, RenewDraft};
use crate::api::certs::RenewCertificate;
use crate::model::{CertDto, CertKind, CertSource};

#[component]
pub fn RenewForm(cert: CertDto) -> impl IntoView {
    let c = expect_context::<CertsCtx>();
    let preferred = cert
        .managed
        .as_ref()
        .map(|m| m.source)
        .filter(|s| cert.renew_sources.contains(s))
        .or_else(|| cert.renew_sources.first().copied())
        .unwrap_or(CertSource::InternalCa);
    let wanted = cert
        .managed
        .as_ref()
        .map(|m| m.names.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| cert.sans.clone());
    let unconfirmed = cert.unconfirmed_names.clone();
    // A served certificate renews the file it comes from: that file's list is the one to show
    // (and to keep, as an empty field clears it).
    let listed = cert
        .managed
        .as_ref()
        .map(|m| m.reload_with.clone())
        .or_else(|| {
            c.data.with_untracked(|d| {
                d.certs
                    .iter()
                    .find(|f| f.kind == CertKind::File && cert.related.contains(&f.title))
                    .and_then(|f| f.managed.as_ref())
                    .map(|m| m.reload_with.clone())
            })
        });
    let defaults = RenewDraft {
        source: preferred.as_str().to_owned(),
        names: wanted.join(", "),
        reload: listed
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        confirm: false,
        unconfirmed: unconfirmed.clone(),
    };
    // What the admin typed before the last live update redrew this card, else the
    // certificate's own values. A tick for other names than these is not kept.
    let mut start = c
        .drafts
        .with_value(|d| d.get(&cert.id).cloned())
        .unwrap_or_else(|| defaults.clone());
    start.confirm &= start.unconfirmed == unconfirmed;
    start.unconfirmed = unconfirmed.clone();
    let source = RwSignal::new(start.source);
    let names = RwSignal::new(start.names);
    let reload = RwSignal::new(start.reload);
    let confirm = RwSignal::new(start.confirm);
    let id = cert.id.clone();
    // Kept as it is typed, for the next redraw; a form as the certificate has it keeps nothing.
    let key = cert.id.clone();
    Effect::new(move |_| {
        let now = RenewDraft {
            source: source.get(),
            names: names.get(),
            reload: reload.get(),
            confirm: confirm.get(),
            unconfirmed: defaults.unconfirmed.clone(),
        };
        c.drafts.update_value(|d| {
            if now == defaults {
                d.remove(&key);
            } else {
                d.insert(key.clone(), now);
            }
        });
    });
    let help = format!("confirm-help-{}", cert.id);
    let busy = move || c.renew.pending().get() || c.upload.pending().get();
    // The names as they will be sent, one per comma, to show beside the box.
    let listed = move || {
        names.with(|n| {
            n.split([',', '\n', ' '])
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let from_ca = move || source.get() == CertSource::InternalCa.as_str();
    view! {
        <form class="renew" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            c.renew.dispatch(RenewCertificate {
                id: id.clone(),
                source: source.get_untracked(),
                names: names.get_untracked(),
                reload: reload.get_untracked(),
                confirm: from_ca() && confirm.get_untracked(),
            });
        }>
            <label class="inline">"From "
                <select data-testid="renew-source" on:change=move |ev| source.set(event_target_value(&ev)) prop:value=move || source.get()>
                    {cert.renew_sources.iter().map(|s| view! { <option value=s.as_str()>{s.title()}</option> }).collect_view()}
                </select>
            </label>
            <label class="inline names">"Names "
                <input type="text" data-testid="renew-names" prop:value=move || names.get()
                    on:input=move |ev| names.set(event_target_value(&ev)) aria-describedby="names-help" />
            </label>
            <label class="reload-with">"Also reload afterwards "
                <textarea rows="2" data-testid="renew-reload" prop:value=move || reload.get()
                    on:input=move |ev| reload.set(event_target_value(&ev)) aria-describedby="names-help"
                    placeholder="shop/proxy exec:nginx -s reload"></textarea>
            </label>
            {move || from_ca().then(|| {
                let (help, unconfirmed) = (help.clone(), unconfirmed.clone());
                let required = !unconfirmed.is_empty();
                view! {
                    <div class="confirm confirm-names" data-testid="renew-confirm-box">
                        {required.then(|| view! {
                            <p id=help.clone() class="warn" data-testid="renew-unconfirmed">
                                "bosun's internal CA has not issued these names for this certificate, and BOSUN_CA_ALLOWED_NAMES does not allow them: "
                                <strong>{unconfirmed.join(", ")}</strong>
                                ". They come from the service's labels or the file, which others may be able to write: check that they belong to this service."
                            </p>
                        })}
                        <label class="inline-check">
                            <input type="checkbox" data-testid="renew-confirm" required=required
                                aria-describedby=required.then_some(help)
                                prop:checked=move || confirm.get()
                                on:change=move |ev| confirm.set(event_target_checked(&ev)) />
                            " Issue for exactly these names: "
                            <span data-testid="renew-confirm-names">{listed}</span>
                        </label>
                    </div>
                }
            })}
            <button type="submit" class="primary" data-testid="renew-now" disabled=busy>"Renew now"</button>
            <small id="names-help" class="muted">
                "Comma-separated DNS names or IPs. Services labelled bosun.cert.reload that mount the certificate's directory are reloaded afterwards; list others one per line as project/service and exec:<command>, signal:<NAME> or restart."
            </small>
        </form>
    }
    .into_any()
}
