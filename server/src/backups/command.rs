//! The commands a backup or restore runs inside the database container, and how their
//! output is judged. Names go in through the exec environment, never spliced into a shell
//! line; the password goes in the exec environment too (or is read from its `*_FILE` inside
//! the container), never into argv. Each script first announces its pid on stderr and then
//! `exec`s the tool, so bosun can end the tool inside the container if it must stop it.

use bosun_frontend::model::DbEngine;

use super::stderr::ANNOUNCE;

/// The password for one job.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Value(String),
    /// A path inside the container to read it from.
    File(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Value(_) => f.write_str("Secret::Value(<redacted>)"),
            Secret::File(p) => write!(f, "Secret::File({p})"),
        }
    }
}

/// What to run: argv and environment (which may hold the password).
#[derive(Clone, PartialEq, Eq)]
pub struct ExecSpec {
    pub cmd: Vec<String>,
    pub env: Vec<String>,
}

impl std::fmt::Debug for ExecSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .env
            .iter()
            .map(|kv| kv.split_once('=').map_or(kv.as_str(), |(k, _)| k))
            .collect();
        f.debug_struct("ExecSpec")
            .field("cmd", &self.cmd)
            .field("env names", &names)
            .finish()
    }
}

/// A database or user name that is safe to pass as one argument: no option look-alikes,
/// no control characters.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'))
}

const READ_PASSWORD_FILE_PG: &str = r#"if [ -n "${BOSUN_PWFILE:-}" ]; then PGPASSWORD=$(cat -- "$BOSUN_PWFILE") || { echo "bosun: cannot read the password file $BOSUN_PWFILE" >&2; exit 3; }; export PGPASSWORD; fi"#;
const READ_PASSWORD_FILE_MY: &str = r#"if [ -n "${BOSUN_PWFILE:-}" ]; then MYSQL_PWD=$(cat -- "$BOSUN_PWFILE") || { echo "bosun: cannot read the password file $BOSUN_PWFILE" >&2; exit 3; }; export MYSQL_PWD; fi"#;

/// Roles and tablespaces (`pg_dumpall --globals-only`, without passwords) as SQL comments
/// ahead of the dump, where the user may read them: a restore skips them, and whoever sets up
/// a new server can recreate what is missing from them.
const PG_GLOBALS: &str = r#"echo '-- Roles and tablespaces at backup time (pg_dumpall --globals-only --no-role-passwords),'
echo '-- kept as comments: a restore skips them; recreate what a new server lacks by hand.'
if g=$(pg_dumpall --no-password --globals-only --no-role-passwords 2>/dev/null); then printf '%s\n' "$g" | sed 's/^/-- /'; else echo '-- (this user may not read them)'; fi"#;

fn shell(script: String) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script]
}

fn env(engine: DbEngine, user: &str, database: &str, secret: Option<&Secret>) -> Vec<String> {
    let mut env = Vec::new();
    match engine {
        DbEngine::Postgres => {
            env.push(format!("PGUSER={user}"));
            env.push(format!("PGDATABASE={database}"));
            env.push("PGCONNECT_TIMEOUT=15".into());
            // With a password, go over TCP so it is actually checked (the images trust the
            // local socket); without one, the socket is the way in.
            if secret.is_some() {
                env.push("PGHOST=127.0.0.1".into());
            }
        }
        DbEngine::Mysql | DbEngine::Mariadb => {
            env.push(format!("BOSUN_USER={user}"));
            env.push(format!("BOSUN_DB={database}"));
        }
    }
    match (engine, secret) {
        (DbEngine::Postgres, Some(Secret::Value(v))) => env.push(format!("PGPASSWORD={v}")),
        (_, Some(Secret::Value(v))) => env.push(format!("MYSQL_PWD={v}")),
        (_, Some(Secret::File(p))) => env.push(format!("BOSUN_PWFILE={p}")),
        (_, None) => {}
    }
    env
}

/// The dump: plain SQL on stdout, with DROP … IF EXISTS so it restores over a live database.
pub fn dump(engine: DbEngine, user: &str, database: &str, secret: Option<&Secret>) -> ExecSpec {
    let script = match engine {
        DbEngine::Postgres => format!(
            "{ANNOUNCE}\n{READ_PASSWORD_FILE_PG}\n{PG_GLOBALS}\nexec pg_dump --no-password --clean --if-exists --quote-all-identifiers"
        ),
        DbEngine::Mysql | DbEngine::Mariadb => format!(
            "{ANNOUNCE}\n{READ_PASSWORD_FILE_MY}\nif command -v mariadb-dump >/dev/null 2>&1; then d=mariadb-dump; else d=mysqldump; fi\nexec \"$d\" --user=\"$BOSUN_USER\" --single-transaction --routines --events --triggers --hex-blob --databases \"$BOSUN_DB\""
        ),
    };
    ExecSpec {
        cmd: shell(script),
        env: env(engine, user, database, secret),
    }
}

/// The restore: the dump on stdin, all or nothing, stopping at the first error.
pub fn restore(engine: DbEngine, user: &str, database: &str, secret: Option<&Secret>) -> ExecSpec {
    let script = match engine {
        DbEngine::Postgres => format!(
            "{ANNOUNCE}\n{READ_PASSWORD_FILE_PG}\nexec psql --no-password --no-psqlrc --quiet -v ON_ERROR_STOP=1 --single-transaction"
        ),
        DbEngine::Mysql | DbEngine::Mariadb => format!(
            "{ANNOUNCE}\n{READ_PASSWORD_FILE_MY}\nif command -v mariadb >/dev/null 2>&1; then c=mariadb; else c=mysql; fi\nexec \"$c\" --user=\"$BOSUN_USER\" \"$BOSUN_DB\""
        ),
    };
    ExecSpec {
        cmd: shell(script),
        env: env(engine, user, database, secret),
    }
}

