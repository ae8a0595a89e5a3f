-- Analytics (sqlite-analytics.ts) reads an agent's traces of a start-time range several times
-- (totals, series, scopes, versions, percentiles). With every column it reads in the index the
-- reads never touch the table: at 300k traces the counts of the busy agent went from 92 to
-- 16 ms and the quiet agent's percentile from 52 to 2 ms (BENCHMARKS.md). Tool calls stay in
-- the table (JSON, long). The cost is one more index entry per trace written.
CREATE INDEX traces_for_analytics ON traces (agent_id, started_at, scope, version, status, session_id, first_token_ms, total_ms, input_tokens, output_tokens);
