//! One certificate on the Certificates page: its facts, how much of its life is used, what
//! bosun does about it, the renewal running now, and "Renew now" for admins.

use leptos::prelude::*;

use super::ctx::CertsCtx;
use super::renew_form::RenewForm;
use crate::format::short_time;
use crate::model::{CertDto, CertJobDto, CertKind, ManagedDto, ReloadResult};

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
                <span class="badge">{kind_text(cert.kind)}</span>
                {cert.problem.is_none().then(|| view! {
                    <span class=format!("badge urgency-{urgency}") data-testid="days-left">{days_text(&cert)}</span>
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
            <span class="badge badge-busy">{format!("{} by {} · {:.0} s", j.step, j.actor, j.elapsed_ms as f64 / 1000.0)}</span>
            <progress class="progress" aria-label="renewal in progress"></progress>
            {(!j.done.is_empty()).then(|| view! {
                <ol class="steps muted">{j.done.iter().map(|s| view! { <li>{format!("{s} ✓")}</li> }).collect_view()}</ol>
            })}
        </div>
    }
    .into_any()
}
