//! The browser's side of a passkey ceremony: the server's options (JSON) into
//! `navigator.credentials.create()` or `.get()`, and the credential back as JSON. The browser's
//! own `PublicKeyCredential.parse*OptionsFromJSON` and `toJSON` do the conversions, so no
//! WebAuthn types are compiled into the bundle.

/// Why the browser's prompt ended without a passkey, in words that say what to do.
fn explain(name: &str) -> String {
    match name {
        "NotAllowedError" | "AbortError" => {
            "The passkey prompt was closed or timed out. Press the button to try again.".into()
        }
        "InvalidStateError" => {
            "This authenticator holds one of your passkeys already: use another one.".into()
        }
        "SecurityError" => {
            "The browser refused passkeys at this address. Open bosun at its host name (not an IP address) over https.".into()
        }
        "BadOptions" => {
            "bosun's passkey request did not make sense to this browser. Reload the page and try again; if it repeats, update the browser.".into()
        }
        "Unsupported" => {
            "This browser cannot use passkeys here. Update it, or use another browser.".into()
        }
        other => format!("The browser could not use a passkey ({other}). Try again."),
    }
}

/// Registers a passkey with the options from `passkey_register_start`.
pub async fn create(options: &str) -> Result<String, String> {
    ceremony(options, "create", "parseCreationOptionsFromJSON").await
}

/// Signs in with a passkey, with the options from `passkey_sign_in_start`.
pub async fn get(options: &str) -> Result<String, String> {
    ceremony(options, "get", "parseRequestOptionsFromJSON").await
}

#[cfg(feature = "hydrate")]
async fn ceremony(options: &str, method: &str, parse: &str) -> Result<String, String> {
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::js_sys::{Function, JSON, Object, Promise, Reflect};

    let unsupported = |_| explain("Unsupported");
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key));
    let global: JsValue = web_sys::js_sys::global().into();
    let class = get(&global, "PublicKeyCredential").map_err(unsupported)?;
    let parse_fn: Function = get(&class, parse)
        .map_err(unsupported)?
        .dyn_into()
        .map_err(unsupported)?;
    let parsed = JSON::parse(options).map_err(|_| explain("BadOptions"))?;
    let public_key = parse_fn
        .call1(&class, &get(&parsed, "publicKey").map_err(unsupported)?)
        .map_err(|_| explain("BadOptions"))?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(unsupported)?;
    let credentials = get(&global, "navigator")
        .and_then(|n| get(&n, "credentials"))
        .map_err(unsupported)?;
    let call: Function = get(&credentials, method)
        .map_err(unsupported)?
        .dyn_into()
        .map_err(unsupported)?;
    let promise: Promise = call
        .call1(&credentials, &request)
        .map_err(unsupported)?
        .dyn_into()
        .map_err(unsupported)?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| {
            let name = get(&e, "name").ok().and_then(|n| n.as_string());
            explain(name.as_deref().unwrap_or("Error"))
        })?;
    if credential.is_null() || credential.is_undefined() {
        return Err(explain("NotAllowedError"));
    }
    let to_json: Function = get(&credential, "toJSON")
        .map_err(unsupported)?
        .dyn_into()
        .map_err(unsupported)?;
    let json = to_json.call0(&credential).map_err(unsupported)?;
    JSON::stringify(&json)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| explain("Error"))
}

/// On the server there is no browser: the pages call this only from event handlers.
#[cfg(not(feature = "hydrate"))]
async fn ceremony(_options: &str, _method: &str, _parse: &str) -> Result<String, String> {
    Err(explain("Unsupported"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ending_says_what_to_do_next() {
        for name in [
            "NotAllowedError",
            "InvalidStateError",
            "SecurityError",
            "Unsupported",
            "Odd",
        ] {
            let text = explain(name);
            assert!(text.ends_with('.'), "{text}");
            assert!(text.len() > 30, "{text}");
        }
        assert!(explain("SecurityError").contains("host name"));
    }
}
