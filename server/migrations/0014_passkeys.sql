-- Passkeys (WebAuthn credentials), several per user. `passkey` is webauthn-rs's record of the
-- credential (public key, signature counter), not a secret. `user_handle` is the random id the
-- authenticator keeps for the user (the same for all of a user's passkeys), so a passwordless
-- sign-in names nobody until the assertion is checked.
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_handle TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,   -- base64url
    name TEXT NOT NULL,
    rp_id TEXT NOT NULL,                  -- the host name it works at
    passkey TEXT NOT NULL,                -- JSON
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);
