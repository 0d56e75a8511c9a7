-- Backups proven by a restore: the source's tables and rows from the dump itself, the image
-- the database ran, and what the last verification found.

ALTER TABLE backups ADD COLUMN figures TEXT;
ALTER TABLE backups ADD COLUMN image TEXT;
ALTER TABLE backups ADD COLUMN verify_status TEXT
    CHECK (verify_status IS NULL OR verify_status IN ('running', 'verified', 'failed', 'skipped'));
ALTER TABLE backups ADD COLUMN verify_tables INTEGER;
ALTER TABLE backups ADD COLUMN verify_rows INTEGER;
ALTER TABLE backups ADD COLUMN verify_ms INTEGER;
ALTER TABLE backups ADD COLUMN verify_at INTEGER;
ALTER TABLE backups ADD COLUMN verify_reason TEXT;
-- The label of the throwaway server of a running verification, to remove it after a crash.
ALTER TABLE backups ADD COLUMN verify_token TEXT;
