use std::process::ExitCode;

use bosun_server::auth::bootstrap::FirstAdmin;
use bosun_server::config::{Config, ConfigError};
use tracing_subscriber::EnvFilter;

/// jemalloc, with its settings built in (.cargo/config.toml): freed memory goes back to the
/// system within about a second. Why: BENCHMARKS.md, "Memory at 10,000 containers".
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // `bosun healthcheck [settings]`: the image's HEALTHCHECK (no shell or curl in it).
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let healthcheck = args.get(1).is_some_and(|a| a == "healthcheck");
    if healthcheck {
        args.remove(1);
    }
    let config = match Config::load(args, std::env::vars()) {
        Ok(c) => c,
        Err(ConfigError::Clap(e)) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
        Err(e) => {
            eprintln!("bosun: {e}");
            return ExitCode::from(2);
        }
    };
    if healthcheck {
        return health(&config);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bosun: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bosun: {e}");
            ExitCode::FAILURE
        }
    }
}

fn health(config: &Config) -> ExitCode {
    let checked = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(bosun_server::healthcheck::check(config)));
    match checked {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bosun healthcheck: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| format!("could not listen on {} (BOSUN_LISTEN): {e}", config.listen))?;
    listener.set_nonblocking(true)?;
    let scheme = if config.https() { "https" } else { "http" };
    let public = config.public_url.clone();
    bosun_server::run(config, listener, shutdown_signal(), move |started| {
        let port = started.local_addr.port();
        let url = public.map(|u| u.to_string()).unwrap_or_else(|| format!("{scheme}://localhost:{port}"));
        println!("bosun: listening on {} — browse to {url}", started.local_addr);
        match started.first_admin {
            FirstAdmin::AlreadyHaveUsers => {}
            FirstAdmin::FromConfig => println!("bosun: sign in as `admin` with the password from BOSUN_ADMIN_PASSWORD(_FILE)."),
            FirstAdmin::Generated { file } => {
                println!("bosun: sign in as `admin` with the password printed above (also in {}).", file.display())
            }
        }
        if scheme == "https" {
            println!("bosun: the certificate is self-signed until you replace it; your browser will ask you to accept it once.");
        }
    })
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
