-- Knowledge: the documents and pages an owner gives an agent, cut into chunks it can search.
--
-- knowledge_sources: what the owner added. A source deleted from the draft stays (in_draft = 0)
-- while a version names it, so that version still offers its file.
-- knowledge_chunks: each distinct chunk of an agent once, addressed by its hash; `embedding` is
-- room for a vector later (nothing writes it yet).
-- knowledge_refs: which chunks each source holds in the draft (version 0) and in each published
-- version (copied from the draft when publishing): versions name chunks, they never copy text.
-- knowledge_fts: the full-text index over the chunks (contentless: the text is in
-- knowledge_chunks), kept by the triggers below; search joins it to knowledge_refs.

CREATE TABLE knowledge_sources (
  id           TEXT PRIMARY KEY,
  agent_id     TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('file', 'text', 'url', 'sitemap')),
  title        TEXT NOT NULL,
  origin       TEXT NOT NULL,
  content_type TEXT,
  data         BLOB,
  options      TEXT NOT NULL DEFAULT '{}',
  status       TEXT NOT NULL CHECK (status IN ('importing', 'ready', 'failed')),
  error        TEXT,
  pages_done   INTEGER NOT NULL DEFAULT 0,
  pages_total  INTEGER,
  in_draft     INTEGER NOT NULL DEFAULT 1 CHECK (in_draft IN (0, 1)),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX knowledge_sources_by_agent ON knowledge_sources (agent_id, created_at);

CREATE TABLE knowledge_chunks (
  id           INTEGER PRIMARY KEY,
  agent_id     TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hash         TEXT NOT NULL,
  title        TEXT NOT NULL,
  heading_path TEXT NOT NULL,                      -- a JSON array of strings
  url          TEXT,
  text         TEXT NOT NULL,
  embedding    BLOB,
  UNIQUE (agent_id, hash)
) STRICT;

CREATE TABLE knowledge_refs (
  agent_id  TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  version   INTEGER NOT NULL CHECK (version >= 0),  -- 0: the draft
  source_id TEXT NOT NULL REFERENCES knowledge_sources (id) ON DELETE CASCADE,
  ordinal   INTEGER NOT NULL,
  chunk_id  INTEGER NOT NULL REFERENCES knowledge_chunks (id),
  PRIMARY KEY (agent_id, version, source_id, ordinal)
) STRICT, WITHOUT ROWID;
-- Garbage collection asks whether anything still names a chunk; a source's listing counts its chunks.
CREATE INDEX knowledge_refs_by_chunk ON knowledge_refs (chunk_id);
CREATE INDEX knowledge_refs_by_source ON knowledge_refs (source_id, version);

CREATE VIRTUAL TABLE knowledge_fts USING fts5 (
  title, headings, text,
  content = '', contentless_delete = 1, tokenize = 'porter unicode61'
);
CREATE TRIGGER knowledge_chunks_indexed AFTER INSERT ON knowledge_chunks BEGIN
  INSERT INTO knowledge_fts (rowid, title, headings, text)
  VALUES (new.id, new.title, (SELECT group_concat(value, ' ') FROM json_each(new.heading_path)), new.text);
END;
-- Also fires for the rows a deleted agent takes with it (ON DELETE CASCADE).
CREATE TRIGGER knowledge_chunks_unindexed AFTER DELETE ON knowledge_chunks BEGIN
  DELETE FROM knowledge_fts WHERE rowid = old.id;
END;
