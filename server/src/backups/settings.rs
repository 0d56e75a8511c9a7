//! What a backup of a database container needs: which database, as which user, and where the
//! password is. Read from the official images' variables, overridden by `bosun.backup.*`
//! labels. Only names are kept here; password values are read from the container when a job
//! runs, and never stored, logged or shown.

use std::collections::{BTreeMap, HashMap};

use bosun_frontend::model::DbEngine;

pub const BACKUP_LABEL: &str = "bosun.backup";
pub const DATABASE_LABEL: &str = "bosun.backup.database";
pub const USER_LABEL: &str = "bosun.backup.user";
pub const PASSWORD_ENV_LABEL: &str = "bosun.backup.password-env";
pub const SCHEDULE_LABEL: &str = "bosun.backup.schedule";
pub const KEEP_LABEL: &str = "bosun.backup.keep";

/// Where the password comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// The container variable of this name holds it.
    Env(String),
    /// The container variable of this name holds a path to a file inside the container
    /// (the images' `*_FILE` convention); the file is read in the container.
    File(String),
}

impl PasswordSource {
    /// The variable's name, for the page (never its value).
    pub fn variable(&self) -> &str {
        match self {
            PasswordSource::Env(v) | PasswordSource::File(v) => v,
        }
    }
}

/// A database container's backup settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbSettings {
    pub engine: DbEngine,
    /// `None` when neither a variable nor the label names it.
    pub database: Option<String>,
    pub user: String,
    pub password: Option<PasswordSource>,
    /// `bosun.backup.schedule`, unparsed (checked where schedules are made).
    pub schedule: Option<String>,
    /// `bosun.backup.keep`, unparsed.
    pub keep: Option<String>,
    /// `bosun.backup.verify` (auto, always, newest-weekly, off), unparsed.
    pub verify: Option<String>,
}

/// A name usable as an environment variable.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128
}

fn first_set<'a>(env: &HashMap<&str, &'a str>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| env.get(n).copied().filter(|v| !v.is_empty()))
}

/// The first of `names` that is set, as a password source; `NAME_FILE` counts too.
fn password_from(env: &HashMap<&str, &str>, names: &[&str]) -> Option<PasswordSource> {
    names.iter().find_map(|n| {
        if env.get(n).is_some_and(|v| !v.is_empty()) {
            Some(PasswordSource::Env((*n).to_owned()))
        } else {
            let file = format!("{n}_FILE");
            env.get(file.as_str())
                .is_some_and(|v| !v.is_empty())
                .then_some(PasswordSource::File(file))
        }
    })
}

