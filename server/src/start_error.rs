//! Why bosun could not start.

use crate::{auth, store, tls};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("session store: {0}")]
    Sessions(String),
    #[error(transparent)]
    Bootstrap(#[from] auth::bootstrap::BootstrapError),
    #[error(transparent)]
    Hash(#[from] auth::password::HashError),
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("HTTP client for link checks: {0}")]
    LinkClient(String),
    #[error("serving: {0}")]
    Serve(#[from] std::io::Error),
    #[error("backup directory {path}: {source}")]
    BackupDir {
        path: String,
        source: std::io::Error,
    },
    #[error("OpenAPI document: {0}")]
    OpenApi(String),
    #[error("certificates: {0}")]
    Certs(String),
    #[error("notifications: {0}")]
    Notify(String),
    #[error("identity provider: {0}")]
    Oidc(String),
    #[error("off-site copies: {0}")]
    Offsite(String),
    #[error("backup encryption: {0}")]
    Encryption(String),
}
