//! The site's files under `/pkg`. The bundle (JS glue, the core wasm, the lazy routes'
//! chunks and their loader, the CSS) sits in a directory named after a digest of its files,
//! `pkg/1a2b3c4d5e6f/`, made by the release build (`xtask/src/split.rs`): browsers keep
//! those for a year without asking again (`immutable`), and a new build is a new directory,
//! so nobody runs a stale bundle, nor a chunk of another build. Its files name each other
//! relatively, so they always come from one build. Everything else there (xterm) is
//! revalidated (`no-cache`: a 304 when unchanged). Each file goes out precompressed (brotli,
//! gzip; made by the release build) when the browser takes it.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, header};
use tower::ServiceExt;
use tower_http::decompression::Decompression;
use tower_http::services::ServeDir;

/// The bundle's base name; the wasm-bindgen output and the CSS are named after it.
pub const OUTPUT: &str = "bosun";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Why the pages cannot name a bundle: they are then served without their scripts (no
/// hydration), so bosun says so at start, with what to do.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoBundle {
    #[error(
        "no site at {0}: pages are served without their scripts; build it (`scripts/build.sh --release`) or set LEPTOS_SITE_ROOT to the built site"
    )]
    NoSite(String),
    #[error(
        "no bundle directory in {0}: pages are served without their scripts; build the site again (`scripts/build.sh --release`)"
    )]
    Missing(String),
    #[error("{dir} holds the bundles of {} builds ({}): pages are served without their scripts; keep one build's directory, or build the site again", .found.len(), .found.join(", "))]
    Several { dir: String, found: Vec<String> },
}

/// The bundle's directory in `pkg`: the one whose name is twelve hex digits. With none, or
/// several (no build makes two; a site copied over another can), the pages cannot tell which
/// to load, and none is taken rather than the wrong one.
pub fn bundle_dir(pkg: &Path) -> Result<String, NoBundle> {
    let shown = || pkg.display().to_string();
    let entries = std::fs::read_dir(pkg).map_err(|_| NoBundle::NoSite(shown()))?;
    let mut found: Vec<String> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.len() == 12 && name.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    found.sort();
    match found.len() {
        0 => Err(NoBundle::Missing(shown())),
        1 => Ok(found.remove(0)),
        _ => Err(NoBundle::Several {
            dir: shown(),
            found,
        }),
    }
}

/// The site-relative directory the pages ask for the bundle in (Leptos's `site_pkg_dir`).
pub fn pkg_dir(bundle: Option<&str>) -> String {
    bundle.map_or_else(|| "pkg".to_owned(), |b| format!("pkg/{b}"))
}

/// The `/pkg` service.
#[derive(Clone)]
pub struct Assets {
    files: ServeDir,
    /// The same files for a client that takes no compression: the `.gz` copy, decompressed.
    gunzip: Decompression<ServeDir>,
    /// `/<digest>/`: requests under it are the bundle's, kept for good.
    sealed: Option<String>,
}

impl Assets {
    /// `bundle` is what [`bundle_dir`] gave for `pkg`.
    pub fn new(pkg: PathBuf, bundle: Option<&str>) -> Self {
        Assets {
            files: ServeDir::new(&pkg).precompressed_br().precompressed_gzip(),
            gunzip: Decompression::new(ServeDir::new(pkg).precompressed_gzip()),
            sealed: bundle.map(|b| format!("/{b}/")),
        }
    }

    /// Whether a request path names a file of the sealed bundle.
    fn is_sealed(&self, path: &str) -> bool {
        self.sealed
            .as_deref()
            .is_some_and(|dir| path.starts_with(dir))
    }

