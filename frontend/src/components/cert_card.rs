//! One certificate on the Certificates page: its facts, how much of its life is used, what
//! bosun does about it, the renewal running now, and "Renew now" for admins. Also the upload form.

use leptos::prelude::*;

use crate::api::certs::{RenewCertificate, UploadCertificate};
use crate::format::short_time;
use crate::model::{CertDto, CertJobDto, CertKind, CertSource, ManagedDto, ReloadResult};
use crate::pages::certificates::CertsCtx;

fn days_text(c: &CertDto) -> String {
    match c.days_left {
        d if c.urgency == crate::model::Urgency::Expired && d < 0 => {
            format!("expired {} days ago", -d)
        }
        _ if c.urgency == crate::model::Urgency::Expired => "not valid now".into(),
        0 => "expires today".into(),
        1 => "1 day left".into(),
        d => format!("{d} days left"),
    }
}

fn kind_text(k: CertKind) -> &'static str {
    match k {
        CertKind::Own => "bosun",
        CertKind::File => "file",
        CertKind::Served => "served",
    }
}

#[component]
pub fn CertCard(cert: CertDto, job: Option<CertJobDto>) -> impl IntoView {
    let c = expect_context::<CertsCtx>();
    let urgency = cert.urgency.as_str();
    let renew_at = c.data.with_untracked(|d| d.renew_at_percent);
    view! {
        <article class=format!("card cert urgency-{urgency}") data-testid="cert" data-id=cert.id.clone()
            data-urgency=urgency data-kind=kind_text(cert.kind)>
            <div class="cert-head">
                <h3 class="cert-title">{cert.title.clone()}</h3>
                <span class="pill">{kind_text(cert.kind)}</span>
                {cert.problem.is_none().then(|| view! {
                    <span class=format!("pill urgency-{urgency}") data-testid="days-left">{days_text(&cert)}</span>
                })}
            </div>
            {cert.problem.clone().map(|p| view! { <div class="alert alert-error" data-testid="cert-problem">{p}</div> })}
            {cert.problem.is_none().then(|| view! { <Lifetime used=cert.lifetime_used renew_at urgency /> })}
            {cert.problem.is_none().then(|| view! { <Facts cert=cert.clone() /> })}
            {cert.managed.clone().map(|m| view! { <Managed m /> })}
            {(!cert.related.is_empty()).then(|| view! {
                <p class="muted related">
                    {if cert.kind == CertKind::Served { "Served from " } else { "Served by " }}
                    {cert.related.join(", ")}
                </p>
            })}
            {job.map(|j| view! { <JobSteps j /> })}
            {(c.admin && !cert.renew_sources.is_empty()).then(|| view! { <RenewForm cert=cert.clone() /> })}
        </article>
    }
    .into_any()
}

/// How much of the lifetime has passed, with the point where bosun renews.
#[component]
fn Lifetime(used: f64, renew_at: f64, urgency: &'static str) -> impl IntoView {
    let pct = (used * 100.0).clamp(0.0, 100.0);
    view! {
        <div class="lifetime" role="meter" aria-valuemin="0" aria-valuemax="100"
            aria-valuenow=format!("{pct:.0}") aria-label=format!("{pct:.0}% of its lifetime used")>
            <span class=format!("lifetime-used urgency-{urgency}") style=format!("width: {pct:.1}%")></span>
            <span class="lifetime-renew" style=format!("left: {renew_at:.1}%") title=format!("renewal at {renew_at:.1}%")></span>
        </div>
        <small class="muted">{format!("{pct:.0}% of its lifetime used")}</small>
    }
    .into_any()
}

