-- Embeddings of knowledge chunks (host/knowledge/embedder.ts): migration 009 left
-- `knowledge_chunks.embedding` as room for a vector; this says which model made it. A chunk is
-- stored once per agent, so it is embedded once however many versions name it. `embedding` is
-- little-endian float32, normalised to length 1 (cosine = dot product); a chunk whose
-- `embedding_model` is not the host's model is embedded again (a model change makes vectors
-- stale). The index finds the chunks still to embed without reading every vector.
ALTER TABLE knowledge_chunks ADD COLUMN embedding_model TEXT;
CREATE INDEX knowledge_chunks_by_embedding_model ON knowledge_chunks (embedding_model);
