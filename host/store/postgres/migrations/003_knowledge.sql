-- Knowledge, as SQLite's migration 009 (host/store/migrations/): sources, each distinct chunk of
-- an agent once (by hash), and the references that make up the draft (version 0) and each
-- published version. Full-text search needs nothing beyond a stock PostgreSQL: a generated
-- tsvector ('english': stemmed, without stop words) with a GIN index. `embedding` is room for
-- a vector later (nothing writes it yet).

CREATE TABLE knowledge_sources (
  id           text PRIMARY KEY,
  agent_id     text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('file', 'text', 'url', 'sitemap')),
  title        text NOT NULL,
  origin       text NOT NULL,
  content_type text,
  data         bytea,
  options      jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL CHECK (status IN ('importing', 'ready', 'failed')),
  error        text,
  pages_done   integer NOT NULL DEFAULT 0,
  pages_total  integer,
  in_draft     boolean NOT NULL DEFAULT true,     -- false: deleted from the draft, kept for the versions that froze it
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX knowledge_sources_by_agent ON knowledge_sources (agent_id, created_at);

CREATE TABLE knowledge_chunks (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id     text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  hash         text NOT NULL,
  title        text NOT NULL,
  heading_path jsonb NOT NULL,                    -- an array of strings
  url          text,
  text         text NOT NULL,
  embedding    bytea,
  -- The title weighs most (A), then the headings (B), then the text (C); postgres/knowledge.ts ranks with these weights.
  search       tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector('english', title), 'A') ||
                 setweight(jsonb_to_tsvector('english', heading_path, '["string"]'), 'B') ||
                 setweight(to_tsvector('english', text), 'C')
               ) STORED,
  UNIQUE (agent_id, hash)
);
CREATE INDEX knowledge_chunks_search ON knowledge_chunks USING gin (search);

CREATE TABLE knowledge_refs (
  agent_id  text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  version   integer NOT NULL CHECK (version >= 0),  -- 0: the draft
  source_id text NOT NULL REFERENCES knowledge_sources (id) ON DELETE CASCADE,
  ordinal   integer NOT NULL,
  chunk_id  bigint NOT NULL REFERENCES knowledge_chunks (id),
  PRIMARY KEY (agent_id, version, source_id, ordinal)
);
-- Garbage collection asks whether anything still names a chunk; a source's listing counts its chunks.
CREATE INDEX knowledge_refs_by_chunk ON knowledge_refs (chunk_id);
CREATE INDEX knowledge_refs_by_source ON knowledge_refs (source_id, version);