/// The settings of a container whose engine is already known; `None` when the service opts
/// out with `bosun.backup=false`. `env` is `NAME=value` as the engine reports it.
pub fn settings<'a>(
    engine: DbEngine,
    env: impl IntoIterator<Item = &'a str>,
    labels: &BTreeMap<String, String>,
) -> Option<DbSettings> {
    if labels
        .get(BACKUP_LABEL)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
    {
        return None;
    }
    let env: HashMap<&str, &str> = env
        .into_iter()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let label = |k: &str| {
        labels
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let label_password = label(PASSWORD_ENV_LABEL)
        .filter(|n| is_variable_name(n))
        .map(|n| {
            if n.ends_with("_FILE") {
                PasswordSource::File(n)
            } else {
                PasswordSource::Env(n)
            }
        });
    let (user, database, password) = match engine {
        DbEngine::Postgres => {
            let user = label(USER_LABEL)
                .or_else(|| first_set(&env, &["POSTGRES_USER"]).map(str::to_owned))
                .unwrap_or_else(|| "postgres".to_owned());
            let database = label(DATABASE_LABEL)
                .or_else(|| first_set(&env, &["POSTGRES_DB"]).map(str::to_owned))
                .or_else(|| Some(user.clone()));
            let password = label_password.or_else(|| password_from(&env, &["POSTGRES_PASSWORD"]));
            (user, database, password)
        }
        DbEngine::Mysql | DbEngine::Mariadb => {
            let database = label(DATABASE_LABEL).or_else(|| {
                first_set(&env, &["MARIADB_DATABASE", "MYSQL_DATABASE"]).map(str::to_owned)
            });
            let root = password_from(&env, &["MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"]);
            let (user, password) = match (label(USER_LABEL), root) {
                (Some(user), _) => (user, label_password),
                (None, Some(root)) => ("root".to_owned(), label_password.or(Some(root))),
                (None, None) => (
                    first_set(&env, &["MARIADB_USER", "MYSQL_USER"])
                        .unwrap_or("root")
                        .to_owned(),
                    label_password
                        .or_else(|| password_from(&env, &["MARIADB_PASSWORD", "MYSQL_PASSWORD"])),
                ),
            };
            (user, database, password)
        }
    };
    Some(DbSettings {
        engine,
        database,
        user,
        password,
        schedule: label(SCHEDULE_LABEL),
        keep: label(KEEP_LABEL),
        verify: label("bosun.backup.verify"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn postgres_reads_the_official_variables() {
        let s = settings(
            DbEngine::Postgres,
            [
                "POSTGRES_USER=demo",
                "POSTGRES_PASSWORD=secret",
                "POSTGRES_DB=shop",
            ],
            &labels(&[]),
        );
        assert_eq!(
            s,
            Some(DbSettings {
                engine: DbEngine::Postgres,
                database: Some("shop".into()),
                user: "demo".into(),
                password: Some(PasswordSource::Env("POSTGRES_PASSWORD".into())),
                schedule: None,
                keep: None,
                verify: None,
            })
        );
        // Defaults as in the official image: user postgres, database = user.
        let s = settings(DbEngine::Postgres, ["PG_VERSION=15"], &labels(&[]));
        assert_eq!(s.as_ref().map(|s| s.user.as_str()), Some("postgres"));
        assert_eq!(s.and_then(|s| s.database).as_deref(), Some("postgres"));
    }

    #[test]
    fn file_variants_name_the_file_variable() {
        let s = settings(
            DbEngine::Postgres,
            ["POSTGRES_PASSWORD_FILE=/run/secrets/pg"],
            &labels(&[]),
        );
        assert_eq!(
            s.and_then(|s| s.password),
            Some(PasswordSource::File("POSTGRES_PASSWORD_FILE".into()))
        );
    }

    #[test]
    fn mariadb_prefers_root_and_labels_override() {
        let env = [
            "MARIADB_ROOT_PASSWORD=r",
            "MARIADB_DATABASE=shop",
            "MARIADB_USER=app",
            "MARIADB_PASSWORD=a",
        ];
        let s = settings(DbEngine::Mariadb, env, &labels(&[]));
        assert_eq!(s.as_ref().map(|s| s.user.as_str()), Some("root"));
        assert_eq!(
            s.and_then(|s| s.password),
            Some(PasswordSource::Env("MARIADB_ROOT_PASSWORD".into()))
        );
        let s = settings(
            DbEngine::Mariadb,
            env,
            &labels(&[
                (USER_LABEL, "backup"),
                (PASSWORD_ENV_LABEL, "BACKUP_PW"),
                (DATABASE_LABEL, "other"),
                (SCHEDULE_LABEL, "0 3 * * *"),
            ]),
        );
        assert_eq!(s.as_ref().map(|s| s.user.as_str()), Some("backup"));
        assert_eq!(
            s.as_ref().and_then(|s| s.database.as_deref()),
            Some("other")
        );
        assert_eq!(
            s.as_ref().and_then(|s| s.password.clone()),
            Some(PasswordSource::Env("BACKUP_PW".into()))
        );
        assert_eq!(s.and_then(|s| s.schedule).as_deref(), Some("0 3 * * *"));
    }

    #[test]
    fn mysql_without_root_uses_the_app_user_and_may_lack_a_database() {
        let s = settings(
            DbEngine::Mysql,
            ["MYSQL_USER=app", "MYSQL_PASSWORD=a"],
            &labels(&[]),
        );
        assert_eq!(s.as_ref().map(|s| s.user.as_str()), Some("app"));
        assert_eq!(s.and_then(|s| s.database), None);
    }

    #[test]
    fn opting_out_and_bad_variable_names() {
        assert_eq!(
            settings(DbEngine::Postgres, [], &labels(&[(BACKUP_LABEL, "false")])),
            None
        );
        // A label naming something that is not a variable is ignored, not passed to a shell.
        let s = settings(
            DbEngine::Postgres,
            ["POSTGRES_PASSWORD=x"],
            &labels(&[(PASSWORD_ENV_LABEL, "$(reboot)")]),
        );
        assert_eq!(
            s.and_then(|s| s.password),
            Some(PasswordSource::Env("POSTGRES_PASSWORD".into()))
        );
        assert!(is_variable_name("PG_PASS_2"));
        assert!(!is_variable_name("2PG"));
        assert!(!is_variable_name(""));
    }
}
