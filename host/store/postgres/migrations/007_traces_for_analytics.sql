-- Analytics (analytics.ts) reads an agent's traces of a start-time range: with every column it
-- reads included, PostgreSQL answers from the index alone (an index-only scan, once vacuum has
-- marked the pages all-visible). Tool calls stay in the table (jsonb, long).
CREATE INDEX traces_for_analytics ON traces (agent_id, started_at)
  INCLUDE (scope, version, status, session_id, first_token_ms, total_ms, input_tokens, output_tokens);
