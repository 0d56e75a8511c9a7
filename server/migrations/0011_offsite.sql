-- Off-site copies of backups: one per backup, with how its last attempt ended.
CREATE TABLE backup_copies (
    backup_id INTEGER PRIMARY KEY REFERENCES backups (id) ON DELETE CASCADE,
    key       TEXT    NOT NULL,
    status    TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    size      INTEGER,
    sha256    TEXT,
    at        INTEGER,
    attempts  INTEGER NOT NULL DEFAULT 0,
    next_at   INTEGER,
    error     TEXT
);
