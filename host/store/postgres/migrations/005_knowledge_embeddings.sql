-- Embeddings of knowledge chunks, as SQLite's migration 011: `embedding` (float32, little-endian,
-- normalised) and the model that made it. `embedding_claimed_until`: several hosts share the
-- work, and a host claims a batch (FOR UPDATE SKIP LOCKED) until this time, so two hosts never
-- pay to embed the same chunks; a host that dies holding a claim frees it when it runs out.
ALTER TABLE knowledge_chunks ADD COLUMN embedding_model text;
ALTER TABLE knowledge_chunks ADD COLUMN embedding_claimed_until timestamptz;
CREATE INDEX knowledge_chunks_by_embedding_model ON knowledge_chunks (embedding_model);
