-- Image updates: what the last check found per service, and every update or rollback run.

CREATE TABLE update_checks (
    project          TEXT    NOT NULL,
    service          TEXT    NOT NULL,
    image            TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('current', 'available', 'local_build', 'pinned', 'excluded', 'failed', 'unchecked')),
    current_digest   TEXT,
    available_digest TEXT,
    built_at         TEXT,
    checked_at       INTEGER,
    reason           TEXT,
    -- The newest digest `update.available` was sent for: once per new build.
    notified_digest  TEXT,
    PRIMARY KEY (project, service)
);

CREATE TABLE update_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project     TEXT    NOT NULL,
    service     TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('update', 'rollback')),
    image       TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'rolled_back', 'failed', 'interrupted')),
    from_id     TEXT    NOT NULL,
    from_digest TEXT,
    to_id       TEXT,
    to_digest   TEXT,
    -- JSON: what was done, in order.
    steps       TEXT    NOT NULL DEFAULT '[]',
    -- JSON: the containers being replaced (name, old id, running), so a restart puts them back.
    plan        TEXT    NOT NULL DEFAULT '[]',
    reason      TEXT,
    logs        TEXT,
    downtime_ms INTEGER,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    actor       TEXT    NOT NULL
);
CREATE INDEX update_runs_by_service ON update_runs (project, service, id);
CREATE INDEX update_runs_by_status ON update_runs (status);
