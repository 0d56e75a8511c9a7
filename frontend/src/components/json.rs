//! One JSON decoder for everything the browser reads.
//!
//! Leptos's server functions decode their answers with `serde_json::from_slice`, while a
//! resource's default codec (`JsonSerdeCodec`) decodes the value the server rendered into the
//! page with `serde_json::from_str`. Each is a different deserializer type, so the bundle held
//! two copies of the decoding code of every type read both ways: about 240 KB of the wasm's
//! code before wasm-opt. Resources here use [`Json`], and the live streams parse with
//! [`decode`]: both read bytes, as the server functions do.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON as the server functions write and read it.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        decode(val)
    }
}

/// Parses JSON text with the server functions' deserializer.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_slice(text.as_bytes())
}

/// A resource whose value the server renders into the page, read back with [`Json`].
pub type JsonResource<T> = Resource<T, Json>;

/// `Resource::new` with [`Json`].
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_writes_it_reads_back_escapes_and_all() {
        let value = vec![
            "a \"quoted\" name".to_owned(),
            "ünïcode \u{1F40B}\n".to_owned(),
        ];
        let text = <Json as Encoder<Vec<String>>>::encode(&value).unwrap();
        let back: Vec<String> = <Json as Decoder<Vec<String>>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(decode::<Vec<String>>("[1, 2").is_err());
    }
}
