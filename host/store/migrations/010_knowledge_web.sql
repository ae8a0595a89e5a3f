-- Knowledge from the web, and imports that outlive their host.
--
-- skipped_pages: a web source's pages that were not imported, as a JSON array of
-- {"url", "reason"} (reason in words for the owner); '[]' for files and texts.
-- import_lease_until: while a source is `importing`, the host reading it keeps pushing this
-- forward; a source still `importing` past it was left by a host that died, and another host
-- (or the same one restarted) takes it over by moving the lease in one UPDATE. NULL: no lease
-- (a source imported before this migration), free to take.

ALTER TABLE knowledge_sources ADD COLUMN skipped_pages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE knowledge_sources ADD COLUMN import_lease_until TEXT;
CREATE INDEX knowledge_sources_importing ON knowledge_sources (import_lease_until) WHERE status = 'importing';
