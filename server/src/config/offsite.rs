//! Off-site copies of backups in an S3-compatible store (AWS S3, MinIO, Garage, Backblaze
//! B2, Wasabi): where, and with which key. The secret is read once and never shown.

use std::path::PathBuf;

use url::Url;

use super::values::Secret;

#[derive(clap::Args, Clone, Debug)]
pub struct OffsiteConfig {
    /// Copy good backups to this bucket and prefix: `s3://bucket/prefix`. Unset: no copies.
    #[arg(long = "offsite-url", env = "BOSUN_OFFSITE_URL", value_parser = parse_s3_url, value_name = "s3://BUCKET/PREFIX")]
    pub url: Option<(String, String)>,

    /// The store's address, e.g. https://s3.eu-central-1.wasabisys.com or http://minio:9000.
    /// Default: AWS S3 in the region.
    #[arg(
        long = "offsite-endpoint",
        env = "BOSUN_OFFSITE_ENDPOINT",
        value_name = "URL"
    )]
    pub endpoint: Option<Url>,

    /// The store's region.
    #[arg(
        long = "offsite-region",
        env = "BOSUN_OFFSITE_REGION",
        default_value = "us-east-1",
        value_name = "REGION"
    )]
    pub region: String,

    /// The access key id.
    #[arg(
        long = "offsite-access-key-id",
        env = "BOSUN_OFFSITE_ACCESS_KEY_ID",
        value_name = "ID"
    )]
    pub access_key_id: Option<String>,

    /// A file holding the access key id.
    #[arg(
        long = "offsite-access-key-id-file",
        env = "BOSUN_OFFSITE_ACCESS_KEY_ID_FILE",
        value_name = "FILE",
        conflicts_with = "access_key_id"
    )]
    pub access_key_id_file: Option<PathBuf>,

    /// The secret access key.
    #[arg(
        long = "offsite-secret-access-key",
        env = "BOSUN_OFFSITE_SECRET_ACCESS_KEY",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub secret_access_key: Option<Secret>,

    /// A file holding the secret access key (e.g. a Docker secret).
    #[arg(
        long = "offsite-secret-access-key-file",
        env = "BOSUN_OFFSITE_SECRET_ACCESS_KEY_FILE",
        value_name = "FILE",
        conflicts_with = "secret_access_key"
    )]
    pub secret_access_key_file: Option<PathBuf>,
}

/// `s3://bucket/prefix` → (bucket, prefix without slashes at either end).
fn parse_s3_url(s: &str) -> Result<(String, String), String> {
    let rest = s
        .trim()
        .strip_prefix("s3://")
        .ok_or("write it as s3://bucket/prefix")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !ok {
        return Err(format!(
            "{bucket:?} is not a bucket name (3–63 lower-case letters, digits, - and .)"
        ));
    }
    let prefix = prefix.trim_matches('/');
    if prefix.split('/').any(|p| p == ".." || p == ".") || prefix.chars().any(char::is_control) {
        return Err("the prefix may not hold . or .. parts or control characters".into());
    }
    Ok((bucket.to_owned(), prefix.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_name_a_bucket_and_a_prefix() {
        assert_eq!(
            parse_s3_url("s3://backups/bosun/prod/"),
            Ok(("backups".into(), "bosun/prod".into()))
        );
        assert_eq!(
            parse_s3_url("s3://backups"),
            Ok(("backups".into(), String::new()))
        );
        for bad in ["backups/x", "s3://B", "s3://ok-bucket/../x", "s3://a"] {
            assert!(parse_s3_url(bad).is_err(), "{bad}");
        }
    }
}
