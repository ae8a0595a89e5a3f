-- 004's paging indexes lead with the same columns as 001's "recent" ones (SQLite reads an index
-- in either direction), so the old ones only cost: every chat updates a session's updated_at
-- and writes a trace, and each index on them is one more b-tree write per chat (bench/).
DROP INDEX IF EXISTS sessions_by_agent_recent;
DROP INDEX IF EXISTS traces_by_agent_recent;