/// Sent after a restore's input broke off: ends any COPY block, then fails on purpose, so
/// the client stops (and PostgreSQL rolls the single transaction back) instead of taking the
/// cut-off script as complete.
pub fn abort_input(engine: DbEngine) -> &'static str {
    match engine {
        DbEngine::Postgres => "\n\\.\nSELECT bosun_restore_input_broke_off();\n",
        DbEngine::Mysql | DbEngine::Mariadb => "\n;\nSELECT bosun_restore_input_broke_off();\n",
    }
}

/// The line each dump tool writes last when it finished the whole dump.
pub fn trailer(engine: DbEngine) -> &'static str {
    match engine {
        DbEngine::Postgres => "-- PostgreSQL database dump complete",
        DbEngine::Mysql | DbEngine::Mariadb => "-- Dump completed",
    }
}

/// Whether the dump's last bytes carry its completion trailer.
pub fn has_trailer(engine: DbEngine, tail: &[u8]) -> bool {
    let wanted = trailer(engine).as_bytes();
    tail.windows(wanted.len()).any(|w| w == wanted)
}

/// The server version from the dump's header comment.
pub fn server_version(engine: DbEngine, head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let prefix = match engine {
        DbEngine::Postgres => "-- Dumped from database version",
        DbEngine::Mysql | DbEngine::Mariadb => "-- Server version",
    };
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|v| v.trim().chars().take(100).collect::<String>())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_in_argv_nor_in_debug_output() {
        let secret = Secret::Value("hunter2".into());
        for engine in [DbEngine::Postgres, DbEngine::Mariadb] {
            for spec in [
                dump(engine, "demo", "shop", Some(&secret)),
                restore(engine, "demo", "shop", Some(&secret)),
            ] {
                assert!(spec.cmd.iter().all(|a| !a.contains("hunter2")));
                assert!(spec.env.iter().any(|e| e.ends_with("=hunter2")));
                assert!(!format!("{spec:?}").contains("hunter2"));
                // Names travel in the environment, not in the script.
                assert!(spec.cmd.iter().all(|a| !a.contains("shop")));
            }
        }
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn every_script_announces_its_pid_first_and_execs_the_tool() {
        for engine in [DbEngine::Postgres, DbEngine::Mysql] {
            for spec in [
                dump(engine, "u", "d", None),
                restore(engine, "u", "d", None),
            ] {
                let script = &spec.cmd[2];
                assert!(script.starts_with(ANNOUNCE), "{script}");
                assert!(script.contains("\nexec "), "{script}");
            }
        }
    }

    #[test]
    fn postgres_roles_come_first_as_comments() {
        let s = dump(DbEngine::Postgres, "u", "d", None).cmd.join(" ");
        let globals = s.find("pg_dumpall --no-password --globals-only --no-role-passwords");
        let dump = s.find("exec pg_dump");
        assert!(globals.is_some_and(|g| dump.is_some_and(|d| g < d)), "{s}");
        assert!(s.contains("sed 's/^/-- /'"));
    }

    #[test]
    fn postgres_uses_tcp_only_with_a_password() {
        let with = dump(
            DbEngine::Postgres,
            "u",
            "d",
            Some(&Secret::File("/s".into())),
        );
        assert!(with.env.contains(&"PGHOST=127.0.0.1".to_owned()));
        assert!(with.env.contains(&"BOSUN_PWFILE=/s".to_owned()));
        let without = dump(DbEngine::Postgres, "u", "d", None);
        assert!(without.env.iter().all(|e| !e.starts_with("PGHOST")));
    }

    #[test]
    fn mysql_dump_has_the_consistency_flags() {
        let s = dump(DbEngine::Mysql, "root", "shop", None).cmd.join(" ");
        for flag in [
            "--single-transaction",
            "--routines",
            "--events",
            "--triggers",
            "--hex-blob",
        ] {
            assert!(s.contains(flag), "{flag} missing from {s}");
        }
        let r = restore(DbEngine::Mysql, "root", "shop", None).cmd.join(" ");
        assert!(!r.contains("--force"));
    }

    #[test]
    fn trailers_and_versions_are_read_from_the_dump() {
        let pg = b"--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.8 (Debian 15.8-0+deb12u1)\n";
        assert_eq!(
            server_version(DbEngine::Postgres, pg).as_deref(),
            Some("15.8 (Debian 15.8-0+deb12u1)")
        );
        assert!(!has_trailer(DbEngine::Postgres, pg));
        assert!(has_trailer(
            DbEngine::Postgres,
            b"...\n--\n-- PostgreSQL database dump complete\n--\n\n"
        ));
        let my = b"-- MariaDB dump 10.19\n-- Server version\t10.11.6-MariaDB-0+deb12u1\n";
        assert_eq!(
            server_version(DbEngine::Mariadb, my).as_deref(),
            Some("10.11.6-MariaDB-0+deb12u1")
        );
        assert!(has_trailer(
            DbEngine::Mariadb,
            b"/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed on 2026-11-22  3:00:01\n"
        ));
    }

    #[test]
    fn names_that_look_like_options_are_not_plain() {
        assert!(is_plain_name("shop_2"));
        assert!(!is_plain_name("--all-databases"));
        assert!(!is_plain_name("a b"));
        assert!(!is_plain_name(""));
    }
}
