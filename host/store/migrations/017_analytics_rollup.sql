-- Analytics from an hourly rollup instead of the traces (BENCHMARKS.md#analytics): reading a busy
-- agent's month from traces took seconds at 1M traces; from these tables it reads at most one row
-- per (hour, scope, version). Triggers on traces keep them, in the transaction that finishes a
-- run (finishRun, the interrupted sweep), so every path that writes a finished trace counts it
-- once. The bin of a time is 0 below 1 ms, else 1 + floor(4·log2(ms)) up to 83: a quarter octave
-- (the same function as analytics.ts's latencyBin; 1e-9 keeps exact powers of two in their bin
-- in both stores).

-- What a run is stored with for analytics: who asked (a verified user id later; null: the
-- session is the visitor) and the knowledge sources its answer cited (JSON array of titles).
ALTER TABLE traces ADD COLUMN visitor TEXT;
ALTER TABLE traces ADD COLUMN cited_sources TEXT NOT NULL DEFAULT '[]';

-- Counts of the finished runs started in one hour, per scope and version. `conversations` and
-- `visitors` count those first seen in the hour (analytics_seen), so they add up across hours;
-- `feedback_up` and `feedback_down` the ratings of those runs' answers, kept by triggers on feedback.
CREATE TABLE analytics_hours (
  agent_id      TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  hour          TEXT NOT NULL,
  scope         TEXT NOT NULL,
  version       INTEGER NOT NULL,
  runs          INTEGER NOT NULL DEFAULT 0,
  errors        INTEGER NOT NULL DEFAULT 0,
  input_tokens  INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  conversations INTEGER NOT NULL DEFAULT 0,
  visitors      INTEGER NOT NULL DEFAULT 0,
  feedback_up   INTEGER NOT NULL DEFAULT 0,
  feedback_down INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour, scope, version)
) STRICT, WITHOUT ROWID;
-- Every agent's range (the owner's "All agents" view) without a pass over each agent.
CREATE INDEX analytics_hours_by_hour ON analytics_hours (hour, agent_id, scope, version, runs, errors, input_tokens, output_tokens,
  conversations, visitors, feedback_up, feedback_down);

