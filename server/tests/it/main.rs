//! Integration tests: a real bosun against the real Docker engine, over real HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Shared helpers: starting bosun, calling its API as typed DTOs, streams, projects, databases.
mod api;
mod authenticator;
mod certs;
mod dbs;
mod harness;
mod launch;
mod mirrors;
mod oidc_provider;
mod pebble;
mod registry;
mod s3;
mod sse;
mod stacks;

// The tests, by topic.
mod adversarial;
mod attacks;
mod attention;
mod audit;
mod auth;
mod backup_faults;
mod backup_limits;
mod backup_sets;
mod backup_verify;
mod backups;
mod busy;
mod cert_acme;
mod cert_files;
mod cert_own;
mod cert_reload;
mod cert_renewal;
mod cert_roots;
mod cert_targets;
mod details;
mod encryption;
mod engine;
mod engine_restart;
mod faults;
mod file_backups;
mod forward_auth;
mod log_resume;
mod logs;
mod metrics;
mod notify;
mod offsite;
mod oidc;
mod overview_stream;
mod passkeys;
mod passkeys_stored;
mod scale;
mod security;
mod services;
mod stats_history;
mod swarm;
mod tasks;
mod terminal;
mod tls;
mod totp;
mod update_faults;
mod update_swarm;
mod updates;
mod users;
