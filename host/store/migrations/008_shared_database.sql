-- Several host processes may share one database (the same SQLite file, or later one PostgreSQL
-- database): nothing may rely on being its only writer.

-- A session counts its messages: a finished run takes its numbers from this counter in the same
-- statement that creates or touches the session, so two runs of one session finishing at once get
-- distinct, consecutive numbers, whichever process stores them (no MAX(seq) + 1 read before it).
ALTER TABLE sessions ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET last_seq = (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.session_pk = sessions.pk);

-- The host processes using the database, each with a lease it renews (last_seen): a run left
-- `running` is marked interrupted only once its host's lease has expired (or that host is known
-- dead), never because another host started. `machine` names where `pid` means one process.
CREATE TABLE host_instances (
  id         TEXT PRIMARY KEY,
  machine    TEXT NOT NULL,
  pid        INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  last_seen  TEXT NOT NULL
) STRICT;

-- Which host runs a trace; NULL for traces written before this migration (their host is gone).
ALTER TABLE traces ADD COLUMN instance_id TEXT;
-- The sweep reads only running traces, which are few.
CREATE INDEX traces_running ON traces (instance_id) WHERE status = 'running';