    pub async fn serve(self, request: Request) -> Result<Response, Infallible> {
        let sealed = self.is_sealed(request.uri().path());
        let (head, body) = request.into_parts();
        let (method, uri) = (head.method.clone(), head.uri.clone());
        let mut response = match self.files.oneshot(Request::from_parts(head, body)).await {
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        };
        if response.status() == http::StatusCode::NOT_FOUND {
            // Only a compressed copy, and a client that takes none: decompress the gzip one.
            // The request carries no Accept-Encoding, so the decompressor asks for gzip.
            let plain = Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap_or_default();
            if let Ok(inflated) = self.gunzip.oneshot(plain).await
                && inflated.status().is_success()
            {
                response = inflated.map(Body::new);
            }
        }
        let cache = if sealed && response.status().is_success() {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_the_one_directory_named_by_a_digest() {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        let shown = pkg.display().to_string();
        assert_eq!(
            bundle_dir(&pkg),
            Err(NoBundle::NoSite(shown.clone())),
            "no site, no bundle"
        );
        std::fs::create_dir(&pkg).unwrap();
        std::fs::create_dir(pkg.join("xterm")).unwrap();
        std::fs::write(pkg.join("0123456789ab"), "a file, not the bundle").unwrap();
        assert_eq!(bundle_dir(&pkg), Err(NoBundle::Missing(shown.clone())));
        std::fs::create_dir(pkg.join("1a2b3c4d5e6f")).unwrap();
        assert_eq!(bundle_dir(&pkg).as_deref(), Ok("1a2b3c4d5e6f"));
        assert_eq!(pkg_dir(Some("1a2b3c4d5e6f")), "pkg/1a2b3c4d5e6f");
        assert_eq!(pkg_dir(None), "pkg");
        // Two builds' directories: none is taken rather than the wrong one, and the log line
        // names both and what to do.
        std::fs::create_dir(pkg.join("ffffffffffff")).unwrap();
        let several = bundle_dir(&pkg).unwrap_err();
        assert_eq!(
            several,
            NoBundle::Several {
                dir: shown,
                found: vec!["1a2b3c4d5e6f".into(), "ffffffffffff".into()]
            }
        );
        let message = several.to_string();
        assert!(
            message.contains("2 builds (1a2b3c4d5e6f, ffffffffffff)"),
            "{message}"
        );
        assert!(message.contains("keep one build's directory"), "{message}");
    }

    #[tokio::test]
    async fn only_the_bundle_directory_is_kept_for_good() {
        let pkg = tempfile::tempdir().unwrap();
        let bundle = pkg.path().join("0123456789ab");
        std::fs::create_dir(&bundle).unwrap();
        std::fs::create_dir(pkg.path().join("xterm")).unwrap();
        std::fs::write(bundle.join("bosun.js"), "js").unwrap();
        std::fs::write(bundle.join("chunk_1.wasm"), "wasm").unwrap();
        std::fs::write(pkg.path().join("xterm/xterm.js"), "xterm").unwrap();
        let assets = Assets::new(pkg.path().to_owned(), Some("0123456789ab"));
        let cache = |path: &'static str| {
            let assets = assets.clone();
            async move {
                let request = Request::builder().uri(path).body(Body::empty()).unwrap();
                let response = assets.serve(request).await.unwrap();
                let cache = response.headers()[header::CACHE_CONTROL].clone();
                (
                    response.status().as_u16(),
                    cache.to_str().unwrap().to_owned(),
                )
            }
        };
        assert_eq!(
            cache("/0123456789ab/bosun.js").await,
            (200, IMMUTABLE.into())
        );
        assert_eq!(
            cache("/0123456789ab/chunk_1.wasm").await,
            (200, IMMUTABLE.into())
        );
        // Outside the bundle, or not there: revalidated, never kept.
        assert_eq!(cache("/xterm/xterm.js").await, (200, REVALIDATE.into()));
        assert_eq!(
            cache("/0123456789ab/gone.wasm").await,
            (404, REVALIDATE.into())
        );
        assert_eq!(
            cache("/ffffffffffff/bosun.js").await,
            (404, REVALIDATE.into())
        );
        // Without a bundle nothing is kept.
        let plain = Assets::new(pkg.path().to_owned(), None);
        assert!(!plain.is_sealed("/0123456789ab/bosun.js"));
    }

    fn gzip(text: &str) -> Vec<u8> {
        use std::io::Write;
        let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        w.write_all(text.as_bytes()).unwrap();
        w.finish().unwrap()
    }

    async fn get(assets: &Assets, path: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
        let (status, encoding, _, body) = get_typed(assets, path, accept).await;
        (status, encoding, body)
    }

    /// [`get`], with the answer's content type.
    async fn get_typed(
        assets: &Assets,
        path: &str,
        accept: Option<&str>,
    ) -> (u16, String, String, Vec<u8>) {
        let mut request = Request::builder().uri(path);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = assets
            .clone()
            .serve(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let encoding = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, encoding, kind, body.to_vec())
    }

    #[tokio::test]
    async fn a_wasm_kept_compressed_only_reaches_every_client() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("0123456789ab");
        std::fs::create_dir(&bundle).unwrap();
        let wasm = "\0asm the bundle";
        std::fs::write(bundle.join("bosun_bg.wasm.gz"), gzip(wasm)).unwrap();
        std::fs::write(bundle.join("bosun_bg.wasm.br"), b"brotli bytes").unwrap();
        let assets = Assets::new(
            dir.path().to_owned(),
            bundle_dir(dir.path()).ok().as_deref(),
        );
        let path = "/0123456789ab/bosun_bg.wasm";

        let (status, encoding, body) = get(&assets, path, Some("br, gzip")).await;
        assert_eq!((status, encoding.as_str()), (200, "br"));
        assert_eq!(body, b"brotli bytes");
        let (status, encoding, body) = get(&assets, path, Some("gzip")).await;
        assert_eq!((status, encoding.as_str()), (200, "gzip"));
        assert_eq!(body, gzip(wasm));
        // No compression taken: the gzip copy, decompressed.
        let (status, encoding, body) = get(&assets, path, None).await;
        assert_eq!((status, encoding.as_str()), (200, ""));
        assert_eq!(body, wasm.as_bytes());
        // A file that is not there is still missing.
        let (status, _, _) = get(&assets, "/nothing.wasm", None).await;
        assert_eq!(status, 404);
    }

    /// The release build keeps only the compressed copies of every file it compresses
    /// (xterm.js, the JS glue, the CSS too): each still reaches every client, as its own type.
    #[tokio::test]
    async fn a_script_kept_compressed_only_reaches_every_client_as_a_script() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("xterm")).unwrap();
        let script = "export const terminal = 1;";
        std::fs::write(dir.path().join("xterm/xterm.js.gz"), gzip(script)).unwrap();
        std::fs::write(dir.path().join("xterm/xterm.js.br"), b"brotli bytes").unwrap();
        let assets = Assets::new(dir.path().to_owned(), None);
        for (accept, encoding, body) in [
            (Some("br, gzip"), "br", b"brotli bytes".to_vec()),
            (Some("gzip"), "gzip", gzip(script)),
            (None, "", script.as_bytes().to_vec()),
        ] {
            let got = get_typed(&assets, "/xterm/xterm.js", accept).await;
            assert_eq!((got.0, got.1.as_str()), (200, encoding), "{accept:?}");
            assert!(got.2.contains("javascript"), "{accept:?}: {}", got.2);
            assert_eq!(got.3, body, "{accept:?}");
        }
    }
}
