-- Uploads that no message has named yet. A visitor's attachment is stored at upload, before any
-- message; one still unnamed after PORCH_UPLOAD_UNUSED_MINUTES is deleted (runtime/upload-sweep.ts).
-- A row here rather than a column on files: marking a file used would rewrite its whole row,
-- BLOB and all, and adding the column would have this migration rewrite every stored file.
-- Deleting the file (any sweep, or its agent) deletes its row here.
CREATE TABLE unused_attachments (
  file_id    TEXT PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX unused_attachments_by_age ON unused_attachments (created_at);

-- Attachment bytes each agent received per UTC day, counted at upload and never taken back when
-- files are deleted: otherwise upload, wait for the sweep, upload again would evade the budget.
CREATE TABLE attachment_days (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  day      TEXT NOT NULL,
  bytes    INTEGER NOT NULL,
  PRIMARY KEY (agent_id, day)
) STRICT, WITHOUT ROWID;

-- Every upload sums its session's attachment sizes (the session budget), and the owner's usage
-- sums sizes by kind and by session: an index that holds kind and size answers both without
-- reading the rows, whose BLOBs fill their pages. It extends 003's index, so it replaces it.
DROP INDEX IF EXISTS files_by_session;
CREATE INDEX files_by_session_size ON files (agent_id, scope, session_id, kind, size);

-- Attachments stored before this migration that no message names have been unused since their
-- upload: the sweep deletes them like any other (messages hold content blocks as JSON).
INSERT INTO unused_attachments (file_id, created_at)
SELECT id, created_at FROM files
WHERE kind = 'attachment' AND id NOT IN (
  SELECT json_extract(block.value, '$.file_id')
  FROM messages, json_each(messages.content) AS block
  WHERE messages.role = 'user'
    AND json_extract(block.value, '$.type') = 'attachment'
    AND json_extract(block.value, '$.file_id') IS NOT NULL
);

-- Today's count starts from the attachments already stored today.
INSERT INTO attachment_days (agent_id, day, bytes)
SELECT agent_id, substr(created_at, 1, 10), SUM(size) FROM files
WHERE kind = 'attachment' AND created_at >= strftime('%Y-%m-%d', 'now')
GROUP BY agent_id, substr(created_at, 1, 10);
