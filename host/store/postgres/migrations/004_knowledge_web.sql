-- Knowledge from the web, and imports that outlive their host, as SQLite's migration 010:
-- skipped_pages lists a web source's pages that were not imported ({"url", "reason"});
-- import_lease_until is pushed forward by the host importing the source, and a source still
-- `importing` past it is taken over by another host in one UPDATE.

ALTER TABLE knowledge_sources
  ADD COLUMN skipped_pages jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN import_lease_until timestamptz;
CREATE INDEX knowledge_sources_importing ON knowledge_sources (import_lease_until) WHERE status = 'importing';
