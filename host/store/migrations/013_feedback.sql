-- A visitor's rating of one assistant answer, kept beside the message (and deleted with it: a
-- regenerated answer loses its rating) with the trace that produced the answer. One row per
-- message, so rating again replaces the earlier one. `agent_id` and the partial index let the
-- console list an agent's sessions with feedback without reading every message.
CREATE TABLE feedback (
  session_pk INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  agent_id   TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  trace_id   TEXT NOT NULL,
  rating     TEXT NOT NULL CHECK (rating IN ('up', 'down')),
  comment    TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (session_pk, seq),
  FOREIGN KEY (session_pk, seq) REFERENCES messages (session_pk, seq) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX feedback_by_agent ON feedback (agent_id, rating, session_pk);
