//! An S3-compatible store for off-site copies: requests signed by rusty-s3 (SigV4, a
//! maintained crate), sent by bosun's one outbound client. Files go up as multipart uploads
//! with their SHA-256 in the object's metadata; every part's ETag (the MD5 the store computed)
//! is checked against the part sent, and the object is read back (size and checksum) before
//! a copy counts as done.

use std::path::Path;
use std::time::Duration;

use md5::{Digest, Md5};
use rusty_s3::actions::{CreateMultipartUpload, S3Action};
use rusty_s3::{Bucket, Credentials, UrlStyle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub mod setup;

/// Parts of this size (the last may be smaller; S3's minimum is 5 MiB).
const PART: usize = 8 * 1024 * 1024;
/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(3600);
/// The metadata key that holds a copy's SHA-256.
pub const SHA256_META: &str = "x-amz-meta-sha256";

/// Where copies go, and the key to get there.
pub struct Target {
    pub endpoint: url::Url,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub key_id: String,
    pub secret: String,
}

#[derive(Clone)]
pub struct Store {
    bucket: std::sync::Arc<Bucket>,
    credentials: std::sync::Arc<Credentials>,
    prefix: String,
    http: reqwest::Client,
}

/// What the store says about an object.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub sha256: Option<String>,
}

