-- Analytics from an hourly rollup instead of the traces (BENCHMARKS.md#analytics), as SQLite's
-- migration 017: a trigger on traces counts each run once, when it is written finished or leaves
-- `running`, in that transaction. The bin of a time is 0 below 1 ms, else 1 + floor(4·log2(ms))
-- up to 83 (analytics.ts's latencyBin).

ALTER TABLE traces ADD COLUMN visitor text;
ALTER TABLE traces ADD COLUMN cited_sources jsonb NOT NULL DEFAULT '[]';

CREATE TABLE analytics_hours (
  agent_id      text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour          timestamptz NOT NULL,
  scope         text NOT NULL,
  version       integer NOT NULL,
  runs          bigint NOT NULL DEFAULT 0,
  errors        bigint NOT NULL DEFAULT 0,
  input_tokens  bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  conversations bigint NOT NULL DEFAULT 0,
  visitors      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour, scope, version)
);
CREATE INDEX analytics_hours_by_hour ON analytics_hours (hour)
  INCLUDE (agent_id, scope, version, runs, errors, input_tokens, output_tokens, conversations, visitors);

CREATE TABLE analytics_latency (
  agent_id    text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour        timestamptz NOT NULL,
  first_token jsonb NOT NULL DEFAULT '{}',
  total       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (agent_id, hour)
);
CREATE INDEX analytics_latency_by_hour ON analytics_latency (hour);

CREATE TABLE analytics_uses (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour     timestamptz NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('tool', 'source')),
  name     text NOT NULL,
  uses     bigint NOT NULL DEFAULT 0,
  errors   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour, kind, name)
);
CREATE INDEX analytics_uses_by_hour ON analytics_uses (hour);

CREATE TABLE analytics_seen (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  kind     text NOT NULL CHECK (kind IN ('c', 'v')),
  key      text NOT NULL,
  PRIMARY KEY (agent_id, kind, key)
);

CREATE TABLE analytics_refusals (
  agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hour     timestamptz NOT NULL,
  refusals bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, hour)
);

CREATE FUNCTION analytics_bin(ms double precision) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN ms < 1 THEN '0' ELSE least(1 + floor(4 * ln(ms) / ln(2) + 1e-9)::integer, 83)::text END $$;

-- Counts one finished run. The seen rows are claimed first: of two runs of a new conversation
-- finishing at once, the second waits on the first's key and finds it taken.
CREATE FUNCTION analytics_count_run(t traces) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := date_trunc('hour', t.started_at, 'UTC');
  conversation_key text := t.scope || ' ' || t.session_id;
  new_conversation integer := 0;
  new_visitor integer := 0;
BEGIN
  INSERT INTO analytics_seen VALUES (t.agent_id, 'c', conversation_key) ON CONFLICT DO NOTHING;
  IF FOUND THEN new_conversation := 1; END IF;
  INSERT INTO analytics_seen VALUES (t.agent_id, 'v', COALESCE(t.visitor, conversation_key)) ON CONFLICT DO NOTHING;
  IF FOUND THEN new_visitor := 1; END IF;
  INSERT INTO analytics_hours AS h VALUES (t.agent_id, at, t.scope, t.version, 1,
    CASE WHEN t.status IN ('error', 'interrupted') THEN 1 ELSE 0 END, t.input_tokens, t.output_tokens, new_conversation, new_visitor)
  ON CONFLICT (agent_id, hour, scope, version) DO UPDATE SET runs = h.runs + 1, errors = h.errors + excluded.errors,
    input_tokens = h.input_tokens + excluded.input_tokens, output_tokens = h.output_tokens + excluded.output_tokens,
    conversations = h.conversations + excluded.conversations, visitors = h.visitors + excluded.visitors;
  INSERT INTO analytics_latency AS l (agent_id, hour, first_token, total) VALUES (t.agent_id, at,
    CASE WHEN t.first_token_ms IS NULL THEN '{}' ELSE jsonb_build_object(analytics_bin(t.first_token_ms), 1) END,
    CASE WHEN t.total_ms IS NULL THEN '{}' ELSE jsonb_build_object(analytics_bin(t.total_ms), 1) END)
  ON CONFLICT (agent_id, hour) DO UPDATE SET
    first_token = CASE WHEN t.first_token_ms IS NULL THEN l.first_token ELSE l.first_token
      || jsonb_build_object(analytics_bin(t.first_token_ms), COALESCE((l.first_token ->> analytics_bin(t.first_token_ms))::bigint, 0) + 1) END,
    total = CASE WHEN t.total_ms IS NULL THEN l.total ELSE l.total
      || jsonb_build_object(analytics_bin(t.total_ms), COALESCE((l.total ->> analytics_bin(t.total_ms))::bigint, 0) + 1) END;
  INSERT INTO analytics_uses AS u (agent_id, hour, kind, name, uses, errors)
  SELECT t.agent_id, at, 'tool', call ->> 'tool_name', COUNT(*), COUNT(*) FILTER (WHERE (call ->> 'is_error')::boolean)
  FROM jsonb_array_elements(t.tool_calls) AS call GROUP BY call ->> 'tool_name'
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = u.uses + excluded.uses, errors = u.errors + excluded.errors;
  INSERT INTO analytics_uses AS u (agent_id, hour, kind, name, uses)
  SELECT t.agent_id, at, 'source', source, COUNT(*) FROM jsonb_array_elements_text(t.cited_sources) AS source GROUP BY source
  ON CONFLICT (agent_id, hour, kind, name) DO UPDATE SET uses = u.uses + excluded.uses;
END $$;

CREATE FUNCTION analytics_count_trace() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM analytics_count_run(NEW);
  RETURN NULL;
END $$;

CREATE TRIGGER analytics_count_inserted AFTER INSERT ON traces
  FOR EACH ROW WHEN (NEW.status <> 'running') EXECUTE FUNCTION analytics_count_trace();
-- Once, when the run leaves `running` (finishRun's upsert of a written start is an update too).
CREATE TRIGGER analytics_count_finished AFTER UPDATE OF status ON traces
  FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running') EXECUTE FUNCTION analytics_count_trace();

-- The traces stored so far, oldest first (a conversation counts in the hour of its first run).
DO $$
DECLARE
  t traces;
BEGIN
  FOR t IN SELECT * FROM traces WHERE status <> 'running' ORDER BY started_at, trace_id LOOP
    PERFORM analytics_count_run(t);
  END LOOP;
END $$;
