//! Uploading a certificate and its key (admin), pasted or read from files in the browser.

use leptos::prelude::*;

use super::ctx::CertsCtx;
use crate::api::certs::UploadCertificate;
use crate::model::CertKind;

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
