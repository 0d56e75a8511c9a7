-- Certificates bosun looks after: its own ('bosun') and certificate files it has renewed
-- ('file-…', keyed by the file's path). Times are unix milliseconds (UTC).
CREATE TABLE managed_certs (
    id              TEXT    PRIMARY KEY,
    -- The certificate file and its key (files only; bosun's own live in the data dir).
    cert_path       TEXT,
    key_path        TEXT,
    source          TEXT    NOT NULL CHECK (source IN ('self-signed', 'internal-ca', 'acme', 'upload', 'files', 'external')),
    challenge       TEXT    CHECK (challenge IN ('http-01', 'dns-01')),
    -- JSON array of the DNS names / IPs to certify.
    names           TEXT    NOT NULL DEFAULT '[]',
    -- JSON array of {project, service, action}: services to reload besides those found by label.
    reload          TEXT    NOT NULL DEFAULT '[]',
    last_renewed_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    -- JSON array of the last renewal's ReloadResult.
    reloads         TEXT    NOT NULL DEFAULT '[]',
    updated_at      INTEGER NOT NULL
);
