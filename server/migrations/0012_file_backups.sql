-- File backups beside database dumps, and stack sets that group a project's backups.
CREATE TABLE backup_sets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    reason      TEXT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    actor       TEXT    NOT NULL
);

-- 'database' (a dump) or 'files' (a service's volumes and bind mounts, as one tar).
ALTER TABLE backups ADD COLUMN content TEXT NOT NULL DEFAULT 'database';
-- A file backup's paths: JSON [{path, files, bytes, sha256}].
ALTER TABLE backups ADD COLUMN paths TEXT;
-- JSON [container id]: containers this job stopped and has not started again yet, so a
-- bosun that stopped mid-job starts them at its next start.
ALTER TABLE backups ADD COLUMN held TEXT;
ALTER TABLE backups ADD COLUMN set_id INTEGER REFERENCES backup_sets (id) ON DELETE SET NULL;
CREATE INDEX backups_set ON backups (set_id);

-- Why a set was taken: 'manual' or 'scheduled' (only scheduled sets are pruned).
ALTER TABLE backup_sets ADD COLUMN kind TEXT NOT NULL DEFAULT 'manual';

-- A project's stack-set schedule: cron (UTC), how many scheduled sets to keep, its last run.
CREATE TABLE set_schedules (
    project    TEXT    PRIMARY KEY,
    cron       TEXT    NOT NULL,
    keep_last  INTEGER NOT NULL DEFAULT 0,
    last_run   INTEGER,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
