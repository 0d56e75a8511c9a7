//! bosun's server: a library with a thin `main`, so tests can start it on port 0.

pub mod app;
pub mod attention;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod busy;
pub mod certs;
pub mod clock;
pub mod config;
pub mod docker;
pub mod error;
pub mod fsx;
pub mod healthcheck;
pub mod http;
pub mod links;
pub mod live;
pub mod logs;
pub mod metrics;
pub mod net;
pub mod notify;
pub mod offsite;
pub mod private;
pub mod services;
pub mod settings;
mod start_error;
pub mod store;
pub mod swarm;
pub mod tasks;
pub mod terminal;
pub mod tls;
pub mod trust;
pub mod updates;
pub mod users;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::RustlsAcceptor;
use leptos::config::LeptosOptions;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

use crate::app::App;
use crate::auth::bootstrap::{FirstAdmin, ensure_first_admin};
use crate::auth::password::PasswordHasherPool;
use crate::auth::throttle::LoginThrottle;
use crate::config::{Config, TlsMode};
use crate::http::{AppState, Security};
pub use crate::start_error::StartError;
use crate::store::Store;

/// What `run` tells its caller once it is listening.
pub struct Started {
    pub first_admin: FirstAdmin,
    pub local_addr: SocketAddr,
}

/// Starts bosun on `listener` and serves until `shutdown` resolves.
/// `on_start` is called once everything is ready, before the first request is accepted.
pub async fn run(
    config: Config,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_start: impl FnOnce(Started) + Send,
) -> Result<(), StartError> {
    run_with_clock(config, listener, shutdown, on_start, clock::system()).await
}

