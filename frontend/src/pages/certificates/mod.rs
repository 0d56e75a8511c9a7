//! Certificates: every certificate that matters, worst first, live; renewal and upload for admins.

mod cert_card;
mod cert_timeline;
mod ctx;
mod renew_form;
mod upload_form;

use leptos::prelude::*;

use self::cert_card::CertCard;
use self::cert_timeline::Timeline;
use self::ctx::CertsCtx;
use self::upload_form::UploadForm;
use crate::api::certs::load_certificates;
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::components::sse::{Stream, follow};
use crate::format::short_time;
use crate::model::{CertificatesView, Role, Urgency};

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let role = use_context::<CurrentUser>().map(|u| u.0.role);
    let first = crate::components::render_once::page_resource(|| (), |_| load_certificates());
    view! {
        <section class="page">
            <div class="page-head"><h1>"Certificates"</h1></div>
            <p class="muted">
                "bosun's own HTTPS certificate, certificate files in the directories it watches, and what the stack's services present on their TLS ports — worst first."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(view) => view! { <Live first=view admin=role.is_some_and(|r| r.allows(Role::Admin)) /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn Live(first: CertificatesView, admin: bool) -> impl IntoView {
    let c = CertsCtx {
        admin,
        renew: ServerAction::new(),
        upload: ServerAction::new(),
        data: RwSignal::new(first),
        drafts: StoredValue::new(Default::default()),
    };
    provide_context(c);
    // A renewal went through: its form starts again from the certificate's new values.
    Effect::new(move |_| {
        if let Some(Ok(report)) = c.renew.value().get() {
            c.drafts.update_value(|d| {
                d.remove(&report.id);
            });
        }
    });
    let state = RwSignal::new(Stream::Connecting);
    follow::<CertificatesView>("/api/v1/certificates/events", state, move |v| c.data.set(v));
    let live = move || match state.get() {
        Stream::Live => ("live", "live"),
        Stream::Connecting => ("connecting", "connecting…"),
        Stream::Lost => ("lost", "reconnecting…"),
    };
    let count = move |u: Urgency| {
        c.data
            .with(|d| d.certs.iter().filter(|x| x.urgency == u).count())
    };
    view! {
        <p class="muted stream-state" data-testid="stream" data-state=move || live().0>{move || live().1}</p>
        <Results c />
        {move || c.data.with(|d| d.warnings.iter().map(|w| view! {
            <p class="alert banner-warn" role="status" data-testid="cert-warning">{w.clone()}</p>
        }).collect_view())}
        <div class="cert-summary" data-testid="cert-summary">
            {[Urgency::Expired, Urgency::Critical, Urgency::Warning, Urgency::Ok].into_iter().map(|u| view! {
                <span class=format!("badge urgency-{}", u.as_str())>{move || count(u)} " " {u.as_str()}</span>
            }).collect_view()}
        </div>
        <Timeline />
        <Settings />
        {move || c.data.with(|d| {
            if d.certs.is_empty() {
                return view! {
                    <p class="empty">
                        "No certificates found. bosun shows its own HTTPS certificate, files in BOSUN_CERT_DIRS, and services' TLS ports (443, 8443, … or the label "
                        <code>"bosun.cert.ports"</code> ")."
                    </p>
                }.into_any();
            }
            view! {
                <div class="certs">
                    {d.certs.iter().cloned().map(|cert| {
                        let job = d.jobs.iter().find(|j| j.cert_id == cert.id).cloned();
                        view! { <CertCard cert job /> }
                    }).collect_view()}
                </div>
            }.into_any()
        })}
        {c.admin.then(|| view! { <UploadForm /> })}
    }
    .into_any()
}

/// The thresholds, the watched directories, ACME and the internal CA (with its root).
#[component]
fn Settings() -> impl IntoView {
    let c = expect_context::<CertsCtx>();
    view! {
        {move || c.data.with(|d| view! {
            <details class="card cert-settings">
                <summary>
                    {format!(
                        "Warn {} days before expiry, critical at {}; bosun renews what it manages after {:.1}% of the lifetime.",
                        d.warn_days, d.critical_days, d.renew_at_percent
                    )}
                </summary>
                <dl class="facts">
                    <dt>"Watched directories"</dt>
                    <dd>{if d.dirs.is_empty() { "none (set BOSUN_CERT_DIRS)".to_owned() } else { d.dirs.join(", ") }}</dd>
                    <dt>"ACME"</dt>
                    <dd>{match &d.acme.directory {
                        Some(dir) => format!(
                            "{dir} · {}",
                            if d.acme.challenges.is_empty() { "no challenge configured".to_owned() }
                            else { d.acme.challenges.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ") }
                        ),
                        None => "not configured (BOSUN_ACME_DIRECTORY)".to_owned(),
                    }}</dd>
                    {d.ca.clone().map(|ca| view! {
                        <dt>"Internal CA"</dt>
                        <dd>
                            {format!("{} · valid until {}", ca.subject, short_time(&ca.not_after))}
                            <br /><small class="muted fingerprint">{format!("SHA-256 {}", ca.fingerprint)}</small>
                        </dd>
                    })}
                </dl>
                <p>
                    <a class="button" href="/api/v1/ca.pem" download="bosun-ca.pem" data-testid="ca-download">"Download the CA root (bosun-ca.pem)"</a>
                    " Import it once as a trusted authority in browsers and clients; certificates from bosun's internal CA are then trusted."
                </p>
            </details>
        })}
    }
    .into_any()
}

/// What the last renewal or upload did.
#[component]
fn Results(c: CertsCtx) -> impl IntoView {
    let report = |what: &str, r: crate::model::RenewReport| {
        let reloads: Vec<String> = r
            .reloads
            .iter()
            .map(|l| {
                format!(
                    "{} {}{}",
                    l.container,
                    if l.ok { "reloaded" } else { "NOT reloaded" },
                    match l.serving_new {
                        Some(true) => " and serves the new certificate",
                        Some(false) => " but still serves the old certificate",
                        None => "",
                    }
                )
            })
            .collect();
        let ok = r
            .reloads
            .iter()
            .all(|l| l.ok && l.serving_new != Some(false));
        let text = format!(
            "{what} {}: serial {}, valid until {} (from {}, {:.1} s).{}",
            r.id,
            r.serial,
            short_time(&r.not_after),
            r.source.title(),
            r.took_ms as f64 / 1000.0,
            if reloads.is_empty() {
                String::new()
            } else {
                format!(" {}.", reloads.join("; "))
            }
        );
        view! {
            <div class=if ok { "alert alert-ok" } else { "alert alert-error" } role="status" data-testid="renew-result">{text}</div>
        }
        .into_any()
    };
    view! {
        {move || c.renew.value().get().map(|r| match r {
            Ok(r) => report("Renewed", r),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.upload.value().get().map(|r| match r {
            Ok(r) => report("Uploaded to", r),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
    }
    .into_any()
}
