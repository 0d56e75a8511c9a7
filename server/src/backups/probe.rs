//! What a verification runs in its throwaway server, per engine: how the server is set up,
//! how to tell it accepts connections, and how to count every table's rows exactly. The
//! scripts and queries are fixed text; names and the password travel in the environment.

use bosun_frontend::model::DbEngine;

use super::command::Secret;
use super::tally::Figures;

/// A throwaway server's set-up and the account a restore uses in it.
pub struct Server {
    /// The image's variables for a fresh server (they hold the random password).
    pub env: Vec<String>,
    pub data_dir: &'static str,
    pub user: String,
    pub secret: Secret,
}

pub fn server(engine: DbEngine, user: &str, database: &str, password: &str) -> Server {
    match engine {
        DbEngine::Postgres => Server {
            env: vec![
                format!("POSTGRES_PASSWORD={password}"),
                format!("POSTGRES_USER={user}"),
                format!("POSTGRES_DB={database}"),
            ],
            data_dir: "/var/lib/postgresql/data",
            user: user.to_owned(),
            secret: Secret::Value(password.to_owned()),
        },
        DbEngine::Mysql | DbEngine::Mariadb => Server {
            env: vec![
                format!("MARIADB_ROOT_PASSWORD={password}"),
                format!("MYSQL_ROOT_PASSWORD={password}"),
                format!("MARIADB_DATABASE={database}"),
                format!("MYSQL_DATABASE={database}"),
            ],
            data_dir: "/var/lib/mysql",
            user: "root".to_owned(),
            secret: Secret::Value(password.to_owned()),
        },
    }
}

/// A command in the throwaway server: argv and environment.
pub struct Probe {
    pub argv: Vec<String>,
    pub env: Vec<String>,
}

fn env(engine: DbEngine, server: &Server, database: &str) -> Vec<String> {
    let Secret::Value(password) = &server.secret else {
        return Vec::new();
    };
    match engine {
        DbEngine::Postgres => vec![
            format!("PGUSER={}", server.user),
            format!("PGDATABASE={database}"),
            "PGHOST=127.0.0.1".to_owned(),
            format!("PGPASSWORD={password}"),
        ],
        DbEngine::Mysql | DbEngine::Mariadb => vec![
            format!("MYSQL_PWD={password}"),
            format!("BOSUN_DB={database}"),
        ],
    }
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.to_owned()]
}

/// Exits 0 once the real server accepts connections over TCP (the images' set-up servers
/// listen on a socket only, so they are never mistaken for it).
pub fn ready(engine: DbEngine, server: &Server, database: &str) -> Probe {
    let argv = match engine {
        DbEngine::Postgres => vec![
            "pg_isready".into(),
            "--quiet".into(),
            "--host=127.0.0.1".into(),
        ],
        DbEngine::Mysql | DbEngine::Mariadb => sh(
            "if command -v mariadb-admin >/dev/null 2>&1; then a=mariadb-admin; else a=mysqladmin; fi\nexec \"$a\" --protocol=tcp --host=127.0.0.1 --user=root --silent status",
        ),
    };
    Probe {
        argv,
        env: env(engine, server, database),
    }
}

/// Every ordinary table of the restored database with its exact row count, one
/// `schema.table<TAB>rows` per line.
const PG_COUNT: &str = "SELECT n.nspname || '.' || c.relname, \
    (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' \
    ORDER BY 1";

const MY_COUNT: &str = "SET SESSION group_concat_max_len = 16777216; \
    SET @q = (SELECT GROUP_CONCAT(CONCAT('SELECT ', QUOTE(CONCAT(table_schema, '.', table_name)), ', COUNT(*) FROM `', REPLACE(table_schema, '`', '``'), '`.`', REPLACE(table_name, '`', '``'), '`') SEPARATOR ' UNION ALL ') \
    FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'); \
    SET @q = COALESCE(@q, 'SELECT 1, 1 FROM DUAL WHERE FALSE'); PREPARE s FROM @q; EXECUTE s;";

