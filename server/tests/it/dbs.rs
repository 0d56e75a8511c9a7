//! Database projects for the backup tests: real PostgreSQL 15 and MariaDB 10.11 containers
//! (images built locally by scripts/lib/docker.sh), seeded, queried with their own clients.

use std::process::Command;
use std::time::{Duration, Instant};

use bosun_frontend::model::{BackupDto, BackupStarted, BackupStatus, DatabaseDto};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::api::{expect_json, json_get};
use crate::harness::TestServer;
use crate::stacks::{Project, unique};

pub const PG_IMAGE: &str = "bosun-demo/postgres:15";
pub const MARIADB_IMAGE: &str = "bosun-test/mariadb:10.11";

pub fn docker(args: &[&str]) -> (bool, String, String) {
    let out = Command::new("docker").args(args).output().expect("docker");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

/// The container of `service` in `project`.
pub fn container_of(project: &str, service: &str) -> String {
    let (_, out, _) = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ]);
    out.lines().next().unwrap_or_default().to_owned()
}

/// Waits until the service's container reports healthy.
pub async fn wait_healthy(project: &str, service: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let id = container_of(project, service);
        if !id.is_empty() {
            let (_, health, _) = docker(&["inspect", "-f", "{{.State.Health.Status}}", &id]);
            if health == "healthy" {
                return id;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{project}/{service} not healthy in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Runs SQL with psql inside the container (as the image's own client does).
pub fn psql(container: &str, user: &str, db: &str, sql: &str) -> String {
    let (ok, out, err) = docker(&[
        "exec",
        container,
        "psql",
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        user,
        "-d",
        db,
        "-tAc",
        sql,
    ]);
    assert!(ok, "psql {sql}: {err}");
    out
}

pub fn mariadb(container: &str, password: &str, db: &str, sql: &str) -> String {
    let env = format!("MYSQL_PWD={password}");
    let (ok, out, err) = docker(&[
        "exec", "-e", &env, container, "mariadb", "-u", "root", "-N", "-B", db, "-e", sql,
    ]);
    assert!(ok, "mariadb {sql}: {err}");
    out
}

/// A Postgres project: `db` with user/database `shop`.
pub async fn postgres(prefix: &str, extra_env: &str, labels: &str) -> Project {
    let name = unique(prefix);
    let yaml = format!(
        r#"
services:
  db:
    image: {PG_IMAGE}
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: shop-secret
      POSTGRES_DB: shop
{extra_env}
    labels:
      bosun.test: "{name}"
{labels}
"#
    );
    let p = Project::up(&name, &yaml).await;
    wait_healthy(&name, "db").await;
    p
}

/// A PostgreSQL project with 1,000 rows of `stock`, listed by bosun as ready to back up.
/// Returns the project and its database container.
pub async fn seeded_postgres(client: &Client, s: &TestServer, prefix: &str) -> (Project, String) {
    let p = postgres(prefix, "", "").await;
    let db = wait_healthy(&p.name, "db").await;
    seed_postgres(&db, 1000);
    wait_database(client, s, &p.name).await;
    (p, db)
}

/// Starts a backup of `project`/db whose pg_dump waits on a held lock, so it is surely in
/// flight when a test breaks something. Returns the lock and the running backup's id.
pub async fn dump_in_flight(
    client: &Client,
    s: &TestServer,
    project: &str,
    db: &str,
) -> (Lock, i64) {
    let lock = hold_lock(db).await;
    let id = start_backup(client, s, json!({"project": project, "service": "db"})).await;
    wait_lock_waiter(db).await;
    let b: BackupDto = json_get(client, s, &format!("/api/v1/backups/{id}")).await;
    assert_eq!(b.status, BackupStatus::Running);
    (lock, id)
}

/// `stock`: `rows` rows of text and numbers, plus a second table with odd names.
pub fn seed_postgres(container: &str, rows: u32) {
    psql(
        container,
        "shop",
        "shop",
        &format!(
            "CREATE TABLE stock (id serial PRIMARY KEY, name text NOT NULL, qty int, data bytea); \
             INSERT INTO stock (name, qty, data) SELECT md5(i::text) || ' ''quoted'' ñ', i % 97, decode(md5(i::text), 'hex') FROM generate_series(1, {rows}) i; \
             CREATE TABLE \"Odd Name\" (k text PRIMARY KEY); INSERT INTO \"Odd Name\" VALUES ('a'), ('b');"
        ),
    );
}

/// Row count and a checksum over every column of `stock`, in id order.
pub fn postgres_fingerprint(container: &str) -> String {
    psql(
        container,
        "shop",
        "shop",
        "SELECT count(*) || ':' || md5(string_agg(id || '|' || name || '|' || coalesce(qty::text, '-') || '|' || encode(data, 'hex'), ',' ORDER BY id)) || ':' || (SELECT count(*) FROM \"Odd Name\") FROM stock",
    )
}

/// Waits until bosun lists the database as ready to back up (container running, no problem).
pub async fn wait_database(client: &Client, s: &TestServer, project: &str) -> DatabaseDto {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = client.get(s.url("/api/v1/databases")).send().await.unwrap();
        let list: Vec<DatabaseDto> = expect_json(r, StatusCode::OK).await;
        if let Some(db) = list
            .iter()
            .find(|d| d.project == project && d.problem.is_none())
        {
            return db.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{project} not listed as a database ready to back up: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Starts a backup and returns its id (asserting 202).
pub async fn start_backup(client: &Client, s: &TestServer, body: Value) -> i64 {
    let r = client
        .post(s.url("/api/v1/backups"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let started: BackupStarted = expect_json(r, StatusCode::ACCEPTED).await;
    assert_eq!(started.status, BackupStatus::Running);
    started.id
}

/// Waits until the backup is no longer running and returns it.
pub async fn wait_backup(client: &Client, s: &TestServer, id: i64) -> BackupDto {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = client
            .get(s.url(&format!("/api/v1/backups/{id}")))
            .send()
            .await
            .unwrap();
        let b: BackupDto = expect_json(r, StatusCode::OK).await;
        if b.status != BackupStatus::Running {
            return b;
        }
        assert!(
            Instant::now() < deadline,
            "backup #{id} still running: {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Takes a backup of `project`/`service` and asserts it ends good.
pub async fn good_backup(
    client: &Client,
    s: &TestServer,
    project: &str,
    extra: Value,
) -> BackupDto {
    let mut body = json!({"project": project, "service": "db"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let id = start_backup(client, s, body).await;
    let b = wait_backup(client, s, id).await;
    assert_eq!(b.status, BackupStatus::Ok, "{b:?}");
    b
}

/// A psql session holding an exclusive lock on `stock`, so a pg_dump started meanwhile waits
/// inside the container: the dump is surely in flight when a test breaks something.
/// The session ends when this is dropped.
pub struct Lock {
    client: std::process::Child,
    container: String,
}

pub async fn hold_lock(container: &str) -> Lock {
    hold_lock_in(container, "ACCESS EXCLUSIVE").await
}

/// The same, in another lock mode: `ACCESS SHARE` lets a pg_dump through but holds up a
/// restore, whose DROP TABLE waits for it.
pub async fn hold_lock_in(container: &str, mode: &str) -> Lock {
    let child = Command::new("docker")
        .args([
            "exec",
            container,
            "psql",
            "-U",
            "shop",
            "-d",
            "shop",
            "-c",
            &format!("BEGIN; LOCK TABLE stock IN {mode} MODE; SELECT pg_sleep(300);"),
        ])
        // Its BEGIN, and the FATAL when the session is ended, are not the test's output.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = Lock {
        client: child,
        container: container.to_owned(),
    };
    // Held once PostgreSQL says it granted it (e.g. "ACCESS SHARE" is AccessShareLock).
    let held: String = mode
        .split_whitespace()
        .map(|w| w[..1].to_owned() + &w[1..].to_lowercase())
        .collect();
    let granted = format!(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE c.relname = 'stock' AND l.mode = '{held}Lock' AND l.granted AND l.pid <> pg_backend_pid()"
    );
    until_count(container, &granted, "the lock on stock is not held").await;
    lock
}

/// Waits until a session in `container`'s PostgreSQL waits on a lock (a dump or restore held
/// up by a [`Lock`]).
pub async fn wait_lock_waiter(container: &str) {
    until_count(
        container,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
        "nothing waits on the lock",
    )
    .await;
}

/// Polls `count_sql` (as shop) until it counts at least one row; panics with `what` after 30 s.
async fn until_count(container: &str, count_sql: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while psql(container, "shop", "shop", count_sql) == "0" {
        assert!(Instant::now() < deadline, "{what} after 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for Lock {
    /// Ends the session inside the database too: killing the `docker exec` client alone
    /// leaves psql (and its lock) running in the container.
    fn drop(&mut self) {
        // Not psql(): a drop must not panic, and the container may be gone already.
        let _ = docker(&[
            "exec",
            &self.container,
            "psql",
            "-U",
            "shop",
            "-d",
            "shop",
            "-c",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' AND pid <> pg_backend_pid()",
        ]);
        let _ = self.client.kill();
        let _ = self.client.wait();
    }
}

/// The files in a directory, sorted.
pub fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A small tmpfs (`size` as mount(8) takes it, e.g. `2m`), for a disk that fills up;
/// unmounted when dropped.
pub struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    pub fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the full-disk tests mount a small tmpfs and need root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

impl Drop for SmallDisk {
    /// Lazily: a bosun of the test may still hold files there until its runtime ends.
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).output();
    }
}
