-- Database backups: the catalogue (one row per attempt, good or not) and schedules.

CREATE TABLE backups (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project        TEXT    NOT NULL,
    service        TEXT    NOT NULL,
    engine         TEXT    NOT NULL,
    database       TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('manual', 'scheduled', 'safety')),
    status         TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    reason         TEXT,
    -- Server-made file name inside the backup directory; never taken from a request.
    file_name      TEXT    NOT NULL,
    compression    TEXT    NOT NULL CHECK (compression IN ('gzip', 'zstd')),
    dump_bytes     INTEGER NOT NULL DEFAULT 0,
    file_bytes     INTEGER NOT NULL DEFAULT 0,
    sha256         TEXT,
    server_version TEXT,
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    actor          TEXT    NOT NULL
);

CREATE INDEX backups_by_database ON backups (project, service, id);
CREATE INDEX backups_by_status ON backups (status);

CREATE TABLE backup_schedules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project      TEXT    NOT NULL,
    service      TEXT    NOT NULL,
    cron         TEXT    NOT NULL,
    compression  TEXT    NOT NULL CHECK (compression IN ('gzip', 'zstd')),
    keep_last    INTEGER NOT NULL DEFAULT 0,
    keep_daily   INTEGER NOT NULL DEFAULT 0,
    keep_weekly  INTEGER NOT NULL DEFAULT 0,
    keep_monthly INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (project, service)
);

-- When each database's schedule last fired (bosun's or a label's), so a restart can tell
-- which runs were missed while it was down.
CREATE TABLE backup_schedule_runs (
    project     TEXT    NOT NULL,
    service     TEXT    NOT NULL,
    last_run_at INTEGER NOT NULL,
    PRIMARY KEY (project, service)
);
