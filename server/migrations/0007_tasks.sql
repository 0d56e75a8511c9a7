-- Runbook tasks: every run (with its output, bounded) and the tasks admins define in bosun.

CREATE TABLE task_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project      TEXT    NOT NULL,
    service      TEXT    NOT NULL,
    task         TEXT    NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('label', 'bosun')),
    mode         TEXT    NOT NULL CHECK (mode IN ('exec', 'run')),
    -- The least role the task needed; reading the run needs it too.
    role         TEXT    NOT NULL CHECK (role IN ('operator', 'admin')),
    -- JSON: the exact argument list, and the parameter values given.
    argv         TEXT    NOT NULL,
    params       TEXT    NOT NULL,
    container    TEXT,
    -- Labels the run's one-off container (bosun.task-run), so a restart finds it.
    token        TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted')),
    exit_code    INTEGER,
    reason       TEXT,
    output_bytes INTEGER NOT NULL DEFAULT 0,
    truncated    INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    actor        TEXT    NOT NULL
);
CREATE INDEX task_runs_by_task ON task_runs (project, service, task, id);
CREATE INDEX task_runs_by_status ON task_runs (status);

-- A run's output in pieces, in order; at most 5 MB per run.
CREATE TABLE task_output (
    run_id INTEGER NOT NULL REFERENCES task_runs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    stream TEXT    NOT NULL CHECK (stream IN ('stdout', 'stderr', 'note')),
    text   TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Tasks defined by admins, for stacks whose compose file they cannot change: the same
-- fields as the labels (`command`, `mode`, `param.NAME`, ...), as a JSON object.
CREATE TABLE defined_tasks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project    TEXT    NOT NULL,
    service    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    fields     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (project, service, name)
);