#[component]
fn Facts(cert: CertDto) -> impl IntoView {
    view! {
        <dl class="facts cert-facts">
            <dt>"Names"</dt><dd data-testid="sans">{if cert.sans.is_empty() { "none".to_owned() } else { cert.sans.join(", ") }}</dd>
            <dt>"Subject"</dt><dd>{cert.subject.clone()}</dd>
            <dt>"Issuer"</dt><dd>{cert.issuer.clone()}</dd>
            <dt>"Valid"</dt><dd>{format!("{} → {}", short_time(&cert.not_before), short_time(&cert.not_after))}</dd>
            <dt>"Serial"</dt><dd class="serial" data-testid="serial">{cert.serial.clone()}</dd>
            <dt>"Key type"</dt><dd>{cert.key_type.clone()}</dd>
            <dt>"Chain"</dt>
            <dd class=if cert.chain.valid { "ok-text" } else { "warn-text" } data-testid="chain">
                {if cert.chain.valid { "✓ " } else { "✗ " }}{cert.chain.message.clone()}
            </dd>
            {cert.key.clone().map(|k| view! {
                <dt>"Key"</dt>
                <dd class=if k.matches { "ok-text" } else { "error-text" } data-testid="key">
                    {if k.matches { "✓ " } else { "✗ " }}
                    {k.file.map(|f| format!("{f}: ")).unwrap_or_default()}{k.message}
                </dd>
            })}
        </dl>
    }
    .into_any()
}