/// [`run`] on a clock of the caller's: the time rules (schedules, retention, sessions,
/// throttling, renewals) read it, so tests move time instead of waiting for it.
pub async fn run_with_clock(
    config: Config,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_start: impl FnOnce(Started) + Send,
    clock: clock::SharedClock,
) -> Result<(), StartError> {
    // It holds keys, the CA, sessions, TOTP secrets and dumps: for bosun's user only.
    private::umask();
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let backup_dir = config
        .backup_dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("backups"));
    private::lock_down(&config.data_dir, &backup_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let store = Store::open(&config.data_dir).await?;

    let sessions = SqliteStore::new(store.pool().clone())
        .with_table_name("tower_sessions")
        .map_err(StartError::Sessions)?;
    sessions
        .migrate()
        .await
        .map_err(|e| StartError::Sessions(e.to_string()))?;
    let cleanup = tokio::spawn(
        sessions
            .clone()
            .continuously_delete_expired(Duration::from_secs(300)),
    );

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let hasher = PasswordHasherPool::new(cores)?;
    let first_admin = ensure_first_admin(&store, &hasher, &config).await?;

    let (engine, monitor) = docker::Engine::start(config.docker_host.as_deref());
    let audit = audit::AuditService::new(store.clone());
    let checker =
        links::check::Checker::new(&config.link_check_host()).map_err(StartError::LinkClient)?;
    let stats = docker::stats::StatsHub::new(&engine, config.stats_linger);
    let (history, sampler) = docker::history::History::start(&engine, config.stats_history.every());
    // The internal CA and the roots bosun trusts, read once: targets on the LAN (registries,
    // the identity provider, webhooks) may use the internal CA or the roots in BOSUN_CERT_TRUST.
    let roots = certs::Roots::load(&config).map_err(StartError::Certs)?;
    let registry_roots = roots.trust.all_roots();
    let provider = auth::oidc::from_config(&config.oidc, registry_roots.clone(), clock.clone())
        .map_err(StartError::Oidc)?;
    let (notifier, dispatcher) = notify::Notifier::start(
        store.clone(),
        audit.clone(),
        registry_roots.clone(),
        clock.clone(),
    )
    .map_err(StartError::Notify)?;
    let dispatcher = tokio::spawn(dispatcher);
    let container_watch = tokio::spawn(notify::containers::watch(notifier.clone(), engine.clone()));
    let engine_watch = tokio::spawn(audit::engine::watch(audit.clone(), engine.subscribe()));
    // One registry of running work for every room: a restore and a restart of one service
    // exclude each other, whichever room starts them.
    let busy = busy::Busy::default();
    let tasks = tasks::TasksService::start(tasks::Parts {
        engine: engine.clone(),
        busy: busy.clone(),
        store: store.clone(),
        audit: audit.clone(),
        notifier: notifier.clone(),
        clock: clock.clone(),
    })
    .await;
    let backups = backups::BackupService::start(
        engine.clone(),
        busy.clone(),
        store.clone(),
        audit.clone(),
        notifier.clone(),
        backups::Settings {
            dir: backup_dir.clone(),
            min_free_mb: config.backup_min_free_mb,
            timeout: config.backup_timeout,
            verify: config.backup_verify,
            offsite: offsite::setup::from_config(&config.offsite, registry_roots.clone())
                .map_err(StartError::Offsite)?,
            keys: config.encryption.keys().map_err(StartError::Encryption)?,
            keep_manual: config.backup_keep_manual.0,
            clock: clock.clone(),
            hooks: tasks.clone(),
        },
    )
    .await
    .map_err(|source| StartError::BackupDir {
        path: backup_dir.display().to_string(),
        source,
    })?;
    let scheduler = tokio::spawn(backups.clone().run_schedules());
    let offsite_retries = tokio::spawn(backups.clone().run_offsite_retries());
    let verifications = backups.clone();
    let certs = certs::CertService::start(
        &config,
        roots,
        store.clone(),
        audit.clone(),
        engine.clone(),
        busy.clone(),
        notifier.clone(),
        clock.clone(),
    )
    .await
    .map_err(StartError::Certs)?;
    let renewals = tokio::spawn(certs.service.clone().run());
    let http01 = certs
        .http01
        .map(|(answers, listener)| tokio::spawn(answers.serve(listener)));
    let board = updates::Board::new(busy.clone());
    let updates = updates::UpdatesService::start(updates::Parts {
        engine: engine.clone(),
        busy: busy.clone(),
        store: store.clone(),
        audit: audit.clone(),
        notifier: notifier.clone(),
        clock: clock.clone(),
        board: board.clone(),
        docker_config: config.docker_config.clone(),
        roots: registry_roots,
    })
    .await;
    let update_checks = tokio::spawn(updates.clone().run_checks(config.update_check.0));
    let terminal = terminal::TerminalService::new(
        engine.clone(),
        audit.clone(),
        terminal::Settings {
            policy: config.terminal.policy,
            idle: config.terminal.idle,
            max_time: config.terminal.max_time,
            per_user: config.terminal.per_user,
            transcripts: config
                .terminal
                .transcripts
                .then(|| terminal::transcript::Transcripts {
                    dir: config.data_dir.join("terminal-transcripts"),
                    limit: config.terminal.transcript_kib as usize * 1024,
                }),
        },
    );
    let app = App {
        busy: busy.clone(),
        terminal,
        tasks,
        updates,
        backups,
        certs: certs.service,
        services: services::Services::new(
            engine.clone(),
            busy.clone(),
            audit.clone(),
            checker.clone(),
            config.max_replicas,
            board.clone(),
        ),
        links: links::LinksService::new(engine.clone(), checker),
        logs: logs::LogsService::new(engine.clone(), audit.clone()),
        swarm: swarm::SwarmService::new(
            engine.clone(),
            busy.clone(),
            audit.clone(),
            config.max_replicas,
            board.clone(),
        ),
        stats,
        stats_history: history,
        account: auth::account::AccountService::new(
            store.clone(),
            hasher.clone(),
            Arc::new(LoginThrottle::standard(clock.clone())),
            audit.clone(),
            notifier.clone(),
            clock.clone(),
            auth::account::SignInPolicy {
                password: config.oidc.password_login,
                passkey: config.passkey_login,
                provider,
                forward: config.oidc.auth_header.clone().map(|h| {
                    auth::account::ForwardAuth::new(h, config.oidc.auth_groups_header.clone())
                }),
                roles: config.oidc.roles.clone(),
                create_users: config.oidc.create_users,
                public_origin: config
                    .public_url
                    .as_ref()
                    .map(|u| u.origin().ascii_serialization()),
                https: config.https(),
            },
        ),
        tokens: auth::tokens::TokenService::new(store.clone(), audit.clone()),
        users: users::UserService::new(store.clone(), hasher, audit.clone()),
        settings: settings::SettingsService::new(store.clone(), audit.clone()),
        webhooks: notifier,
        audit,
        engine,
    };

    // Only the document's text is kept: the `OpenApi` value it is made from is several MB of
    // small allocations, freed here rather than held for the server's whole run.
    let (api, openapi_json) = {
        let (api, doc) = http::rest::api();
        let mut json = doc
            .to_pretty_json()
            .map_err(|e| StartError::OpenApi(e.to_string()))?;
        // Its buffer grew by doubling: 512 KiB for about 360 KB of text, kept for the run.
        json.shrink_to_fit();
        (api, bytes::Bytes::from(json))
    };
    let local_addr = listener.local_addr()?;
    // The bundle is in a directory named by the digest of its files (http/assets.rs).
    let bundle = http::assets::bundle_dir(&config.site_root.join("pkg"))
        .inspect_err(|e| tracing::warn!("{e}"))
        .ok();
    let leptos = LeptosOptions::builder()
        .output_name(http::assets::OUTPUT)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir(http::assets::pkg_dir(bundle.as_deref()))
        .site_addr(local_addr)
        .build();
    let state = AppState {
        sessions: sessions.clone(),
        leptos,
        ports: app.ports(),
        app,
        store,
        security: Arc::new(Security {
            https: config.https(),
            public_origin: config
                .public_url
                .as_ref()
                .map(|u| u.origin().ascii_serialization()),
            trusted_proxies: config.trusted_proxies.clone(),
            metrics_allow: config.metrics.allow.clone(),
            sessions: auth::principal::Lifetimes {
                idle_ms: i64::try_from(config.session_idle.as_millis()).unwrap_or(i64::MAX),
                absolute_ms: i64::try_from(config.session_absolute.as_millis()).unwrap_or(i64::MAX),
            },
            clock: clock.clone(),
        }),
        openapi_json,
        streams: http::stream_guard::StreamLimit::new(config.max_streams),
    };
    // Secure cookies need HTTPS in the browser: ours, or a TLS proxy's in front of us.
    let secure_cookie = config.https()
        || config
            .public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https");
    let app = http::router::router(state, api, sessions, config.session_idle, secure_cookie)
        .into_make_service_with_connect_info::<SocketAddr>();

    // Pages stream in several writes. With Nagle's algorithm on, a write after the first waits
    // for the client's ACK, which a kept-alive connection delays by 40 ms: the Services page
    // took 44 ms to a keep-alive client instead of 4 (benches/status.rs). So no Nagle.
    let handle = axum_server::Handle::<SocketAddr>::new();
    let shutdown_handle = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        shutdown_handle.graceful_shutdown(Some(Duration::from_secs(10)));
    });

    let served = match config.tls {
        TlsMode::Off => {
            on_start(Started {
                first_admin,
                local_addr,
            });
            axum_server::from_tcp(listener)?
                .acceptor(NoDelayAcceptor)
                .handle(handle)
                .serve(app)
                .await
        }
        TlsMode::Auto | TlsMode::Files => {
            let resolver = certs.resolver.ok_or(tls::TlsError::NoCertificate {
                path: "--tls-cert".into(),
            })?;
            let rustls = tls::server_config(resolver)?;
            let tls_config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(rustls));
            on_start(Started {
                first_admin,
                local_addr,
            });
            axum_server::from_tcp(listener)?
                .acceptor(RustlsAcceptor::new(tls_config).acceptor(NoDelayAcceptor))
                .handle(handle)
                .serve(app)
                .await
        }
    };
    monitor.abort();
    sampler.abort();
    cleanup.abort();
    scheduler.abort();
    update_checks.abort();
    offsite_retries.abort();
    verifications.stop_verifications().await;
    renewals.abort();
    dispatcher.abort();
    container_watch.abort();
    engine_watch.abort();
    if let Some(h) = http01 {
        h.abort();
    }
    served.map_err(StartError::Serve)
}
