-- A schedule's own verification policy (auto, always, newest-weekly, off); NULL: the default.
ALTER TABLE backup_schedules ADD COLUMN verify TEXT
    CHECK (verify IS NULL OR verify IN ('auto', 'always', 'newest-weekly', 'off'));