#[component]
fn Managed(m: ManagedDto) -> impl IntoView {
    let mut line = vec![format!("From {}", m.source.title())];
    if let Some(ch) = m.challenge {
        line.push(ch.as_str().to_owned());
    }
    match &m.renew_after {
        Some(t) => line.push(format!("bosun renews it after {}", short_time(t))),
        None => line.push("bosun does not renew it by itself: renew it from a CA, or upload a new one before it expires".into()),
    }
    if let Some(t) = &m.last_renewed {
        line.push(format!("last renewed {}", short_time(t)));
    }
    view! {
        <div class="managed" data-testid="managed" data-source=m.source.as_str()>
            <p class="muted">{line.join(" · ")}</p>
            {m.last_error.clone().map(|e| view! {
                <div class="alert alert-error" data-testid="renew-failure">
                    {format!(
                        "Renewal failed{} ({} time{}): {e}{}",
                        m.last_error_at.as_deref().map(|t| format!(" {}", short_time(t))).unwrap_or_default(),
                        m.failures,
                        if m.failures == 1 { "" } else { "s" },
                        m.next_attempt.as_deref().map(|t| format!(" bosun tries again after {}.", short_time(t))).unwrap_or_default()
                    )}
                </div>
            })}
            {(!m.reloads.is_empty()).then(|| view! {
                <ul class="reloads" data-testid="reloads">
                    {m.reloads.iter().cloned().map(|r| view! { <Reload r /> }).collect_view()}
                </ul>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn Reload(r: ReloadResult) -> impl IntoView {
    let (class, text) = match (r.ok, r.serving_new) {
        (true, Some(true)) => ("ok-text", "reloaded, serves the new certificate"),
        (true, Some(false)) => (
            "error-text",
            "reloaded, but still serves the old certificate: check which files it reads",
        ),
        (true, None) => ("ok-text", "reloaded"),
        (false, _) => ("error-text", "reload failed"),
    };
    view! {
        <li class=class data-testid="reload">
            <strong>{r.container.clone()}</strong>
            {(!r.how.is_empty()).then(|| view! { " " <code>{r.how.clone()}</code> })}
            {format!(": {text}")}
            {(!r.output.is_empty()).then(|| view! { <pre class="reload-output">{r.output.clone()}</pre> })}
        </li>
    }
    .into_any()
}

#[component]
fn JobSteps(j: CertJobDto) -> impl IntoView {
    view! {
        <div class="job" data-testid="cert-job">
            <span class="pill pill-busy">{format!("{} by {} · {:.0} s", j.step, j.actor, j.elapsed_ms as f64 / 1000.0)}</span>
            <progress class="progress" aria-label="renewal in progress"></progress>
            {(!j.done.is_empty()).then(|| view! {
                <ol class="steps muted">{j.done.iter().map(|s| view! { <li>{format!("{s} ✓")}</li> }).collect_view()}</ol>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn RenewForm(cert: CertDto) -> impl IntoView {
    let c = expect_context::<CertsCtx>();
    let preferred = cert
        .managed
        .as_ref()
        .map(|m| m.source)
        .filter(|s| cert.renew_sources.contains(s))
        .or_else(|| cert.renew_sources.first().copied())
        .unwrap_or(CertSource::InternalCa);
    let source = RwSignal::new(preferred.as_str().to_owned());
    let wanted = cert
        .managed
        .as_ref()
        .map(|m| m.names.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| cert.sans.clone());
    let names = RwSignal::new(wanted.join(", "));
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
    let reload = RwSignal::new(
        listed
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let id = cert.id.clone();
    let busy = move || c.renew.pending().get() || c.upload.pending().get();
    view! {
        <form class="renew" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            c.renew.dispatch(RenewCertificate {
                id: id.clone(),
                source: source.get_untracked(),
                names: names.get_untracked(),
                reload: reload.get_untracked(),
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
            <button type="submit" class="primary" data-testid="renew-now" disabled=busy>"Renew now"</button>
            <small id="names-help" class="muted">
                "Comma-separated DNS names or IPs. Services labelled bosun.cert.reload that mount the certificate's directory are reloaded afterwards; list others one per line as project/service and exec:<command>, signal:<NAME> or restart."
            </small>
        </form>
    }
    .into_any()
}

/// Upload a certificate and key for bosun's own HTTPS or a certificate file (admin).
#[component]
pub fn UploadForm() -> impl IntoView {
    let c = expect_context::<CertsCtx>();
    let target = RwSignal::new("bosun".to_owned());
    let cert_pem = RwSignal::new(String::new());
    let key_pem = RwSignal::new(String::new());
    let options = move || {
        c.data.with(|d| {
            d.certs
                .iter()
                .filter(|x| x.kind != CertKind::Served)
                .map(|x| (x.id.clone(), x.title.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <details class="card upload" data-testid="upload">
            <summary>"Upload a certificate and key…"</summary>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                c.upload.dispatch(UploadCertificate {
                    target: target.get_untracked(),
                    cert_pem: cert_pem.get_untracked(),
                    key_pem: key_pem.get_untracked(),
                });
            }>
                <label>"For "
                    <select data-testid="upload-target" on:change=move |ev| target.set(event_target_value(&ev)) prop:value=move || target.get()>
                        {move || options().into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Certificate chain (PEM, server certificate first)"
                    <textarea rows="6" data-testid="upload-cert" prop:value=move || cert_pem.get()
                        on:input=move |ev| cert_pem.set(event_target_value(&ev))
                        placeholder="-----BEGIN CERTIFICATE-----"></textarea>
                </label>
                <FilePick into=cert_pem label="…or choose the certificate file" />
                <label>"Private key (PEM)"
                    <textarea rows="4" data-testid="upload-key" prop:value=move || key_pem.get()
                        on:input=move |ev| key_pem.set(event_target_value(&ev))
                        placeholder="-----BEGIN PRIVATE KEY-----"></textarea>
                </label>
                <FilePick into=key_pem label="…or choose the key file" />
                <p class="muted">"bosun refuses a key that does not match, an expired or not yet valid certificate, and anything that is not PEM; the current certificate then stays."</p>
                <button type="submit" class="primary" data-testid="upload-submit" disabled=move || c.upload.pending().get()>"Upload"</button>
            </form>
        </details>
    }
    .into_any()
}

/// A file input that reads the chosen (text) file into `into`.
#[component]
fn FilePick(into: RwSignal<String>, label: &'static str) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| read_file(ev, into);
    view! {
        <label class="file-pick">{label} " "
            <input type="file" accept=".pem,.crt,.cer,.key,text/plain" on:change=on_change />
        </label>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
fn read_file(ev: leptos::ev::Event, into: RwSignal<String>) {
    use wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    if file.size() > 64.0 * 1024.0 {
        into.set("(that file is too large for a PEM certificate or key)".into());
        return;
    }
    let promise = file.text();
    leptos::task::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(promise).await
            && let Some(text) = text.as_string()
        {
            into.set(text);
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn read_file(_ev: leptos::ev::Event, _into: RwSignal<String>) {}
