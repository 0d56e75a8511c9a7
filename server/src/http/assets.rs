//! The site's files under `/pkg`. The bundle (JS glue, wasm, CSS) is asked for under a name
//! that carries a digest of its contents (`bosun.1a2b3c4d5e6f.js`), taken when bosun starts:
//! browsers keep those for a year without asking again (`immutable`), and a new build is a new
//! name, so nobody runs a stale bundle. Everything else there (xterm, or the bundle under its
//! plain name) is revalidated (`no-cache`: a 304 when unchanged). Each file goes out
//! precompressed (brotli, gzip; made by the release build) when the browser takes it.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, Uri, header};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::decompression::Decompression;
use tower_http::services::ServeDir;

/// The bundle's base name; the wasm-bindgen output and the CSS are named after it.
pub const OUTPUT: &str = "bosun";

/// What follows the base name in each file of the bundle.
const BUNDLE: [&str; 3] = [".js", "_bg.wasm", ".css"];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The name the pages ask for: `bosun.` and twelve hex digits of the bundle's digest; plain
/// `bosun` when a file of it is missing (a build without a site has nothing to keep).
pub fn stamped_name(pkg: &Path) -> String {
    let mut hash = Sha256::new();
    for suffix in BUNDLE {
        let file = pkg.join(format!("{OUTPUT}{suffix}"));
        // The file, or its gzip copy where the build kept only the compressed ones.
        let Ok(bytes) = std::fs::read(&file).or_else(|_| std::fs::read(gz(&file))) else {
            return OUTPUT.to_owned();
        };
        hash.update(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_le_bytes());
        hash.update(&bytes);
    }
    format!("{OUTPUT}.{}", hex::encode(&hash.finalize()[..6]))
}

fn gz(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// The `/pkg` service.
#[derive(Clone)]
pub struct Assets {
    files: ServeDir,
    /// The same files for a client that takes no compression: the `.gz` copy, decompressed.
    gunzip: Decompression<ServeDir>,
    stamped: String,
}

impl Assets {
    /// `stamped` is what [`stamped_name`] gave for `pkg`.
    pub fn new(pkg: PathBuf, stamped: &str) -> Self {
        Assets {
            files: ServeDir::new(&pkg).precompressed_br().precompressed_gzip(),
            gunzip: Decompression::new(ServeDir::new(pkg).precompressed_gzip()),
            stamped: stamped.to_owned(),
        }
    }

    /// The bundle's file a request path names under its stamped name (`/bosun.js` for
    /// `/bosun.1a2b3c4d5e6f.js`); None for any other path, which is served as asked.
    fn unstamp(&self, path: &str) -> Option<String> {
        let rest = path
            .strip_prefix('/')?
            .strip_prefix(self.stamped.as_str())
            .filter(|_| self.stamped != OUTPUT)?;
        BUNDLE.contains(&rest).then(|| format!("/{OUTPUT}{rest}"))
    }

    pub async fn serve(self, request: Request) -> Result<Response, Infallible> {
        let file = self.unstamp(request.uri().path());
        let (mut head, body) = request.into_parts();
        if let Some(file) = &file {
            // A fixed file name in the same directory: nothing else from the request is kept.
            head.uri = Uri::builder()
                .path_and_query(file.as_str())
                .build()
                .unwrap_or_default();
        }
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
        let cache = if file.is_some() && response.status().is_success() {
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

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn the_name_changes_with_any_file_of_the_bundle() {
        let a = site(&[
            ("bosun.js", "js"),
            ("bosun_bg.wasm", "wasm"),
            ("bosun.css", "css"),
        ]);
        let b = site(&[
            ("bosun.js", "js"),
            ("bosun_bg.wasm", "wasm"),
            ("bosun.css", "css2"),
        ]);
        let (name_a, name_b) = (stamped_name(a.path()), stamped_name(b.path()));
        assert!(
            name_a.starts_with("bosun.") && name_a.len() == "bosun.".len() + 12,
            "{name_a}"
        );
        assert_ne!(name_a, name_b);
        assert_eq!(
            name_a,
            stamped_name(a.path()),
            "the same files, the same name"
        );
        let partial = site(&[("bosun.js", "js")]);
        assert_eq!(stamped_name(partial.path()), "bosun");
    }

    #[test]
    fn only_the_bundle_under_its_stamped_name_is_kept() {
        let assets = Assets::new(PathBuf::from("/nowhere"), "bosun.0123456789ab");
        let file = |p: &str| assets.unstamp(p);
        assert_eq!(file("/bosun.0123456789ab.js").as_deref(), Some("/bosun.js"));
        assert_eq!(
            file("/bosun.0123456789ab_bg.wasm").as_deref(),
            Some("/bosun_bg.wasm")
        );
        assert_eq!(
            file("/bosun.0123456789ab.css").as_deref(),
            Some("/bosun.css")
        );
        // Another build's name, a plain name, another file: served as asked, revalidated.
        for other in [
            "/bosun.ffffffffffff.js",
            "/bosun.js",
            "/bosun.0123456789ab.js.map",
            "/xterm/xterm.js",
        ] {
            assert_eq!(file(other), None, "{other}");
        }
        // Without a site there is no stamp, and nothing is kept.
        let plain = Assets::new(PathBuf::from("/nowhere"), "bosun");
        assert_eq!(plain.unstamp("/bosun.js"), None);
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
        let dir = site(&[("bosun.js", "js"), ("bosun.css", "css")]);
        let wasm = "\0asm the bundle";
        std::fs::write(dir.path().join("bosun_bg.wasm.gz"), gzip(wasm)).unwrap();
        std::fs::write(dir.path().join("bosun_bg.wasm.br"), b"brotli bytes").unwrap();
        let stamped = stamped_name(dir.path());
        assert_ne!(stamped, "bosun", "the gzip copy stands in for the raw file");
        let assets = Assets::new(dir.path().to_owned(), &stamped);
        let path = format!("/{stamped}_bg.wasm");

        let (status, encoding, body) = get(&assets, &path, Some("br, gzip")).await;
        assert_eq!((status, encoding.as_str()), (200, "br"));
        assert_eq!(body, b"brotli bytes");
        let (status, encoding, body) = get(&assets, &path, Some("gzip")).await;
        assert_eq!((status, encoding.as_str()), (200, "gzip"));
        assert_eq!(body, gzip(wasm));
        // No compression taken: the gzip copy, decompressed.
        let (status, encoding, body) = get(&assets, &path, None).await;
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
        let assets = Assets::new(dir.path().to_owned(), "bosun");
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