-- Histograms of first-token and total times per agent and hour: JSON objects {"bin": count}.
CREATE TABLE analytics_latency (
  agent_id    TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  hour        TEXT NOT NULL,
  first_token TEXT NOT NULL DEFAULT '{}',
  total       TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (agent_id, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX analytics_latency_by_hour ON analytics_latency (hour);

-- Tool calls (kind 'tool') and cited knowledge sources (kind 'source') per agent and hour.
CREATE TABLE analytics_uses (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  hour     TEXT NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('tool', 'source')),
  name     TEXT NOT NULL,
  uses     INTEGER NOT NULL DEFAULT 0,
  errors   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour, kind, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX analytics_uses_by_hour ON analytics_uses (hour);

-- Conversations ('c', key: scope and session id) and visitors ('v', key: the visitor) already
-- counted, so a later run of theirs is not counted again.
CREATE TABLE analytics_seen (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  kind     TEXT NOT NULL CHECK (kind IN ('c', 'v')),
  key      TEXT NOT NULL,
  PRIMARY KEY (agent_id, kind, key)
) STRICT, WITHOUT ROWID;

-- Rate-limit refusals per agent and hour, written in batches by each host (rate-limits.ts).
CREATE TABLE analytics_refusals (
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  hour     TEXT NOT NULL,
  refusals INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour)
) STRICT, WITHOUT ROWID;

-- Counting one finished run, written once: SQLite has no procedures, so the triggers on traces
-- insert the run into this empty view, whose INSTEAD OF trigger counts it.
CREATE VIEW analytics_run AS
  SELECT agent_id, started_at, scope, version, session_id, visitor, status, input_tokens, output_tokens,
    first_token_ms, total_ms, tool_calls, cited_sources
  FROM traces WHERE false;

CREATE TRIGGER analytics_count_run INSTEAD OF INSERT ON analytics_run
BEGIN
  INSERT INTO analytics_hours (agent_id, hour, scope, version, runs, errors, input_tokens, output_tokens, conversations, visitors)
  VALUES (NEW.agent_id, substr(NEW.started_at, 1, 13) || ':00:00.000Z', NEW.scope, NEW.version, 1,
    NEW.status IN ('error', 'interrupted'), NEW.input_tokens, NEW.output_tokens,
    NOT EXISTS (SELECT 1 FROM analytics_seen WHERE agent_id = NEW.agent_id AND kind = 'c' AND key = NEW.scope || ' ' || NEW.session_id),
    NOT EXISTS (SELECT 1 FROM analytics_seen WHERE agent_id = NEW.agent_id AND kind = 'v' AND key = COALESCE(NEW.visitor, NEW.scope || ' ' || NEW.session_id)))
  ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET runs = runs + 1, errors = errors + excluded.errors,
    input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
    conversations = conversations + excluded.conversations, visitors = visitors + excluded.visitors;
  INSERT OR IGNORE INTO analytics_seen (agent_id, kind, key) VALUES
    (NEW.agent_id, 'c', NEW.scope || ' ' || NEW.session_id),
    (NEW.agent_id, 'v', COALESCE(NEW.visitor, NEW.scope || ' ' || NEW.session_id));
  INSERT INTO analytics_latency (agent_id, hour) VALUES (NEW.agent_id, substr(NEW.started_at, 1, 13) || ':00:00.000Z')
  ON CONFLICT (agent_id, hour) DO NOTHING;
  UPDATE analytics_latency SET
    first_token = CASE WHEN NEW.first_token_ms IS NULL THEN first_token ELSE json_set(first_token, '$."' || b.ft || '"', COALESCE(json_extract(first_token, '$."' || b.ft || '"'), 0) + 1) END,
    total = CASE WHEN NEW.total_ms IS NULL THEN total ELSE json_set(total, '$."' || b.tt || '"', COALESCE(json_extract(total, '$."' || b.tt || '"'), 0) + 1) END
  FROM (SELECT
      CASE WHEN NEW.first_token_ms < 1 THEN 0 ELSE min(1 + CAST(floor(4 * log2(NEW.first_token_ms) + 1e-9) AS INTEGER), 83) END AS ft,
      CASE WHEN NEW.total_ms < 1 THEN 0 ELSE min(1 + CAST(floor(4 * log2(NEW.total_ms) + 1e-9) AS INTEGER), 83) END AS tt) AS b
  WHERE agent_id = NEW.agent_id AND hour = substr(NEW.started_at, 1, 13) || ':00:00.000Z';
  INSERT INTO analytics_uses (agent_id, hour, kind, name, uses, errors)
  SELECT NEW.agent_id, substr(NEW.started_at, 1, 13) || ':00:00.000Z', 'tool', call.value ->> 'tool_name', COUNT(*), COALESCE(SUM(call.value ->> 'is_error'), 0)
  FROM json_each(NEW.tool_calls) AS call WHERE true GROUP BY call.value ->> 'tool_name'
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = uses + excluded.uses, errors = errors + excluded.errors;
  INSERT INTO analytics_uses (agent_id, hour, kind, name, uses)
  SELECT NEW.agent_id, substr(NEW.started_at, 1, 13) || ':00:00.000Z', 'source', source.value, COUNT(*)
  FROM json_each(NEW.cited_sources) AS source WHERE true GROUP BY source.value
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = uses + excluded.uses;
END;

CREATE TRIGGER analytics_count_inserted AFTER INSERT ON traces WHEN NEW.status <> 'running'
BEGIN
  INSERT INTO analytics_run VALUES (NEW.agent_id, NEW.started_at, NEW.scope, NEW.version, NEW.session_id, NEW.visitor, NEW.status,
    NEW.input_tokens, NEW.output_tokens, NEW.first_token_ms, NEW.total_ms, NEW.tool_calls, NEW.cited_sources);
END;

-- A run counts when it leaves `running`, once: an interrupted run that finishes after all keeps
-- being counted as interrupted.
CREATE TRIGGER analytics_count_finished AFTER UPDATE OF status ON traces WHEN OLD.status = 'running' AND NEW.status <> 'running'
BEGIN
  INSERT INTO analytics_run VALUES (NEW.agent_id, NEW.started_at, NEW.scope, NEW.version, NEW.session_id, NEW.visitor, NEW.status,
    NEW.input_tokens, NEW.output_tokens, NEW.first_token_ms, NEW.total_ms, NEW.tool_calls, NEW.cited_sources);
END;

-- The traces stored so far, oldest first (a conversation counts in the hour of its first run).
-- Each goes through the trigger: about a minute per million traces (docs/operations.md).
INSERT INTO analytics_run
  SELECT agent_id, started_at, scope, version, session_id, visitor, status, input_tokens, output_tokens,
    first_token_ms, total_ms, tool_calls, cited_sources
  FROM traces WHERE status <> 'running' ORDER BY started_at, trace_id;

-- Ratings, on the hour, scope and version of the run that wrote the answer. A new rating adds;
-- a changed or removed one (with its message, or its agent) moves or takes back, updating only:
-- the row exists since the rating was counted, and an agent being deleted gets no new row.
CREATE TRIGGER analytics_rating_added AFTER INSERT ON feedback
BEGIN
  INSERT INTO analytics_hours (agent_id, hour, scope, version, feedback_up, feedback_down)
  SELECT t.agent_id, substr(t.started_at, 1, 13) || ':00:00.000Z', t.scope, t.version, NEW.rating = 'up', NEW.rating = 'down'
  FROM traces t WHERE t.trace_id = NEW.trace_id
  ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET feedback_up = feedback_up + excluded.feedback_up,
    feedback_down = feedback_down + excluded.feedback_down;
END;

CREATE TRIGGER analytics_rating_changed AFTER UPDATE OF rating ON feedback WHEN OLD.rating <> NEW.rating
BEGIN
  UPDATE analytics_hours SET feedback_up = feedback_up + (NEW.rating = 'up') - (OLD.rating = 'up'),
    feedback_down = feedback_down + (NEW.rating = 'down') - (OLD.rating = 'down')
  WHERE (agent_id, hour, scope, version) =
    (SELECT t.agent_id, substr(t.started_at, 1, 13) || ':00:00.000Z', t.scope, t.version FROM traces t WHERE t.trace_id = NEW.trace_id);
END;

CREATE TRIGGER analytics_rating_removed AFTER DELETE ON feedback
BEGIN
  UPDATE analytics_hours SET feedback_up = feedback_up - (OLD.rating = 'up'), feedback_down = feedback_down - (OLD.rating = 'down')
  WHERE (agent_id, hour, scope, version) =
    (SELECT t.agent_id, substr(t.started_at, 1, 13) || ':00:00.000Z', t.scope, t.version FROM traces t WHERE t.trace_id = OLD.trace_id);
END;

-- The ratings stored so far.
INSERT INTO analytics_hours (agent_id, hour, scope, version, feedback_up, feedback_down)
  SELECT t.agent_id, substr(t.started_at, 1, 13) || ':00:00.000Z', t.scope, t.version, SUM(f.rating = 'up'), SUM(f.rating = 'down')
  FROM feedback f JOIN traces t ON t.trace_id = f.trace_id WHERE true GROUP BY 1, 2, 3, 4
  ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET feedback_up = feedback_up + excluded.feedback_up,
    feedback_down = feedback_down + excluded.feedback_down;
