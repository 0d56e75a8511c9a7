-- An API token belongs to one generation of its owner's credentials: a password change, a
-- "sign out everywhere", an admin's password or two-factor reset, or disabling the user bumps
-- the user's epoch, and a token of an older epoch no longer works (and is deleted then).
ALTER TABLE api_tokens ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET epoch = (SELECT session_epoch FROM users WHERE users.id = api_tokens.user_id);
