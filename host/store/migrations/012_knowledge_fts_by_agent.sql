-- The full-text index knows each chunk's agent, so a search matches the agent and its words in
-- one MATCH: FTS5 intersects the agent's rows with the words' before bm25 scores any, instead of
-- scoring every agent's matching chunks and keeping this agent's after (the same 10k-chunk agent
-- took 28 ms alone and 794 ms beside a million other chunks; BENCHMARKS.md). `agent` holds one
-- token, 'a' and the agent id in hex (a UUID's dashes would split it into five), and weighs 0 in
-- bm25; sqlite-knowledge.ts searches the other columns only. Contentless, the index cannot be
-- rebuilt from itself: it is filled again from knowledge_chunks.
DROP TRIGGER knowledge_chunks_indexed;
DROP TRIGGER knowledge_chunks_unindexed;
DROP TABLE knowledge_fts;
CREATE VIRTUAL TABLE knowledge_fts USING fts5 (
  agent, title, headings, text,
  content = '', contentless_delete = 1, tokenize = 'porter unicode61'
);
INSERT INTO knowledge_fts (rowid, agent, title, headings, text)
  SELECT id, 'a' || hex(agent_id), title, (SELECT group_concat(value, ' ') FROM json_each(heading_path)), text FROM knowledge_chunks;
CREATE TRIGGER knowledge_chunks_indexed AFTER INSERT ON knowledge_chunks BEGIN
  INSERT INTO knowledge_fts (rowid, agent, title, headings, text)
  VALUES (new.id, 'a' || hex(new.agent_id), new.title, (SELECT group_concat(value, ' ') FROM json_each(new.heading_path)), new.text);
END;
-- Also fires for the rows a deleted agent takes with it (ON DELETE CASCADE).
CREATE TRIGGER knowledge_chunks_unindexed AFTER DELETE ON knowledge_chunks BEGIN
  DELETE FROM knowledge_fts WHERE rowid = old.id;
END;