pub fn count(engine: DbEngine, server: &Server, database: &str) -> Probe {
    let argv = match engine {
        DbEngine::Postgres => vec![
            "psql".into(),
            "--no-password".into(),
            "--no-psqlrc".into(),
            "--no-align".into(),
            "--tuples-only".into(),
            "--field-separator=\t".into(),
            "-v".into(),
            "ON_ERROR_STOP=1".into(),
            "--command".into(),
            PG_COUNT.into(),
        ],
        DbEngine::Mysql | DbEngine::Mariadb => {
            let mut argv = sh(
                "if command -v mariadb >/dev/null 2>&1; then c=mariadb; else c=mysql; fi\nexec \"$c\" --protocol=tcp --host=127.0.0.1 --user=root --skip-column-names --batch --execute=\"$1\" \"$BOSUN_DB\"",
            );
            argv.push("bosun-count".into());
            argv.push(MY_COUNT.into());
            argv
        }
    };
    Probe {
        argv,
        env: env(engine, server, database),
    }
}

/// The counting output as figures.
pub fn parse_counts(output: &str) -> Result<Figures, String> {
    let mut figures = Figures::new();
    for line in output.lines().filter(|l| !l.trim().is_empty()) {
        let (table, rows) = line
            .rsplit_once('\t')
            .ok_or_else(|| format!("the row count query answered an odd line: {line:?}"))?;
        let rows = rows
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("the row count query answered an odd count: {line:?}"))?;
        figures.insert(table.to_owned(), rows);
    }
    Ok(figures)
}

/// Roles the PostgreSQL dump's header lists (as comments), to create before a restore into
/// a fresh server: a dump's `OWNER TO` and `GRANT` name them.
pub fn pg_roles(head: &[u8]) -> String {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|l| l.strip_prefix("-- "))
        .filter(|l| l.starts_with("CREATE ROLE ") || l.starts_with("ALTER ROLE "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Whether the restored copy holds exactly the source's tables and rows; the reason names
/// every table that differs (the first twenty).
pub fn compare(source: &Figures, restored: &Figures) -> Result<(), String> {
    let mut problems = Vec::new();
    for (table, rows) in source {
        match restored.get(table) {
            None => problems.push(format!("table {table} is missing after the restore")),
            Some(got) if got != rows => problems.push(format!(
                "table {table} has {got} rows after the restore, {rows} in the source"
            )),
            Some(_) => {}
        }
    }
    for table in restored.keys().filter(|t| !source.contains_key(*t)) {
        problems.push(format!(
            "table {table} is in the restore but not in the source"
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(20);
    problems.truncate(20);
    let mut reason = problems.join("; ");
    if more > 0 {
        reason.push_str(&format!("; and {more} more"));
    }
    Err(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_parsed_and_compared_table_by_table() {
        let restored = parse_counts("public.items\t3\npublic.empty\t0\n").unwrap();
        let mut source = restored.clone();
        assert_eq!(compare(&source, &restored), Ok(()));
        source.insert("public.items".into(), 4);
        source.insert("public.gone".into(), 1);
        let why = compare(&source, &restored).unwrap_err();
        assert!(
            why.contains("table public.items has 3 rows after the restore, 4 in the source"),
            "{why}"
        );
        assert!(why.contains("table public.gone is missing"), "{why}");
        assert!(parse_counts("nonsense").is_err());
        assert!(parse_counts("t\tmany").is_err());
    }

    #[test]
    fn the_password_is_in_the_environment_never_in_argv() {
        for engine in [DbEngine::Postgres, DbEngine::Mariadb] {
            let s = server(engine, "demo", "shop", "pw-123");
            for p in [ready(engine, &s, "shop"), count(engine, &s, "shop")] {
                assert!(p.argv.iter().all(|a| !a.contains("pw-123")));
                assert!(p.env.iter().any(|e| e.ends_with("=pw-123")));
            }
        }
    }

    #[test]
    fn roles_come_from_the_commented_globals() {
        let head = b"-- Roles and tablespaces\n-- CREATE ROLE \"reader\";\n-- ALTER ROLE \"reader\" WITH NOLOGIN;\n-- SET x = 1;\nCREATE TABLE t();\n";
        assert_eq!(
            pg_roles(head),
            "CREATE ROLE \"reader\";\nALTER ROLE \"reader\" WITH NOLOGIN;\n"
        );
    }
}
