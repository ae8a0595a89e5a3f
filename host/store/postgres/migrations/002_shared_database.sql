-- Several hosts sharing one database, as SQLite's migration 008 (host/store/migrations/): the
-- interface's scheme of host instances with leases replaces 001's advisory-lock instance ids, so
-- both stores behave the same.

-- A session counts its messages: a finished run takes its numbers from this counter in the same
-- statement that creates or touches the session (and locks its row), so two runs of one session
-- finishing at once get distinct, consecutive numbers, whichever host stores them.
ALTER TABLE sessions ADD COLUMN last_seq integer NOT NULL DEFAULT 0;
UPDATE sessions SET last_seq = (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.session_pk = sessions.pk);

-- The host processes using the database, each with a lease it renews (last_seen): a run left
-- `running` is marked interrupted only once its host's lease has expired (or that host is known
-- dead), never because another host started. `machine` names where `pid` means one process.
CREATE TABLE host_instances (
  id         text PRIMARY KEY,
  machine    text NOT NULL,
  pid        integer NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL
);

-- Which host runs a trace; NULL for traces written before this migration (their host is gone:
-- 001's advisory-lock ids are not carried over, so a trace still running is swept as orphaned).
DROP INDEX traces_running;
ALTER TABLE traces DROP COLUMN host_instance;
ALTER TABLE traces ADD COLUMN instance_id text;
-- The sweep reads only running traces, which are few.
CREATE INDEX traces_running ON traces (instance_id) WHERE status = 'running';
