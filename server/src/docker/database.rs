//! Which containers are databases: by the `bosun.backup.engine` label, the image name, or
//! the variables the official images set in their own environment (`PG_VERSION`,
//! `MARIADB_VERSION`, `MYSQL_VERSION`). Variables an application sets to *reach* a database
//! (`POSTGRES_HOST`, `MYSQL_PASSWORD`) do not count: a Django web service is not a database.

use bosun_frontend::model::DbEngine;

pub const ENGINE_LABEL: &str = "bosun.backup.engine";

/// `registry:5000/library/postgres:15-alpine` → `postgres`.
fn repository_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last)
}

fn by_image(image: &str) -> Option<DbEngine> {
    let name = repository_name(image).to_ascii_lowercase();
    if name.contains("mariadb") {
        Some(DbEngine::Mariadb)
    } else if name.contains("mysql") || name.contains("percona") {
        Some(DbEngine::Mysql)
    } else if ["postgres", "postgis", "timescale"]
        .iter()
        .any(|p| name.contains(p))
    {
        Some(DbEngine::Postgres)
    } else {
        None
    }
}

fn by_env<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<DbEngine> {
    names.find_map(|n| match n {
        "MARIADB_VERSION" | "MARIADB_MAJOR" => Some(DbEngine::Mariadb),
        "MYSQL_VERSION" | "MYSQL_MAJOR" => Some(DbEngine::Mysql),
        "PG_VERSION" | "PG_MAJOR" | "PGDATA" => Some(DbEngine::Postgres),
        _ => None,
    })
}

/// The database engine of a container; `env` is `NAME=value` as the engine reports it
/// (only the names are read).
pub fn detect<'a>(
    image: &str,
    env: impl IntoIterator<Item = &'a str>,
    label: Option<&str>,
) -> Option<DbEngine> {
    if let Some(engine) = label.and_then(|l| l.parse().ok()) {
        return Some(engine);
    }
    by_image(image).or_else(|| {
        by_env(
            env.into_iter()
                .map(|kv| kv.split_once('=').map_or(kv, |(k, _)| k)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_and_derived_images_are_recognised() {
        assert_eq!(detect("postgres:15", [], None), Some(DbEngine::Postgres));
        assert_eq!(
            detect("registry.lan:5000/team/postgis:3", [], None),
            Some(DbEngine::Postgres)
        );
        assert_eq!(detect("mariadb:10.11", [], None), Some(DbEngine::Mariadb));
        assert_eq!(
            detect("mysql:8@sha256:abc", [], None),
            Some(DbEngine::Mysql)
        );
        assert_eq!(
            detect("bosun-demo/postgres:15", [], None),
            Some(DbEngine::Postgres)
        );
    }

    #[test]
    fn the_image_environment_counts_but_client_settings_do_not() {
        assert_eq!(
            detect("acme/db:1", ["PGDATA=/var/lib/postgresql/data"], None),
            Some(DbEngine::Postgres)
        );
        assert_eq!(
            detect("acme/db:1", ["MARIADB_VERSION=1:10.11"], None),
            Some(DbEngine::Mariadb)
        );
        // A web app pointed at a database is not one.
        assert_eq!(
            detect(
                "acme/portal:2",
                ["POSTGRES_HOST=db", "POSTGRES_PASSWORD=x", "MYSQL_USER=u"],
                None
            ),
            None
        );
    }

    #[test]
    fn the_label_wins() {
        assert_eq!(
            detect("acme/db:1", [], Some("mariadb")),
            Some(DbEngine::Mariadb)
        );
        // An unknown label value falls back to detection.
        assert_eq!(
            detect("postgres:15", [], Some("oracle")),
            Some(DbEngine::Postgres)
        );
    }
}
