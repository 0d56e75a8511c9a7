//! Integration tests: a real bosun against the real Docker engine, over real HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod adversarial;
mod audit;
mod auth;
mod backup_faults;
mod backups;
mod busy;
mod cert_files_attacks;
mod cert_renewal;
mod cert_roots;
mod cert_targets;
mod certs;
mod dbs;
mod engine;
mod engine_restart;
mod faults;
mod harness;
mod logs;
mod notify;
mod pebble;
mod scale;
mod security;
mod services;
mod sse;
mod stacks;
mod swarm;
mod tls;
mod totp;
mod users;
