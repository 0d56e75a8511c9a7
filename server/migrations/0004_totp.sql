-- Two-factor sign-in (TOTP, RFC 6238), its single-use recovery codes, and admin settings.
ALTER TABLE users ADD COLUMN totp_secret TEXT;          -- base32; set once enrolment is confirmed
ALTER TABLE users ADD COLUMN totp_pending TEXT;         -- base32; during enrolment only
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;  -- a code is good once

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the normalised code, hex. The code itself is shown once and never stored.
    code_hash TEXT    NOT NULL,
    used_at   INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL
);
