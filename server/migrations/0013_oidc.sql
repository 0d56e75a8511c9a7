-- Accounts of the team's identity provider (OpenID Connect), linked by issuer and subject,
-- never by e-mail. Their role is derived from these groups at every sign-in.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
ALTER TABLE users ADD COLUMN oidc_groups TEXT;      -- JSON array, as of the last sign-in
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;