fn fail(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

async fn ok(
    r: Result<reqwest::Response, reqwest::Error>,
    what: &str,
) -> Result<reqwest::Response, String> {
    let r = r.map_err(|e| fail(what, format!("the store could not be reached ({e})")))?;
    if r.status().is_success() {
        return Ok(r);
    }
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    let code = body
        .split("<Code>")
        .nth(1)
        .and_then(|c| c.split("</Code>").next())
        .unwrap_or("");
    Err(fail(what, format!("the store answered {status} {code}")))
}

impl Store {
    pub fn new(target: Target, http: reqwest::Client) -> Result<Self, String> {
        let bucket = Bucket::new(
            target.endpoint,
            UrlStyle::Path,
            target.bucket,
            target.region,
        )
        .map_err(|e| format!("the off-site store's address is not usable: {e}"))?;
        Ok(Store {
            bucket: std::sync::Arc::new(bucket),
            credentials: std::sync::Arc::new(Credentials::new(target.key_id, target.secret)),
            prefix: target.prefix,
            http,
        })
    }

    /// The object key of a file name (file names come from the catalogue, never a request).
    pub fn key(&self, file_name: &str) -> String {
        if self.prefix.is_empty() {
            file_name.to_owned()
        } else {
            format!("{}/{file_name}", self.prefix)
        }
    }

    /// `s3://bucket/key`, for people.
    pub fn shown(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket.name())
    }

    /// Uploads `path` as `key` in parts, with its SHA-256 in the metadata; every part's ETag
    /// must be the MD5 of what was sent. An upload that fails is aborted.
    pub async fn upload(&self, key: &str, path: &Path, sha256: &str) -> Result<u64, String> {
        let mut create = CreateMultipartUpload::new(&self.bucket, Some(&self.credentials), key);
        create.headers_mut().insert(SHA256_META, sha256.to_owned());
        let url = create.sign(SIGNED_FOR);
        let r = ok(
            self.http.post(url).header(SHA256_META, sha256).send().await,
            "starting the upload",
        )
        .await?;
        let body = r.text().await.map_err(|e| fail("starting the upload", e))?;
        let created = CreateMultipartUpload::parse_response(&body)
            .map_err(|e| fail("starting the upload", e))?;
        let upload_id = created.upload_id().to_owned();
        match self.parts(key, &upload_id, path).await {
            Ok((etags, size)) => {
                let complete = self.bucket.complete_multipart_upload(
                    Some(&self.credentials),
                    key,
                    &upload_id,
                    etags.iter().map(String::as_str),
                );
                let url = complete.sign(SIGNED_FOR);
                let body = complete.body();
                ok(
                    self.http.post(url).body(body).send().await,
                    "finishing the upload",
                )
                .await?;
                Ok(size)
            }
            Err(e) => {
                let abort =
                    self.bucket
                        .abort_multipart_upload(Some(&self.credentials), key, &upload_id);
                let _ = self.http.delete(abort.sign(SIGNED_FOR)).send().await;
                Err(e)
            }
        }
    }

    async fn parts(
        &self,
        key: &str,
        upload_id: &str,
        path: &Path,
    ) -> Result<(Vec<String>, u64), String> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| fail("reading the backup file", e))?;
        let mut etags = Vec::new();
        let mut size = 0u64;
        let mut number: u16 = 1;
        loop {
            let mut buf = Vec::with_capacity(PART);
            (&mut file)
                .take(PART as u64)
                .read_to_end(&mut buf)
                .await
                .map_err(|e| fail("reading the backup file", e))?;
            if buf.is_empty() && number > 1 {
                break;
            }
            let last = buf.len() < PART;
            let md5 = hex::encode(Md5::digest(&buf));
            size += buf.len() as u64;
            let part = self
                .bucket
                .upload_part(Some(&self.credentials), key, number, upload_id);
            let r = ok(
                self.http.put(part.sign(SIGNED_FOR)).body(buf).send().await,
                &format!("uploading part {number}"),
            )
            .await?;
            let etag = r
                .headers()
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim_matches('"').to_owned())
                .unwrap_or_default();
            if !etag.eq_ignore_ascii_case(&md5) {
                return Err(format!(
                    "uploading part {number}: the store's checksum of it ({etag}) is not the part's ({md5})"
                ));
            }
            etags.push(etag);
            if last {
                break;
            }
            number = number
                .checked_add(1)
                .ok_or("the file has more parts than a multipart upload may have")?;
        }
        Ok((etags, size))
    }

    /// A small object (a manifest) in one request.
    pub async fn put_small(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        let put = self.bucket.put_object(Some(&self.credentials), key);
        ok(
            self.http.put(put.sign(SIGNED_FOR)).body(bytes).send().await,
            "uploading the manifest",
        )
        .await?;
        Ok(())
    }

    /// The object's size and recorded SHA-256; None when it is not there.
    pub async fn head(&self, key: &str) -> Result<Option<Head>, String> {
        let head = self.bucket.head_object(Some(&self.credentials), key);
        let r = self
            .http
            .head(head.sign(SIGNED_FOR))
            .send()
            .await
            .map_err(|e| {
                fail(
                    "reading the copy back",
                    format!("the store could not be reached ({e})"),
                )
            })?;
        if r.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let r = ok(Ok(r), "reading the copy back").await?;
        let size = r
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let sha256 = r
            .headers()
            .get(SHA256_META)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Some(Head { size, sha256 }))
    }

    /// Downloads `key` into `dest` (created exclusively; removed again on failure).
    pub async fn download(&self, key: &str, dest: &Path) -> Result<u64, String> {
        let get = self.bucket.get_object(Some(&self.credentials), key);
        let mut r = ok(
            self.http.get(get.sign(SIGNED_FOR)).send().await,
            "fetching the off-site copy",
        )
        .await?;
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .await
            .map_err(|e| fail("fetching the off-site copy", e))?;
        let mut written = 0u64;
        let result = async {
            while let Some(chunk) = r
                .chunk()
                .await
                .map_err(|e| fail("fetching the off-site copy", e))?
            {
                file.write_all(&chunk)
                    .await
                    .map_err(|e| fail("fetching the off-site copy", e))?;
                written += chunk.len() as u64;
            }
            file.sync_all()
                .await
                .map_err(|e| fail("fetching the off-site copy", e))
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(dest).await;
        }
        result.map(|()| written)
    }

    pub async fn delete(&self, key: &str) -> Result<(), String> {
        let delete = self.bucket.delete_object(Some(&self.credentials), key);
        ok(
            self.http.delete(delete.sign(SIGNED_FOR)).send().await,
            "removing the off-site copy",
        )
        .await?;
        Ok(())
    }
}
