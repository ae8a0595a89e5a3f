-- PORCH_FILE_RETENTION_DAYS deletes files by age: an index on it, so the hourly sweep reads only
-- the files it deletes.
CREATE INDEX IF NOT EXISTS files_by_age ON files (created_at);
