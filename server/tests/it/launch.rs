//! The one way the tests and the benches run the built `bosun` binary as its own process:
//! on `--listen 127.0.0.1:0`, reading the address bosun prints once it listens. Nothing
//! picks a port beforehand. (The benches include this file by path.)

use std::time::Duration;

use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// A `bosun` command for the binary cargo built for this package.
pub fn bosun() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bosun"))
}

/// Starts `cmd` (from [`bosun`], with the caller's flags and environment) on a loopback
/// port of the system's choosing. Returns the process (killed when dropped) and the
/// address bosun printed, `127.0.0.1:PORT`, once it listens (30 s at most).
pub async fn launch(mut cmd: Command) -> (Child, String) {
    let mut child = cmd
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the bosun binary");
    let stdout = child.stdout.take().expect("bosun's stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("bosun's stdout") {
            if let Some(rest) = line.strip_prefix("bosun: listening on ") {
                return rest.split_whitespace().next().map(str::to_owned);
            }
        }
        None
    })
    .await
    .expect("bosun did not start within 30 s")
    .expect("bosun exited before listening");
    // Keep reading, so bosun never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}
