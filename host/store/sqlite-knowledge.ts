/**
 * Knowledge in SQLite (migration 009): sources, chunks stored once per agent by hash, the
 * references that make up the draft (version 0) and each published version, and an FTS5 index
 * (`porter unicode61`, ranked by bm25, each chunk under its agent's token since migration 012, so
 * a search scores its own agent's rows only) kept by triggers on the chunks. Every write is one
 * IMMEDIATE transaction, so it takes its turn with publishes of any process. A chunk is deleted
 * in the transaction that drops the last reference to it; a deleted agent takes its rows with it
 * (ON DELETE CASCADE, which fires the index's trigger).
 */
import { randomUUID } from 'node:crypto'
import type { Db } from './db.ts'
import {
  checkKnowledgeChunks,
  type KnowledgeChunkRow,
  type KnowledgeSourceRow,
  searchLimit,
  searchTerms,
  toKnowledgeChunk,
  toKnowledgeSource,
  versionKey,
} from './knowledge.ts'
import { FUSION_DEPTH, fuseRankings, vectorBytes } from './knowledge-vectors.ts'
import type {
  ChunkEmbedding,
  ChunkToEmbed,
  KnowledgeChunk,
  KnowledgeHit,
  KnowledgeProgress,
  KnowledgeSourceRecord,
  KnowledgeStore,
  KnowledgeUsage,
  NewKnowledgeSource,
  SkippedPage,
} from './store.ts'

type SourceRow = KnowledgeSourceRow<string>
type ChunkRow = KnowledgeChunkRow
type HitRow = ChunkRow & { source_id: string; score: number }

const toSource = (row: SourceRow, frozen: boolean) => toKnowledgeSource(row, frozen, (time: string) => time)
const toChunk = toKnowledgeChunk

const toHits = (rows: HitRow[]): KnowledgeHit[] =>
  rows.map((row, i) => ({
    sourceId: row.source_id,
    title: row.title,
    headingPath: JSON.parse(row.heading_path) as string[],
    url: row.url,
    text: row.text,
    score: row.score,
    rank: i + 1,
  }))

const toChunkToEmbed = (row: { id: number; title: string; heading_path: string; text: string }): ChunkToEmbed => ({
  id: row.id,
  title: row.title,
  headingPath: JSON.parse(row.heading_path) as string[],
  text: row.text,
})

const toBytes = (data: Buffer) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength)

const now = () => new Date().toISOString()
const leaseUntil = (ms: number) => new Date(Date.now() + ms).toISOString()

/** What `publish` asks of the knowledge, inside its own transaction. */
export type KnowledgePublishing = {
  /** Whether the draft's references differ from the version's (any source, ordinal or chunk). */
  draftDiffers(agentId: string, version: number): boolean
  /** Freezes the draft into the new version: copies its references (never the chunks). */
  freezeDraft(agentId: string, version: number): void
}

const SOURCE = `s.id, s.agent_id, s.kind, s.title, s.origin, s.content_type, length(s.data) AS size, s.options, s.status, s.error,
  s.pages_done, s.pages_total, s.skipped_pages, s.created_at, s.updated_at`

/** The agent's one token in knowledge_fts (migration 012): 'a' and the id's UTF-8 in hex, as SQLite's `hex()` writes it. */
const agentToken = (agentId: string) => `a${Buffer.from(agentId, 'utf8').toString('hex').toUpperCase()}`

export function createKnowledgeStore(db: Db): { store: KnowledgeStore; publishing: KnowledgePublishing } {
  const sql = {
    insertSource: db.prepare(
      `INSERT INTO knowledge_sources (id, agent_id, kind, title, origin, content_type, data, options, status, import_lease_until, created_at, updated_at)
       SELECT @id, @agent, @kind, @title, @origin, @content_type, @data, @options, 'importing', @lease, @now, @now
       WHERE EXISTS (SELECT 1 FROM agents WHERE id = @agent)`,
    ),
    draftSource: db.prepare<{ agent: string; id: string }, SourceRow>(
      `SELECT ${SOURCE}, (SELECT COUNT(*) FROM knowledge_refs r WHERE r.source_id = s.id AND r.version = 0) AS chunk_count
       FROM knowledge_sources s WHERE s.id = @id AND s.agent_id = @agent AND s.in_draft = 1`,
    ),
    draftSources: db.prepare<{ agent: string }, SourceRow>(
      `SELECT ${SOURCE}, (SELECT COUNT(*) FROM knowledge_refs r WHERE r.source_id = s.id AND r.version = 0) AS chunk_count
       FROM knowledge_sources s WHERE s.agent_id = @agent AND s.in_draft = 1 ORDER BY s.created_at, s.id`,
    ),
    versionSources: db.prepare<{ agent: string; version: number; id: string | null }, SourceRow>(
      `SELECT ${SOURCE}, COUNT(*) AS chunk_count
       FROM knowledge_refs r JOIN knowledge_sources s ON s.id = r.source_id
       WHERE r.agent_id = @agent AND r.version = @version AND (@id IS NULL OR r.source_id = @id)
       GROUP BY s.id ORDER BY s.created_at, s.id`,
    ),
    file: db.prepare<{ agent: string; id: string; version: number }, { origin: string; content_type: string; data: Buffer }>(
      `SELECT origin, content_type, data FROM knowledge_sources s
       WHERE s.id = @id AND s.agent_id = @agent AND s.data IS NOT NULL
         AND ((@version = 0 AND s.in_draft = 1)
           OR (@version > 0 AND EXISTS (SELECT 1 FROM knowledge_refs r WHERE r.source_id = s.id AND r.version = @version)))`,
    ),
    setProgress: db.prepare(
      `UPDATE knowledge_sources SET status = 'importing', error = NULL, pages_done = @done, pages_total = @total, updated_at = @now
       WHERE id = @id AND agent_id = @agent AND in_draft = 1`,
    ),
    setFailed: db.prepare(
      `UPDATE knowledge_sources SET status = 'failed', error = @error, skipped_pages = @skipped, import_lease_until = NULL, updated_at = @now
       WHERE id = @id AND agent_id = @agent AND in_draft = 1`,
    ),
    setReady: db.prepare(
      "UPDATE knowledge_sources SET status = 'ready', error = NULL, skipped_pages = @skipped, import_lease_until = NULL, updated_at = @now WHERE id = @id",
    ),
    restart: db.prepare(
      `UPDATE knowledge_sources SET status = 'importing', error = NULL, pages_done = 0, pages_total = NULL, import_lease_until = @lease, updated_at = @now
       WHERE id = @id AND agent_id = @agent AND in_draft = 1 AND status <> 'importing'`,
    ),
    renew: db.prepare(
      `UPDATE knowledge_sources SET import_lease_until = @lease
       WHERE id = @id AND agent_id = @agent AND in_draft = 1 AND status = 'importing'`,
    ),
    stalled: db.prepare<{ now: string; limit: number }, { id: string; agent_id: string }>(
      `SELECT id, agent_id FROM knowledge_sources
       WHERE status = 'importing' AND in_draft = 1 AND (import_lease_until IS NULL OR import_lease_until < @now)
       ORDER BY updated_at, id LIMIT @limit`,
    ),
    leaveDraft: db.prepare<[string]>('UPDATE knowledge_sources SET in_draft = 0 WHERE id = ?'),
    deleteSource: db.prepare<[string]>('DELETE FROM knowledge_sources WHERE id = ?'),
    frozenInAVersion: db.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM knowledge_refs WHERE source_id = ? AND version > 0 LIMIT 1'),

    draftChunkIds: db.prepare<{ agent: string; id: string }, { chunk_id: number }>(
      'SELECT chunk_id FROM knowledge_refs WHERE agent_id = @agent AND version = 0 AND source_id = @id',
    ),
    deleteDraftRefs: db.prepare('DELETE FROM knowledge_refs WHERE agent_id = @agent AND version = 0 AND source_id = @id'),
    chunkId: db.prepare<{ agent: string; hash: string }, { id: number }>('SELECT id FROM knowledge_chunks WHERE agent_id = @agent AND hash = @hash'),
    insertChunk: db.prepare(
      `INSERT INTO knowledge_chunks (agent_id, hash, title, heading_path, url, text)
       VALUES (@agent, @hash, @title, @heading_path, @url, @text)`,
    ),
    insertRef: db.prepare('INSERT INTO knowledge_refs (agent_id, version, source_id, ordinal, chunk_id) VALUES (@agent, 0, @source, @ordinal, @chunk)'),
    collectChunk: db.prepare<{ chunk: number }>(
      'DELETE FROM knowledge_chunks WHERE id = @chunk AND NOT EXISTS (SELECT 1 FROM knowledge_refs WHERE chunk_id = @chunk)',
    ),
    chunks: db.prepare<{ agent: string; version: number; id: string }, ChunkRow>(
      `SELECT r.ordinal, c.title, c.heading_path, c.url, c.text, c.hash
       FROM knowledge_refs r JOIN knowledge_chunks c ON c.id = r.chunk_id
       WHERE r.agent_id = @agent AND r.version = @version AND r.source_id = @id ORDER BY r.ordinal`,
    ),
    // bm25 weighs a word in the title twice, in a heading 1.5 times, what it weighs in the text
    // (PostgreSQL's weights in postgres/knowledge.ts say the same), the agent's token nothing; its
    // scores are lower-is-better. `match` names the agent (migration 012), so only its rows are scored.
    search: db.prepare<{ agent: string; version: number; match: string; limit: number }, HitRow>(
      `SELECT r.source_id, r.ordinal, c.title, c.heading_path, c.url, c.text, c.hash, -bm25(knowledge_fts, 0, 2.0, 1.5, 1.0) AS score
       FROM knowledge_fts f JOIN knowledge_refs r ON r.chunk_id = f.rowid JOIN knowledge_chunks c ON c.id = f.rowid
       WHERE knowledge_fts MATCH @match AND r.agent_id = @agent AND r.version = @version
       ORDER BY score DESC, r.source_id, r.ordinal LIMIT @limit`,
    ),
    // The version's chunks nearest the query by cosine, scored in SQLite by sqlite-vec (knowledge-vectors.ts
    // says why): only vectors of the query's length (another model's are stale), and of a cosine above 0.
    // The CASE keeps vec_distance_cosine from ever seeing a vector of another length (it would throw).
    nearest: db.prepare<{ agent: string; version: number; model: string; vector: Buffer; depth: number }, HitRow>(
      `WITH scored AS (
         SELECT r.source_id, r.ordinal, r.chunk_id,
                CASE WHEN length(c.embedding) = length(@vector) THEN vec_distance_cosine(c.embedding, @vector) END AS distance
         FROM knowledge_refs r JOIN knowledge_chunks c ON c.id = r.chunk_id
         WHERE r.agent_id = @agent AND r.version = @version AND c.embedding_model = @model),
       nearest AS (SELECT * FROM scored WHERE distance < 1 ORDER BY distance, source_id, ordinal LIMIT @depth)
       SELECT n.source_id, n.ordinal, c.title, c.heading_path, c.url, c.text, c.hash, 1 - n.distance AS score
       FROM nearest n JOIN knowledge_chunks c ON c.id = n.chunk_id ORDER BY n.distance, n.source_id, n.ordinal`,
    ),
    toEmbed: db.prepare<{ model: string; limit: number }, { id: number; title: string; heading_path: string; text: string }>(
      `SELECT id, title, heading_path, text FROM knowledge_chunks
       WHERE embedding_model IS NULL OR embedding_model <> @model ORDER BY id LIMIT @limit`,
    ),
    countToEmbed: db.prepare<{ model: string }, { count: number }>(
      'SELECT COUNT(*) AS count FROM knowledge_chunks WHERE embedding_model IS NULL OR embedding_model <> @model',
    ),
    setEmbedding: db.prepare('UPDATE knowledge_chunks SET embedding = @embedding, embedding_model = @model WHERE id = @id'),
    usage: db.prepare<{ agent: string }, KnowledgeUsage>(
      `SELECT (SELECT COUNT(*) FROM knowledge_sources WHERE agent_id = @agent) AS sources,
              (SELECT COUNT(*) FROM knowledge_chunks WHERE agent_id = @agent) AS chunks`,
    ),

    draftDiffers: db.prepare<{ agent: string; version: number }, { differs: 0 | 1 }>(
      `SELECT EXISTS (SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = @agent AND version = 0
                      EXCEPT SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = @agent AND version = @version)
           OR EXISTS (SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = @agent AND version = @version
                      EXCEPT SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = @agent AND version = 0) AS differs`,
    ),
    freezeDraft: db.prepare(
      `INSERT INTO knowledge_refs (agent_id, version, source_id, ordinal, chunk_id)
       SELECT agent_id, @version, source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = @agent AND version = 0`,
    ),
  }

  const draftSource = (agent: string, id: string) => {
    const row = sql.draftSource.get({ agent, id })
    return row ? toSource(row, false) : null
  }

  /** Drops the source's draft references; returns the chunks they named, for `collect`. */
  const dropDraftRefs = (agent: string, id: string) => {
    const named = sql.draftChunkIds.all({ agent, id }).map((row) => row.chunk_id)
    sql.deleteDraftRefs.run({ agent, id })
    return named
  }
  const collect = (chunkIds: number[]) => {
    for (const chunk of new Set(chunkIds)) sql.collectChunk.run({ chunk })
  }

  const addTx = db.transaction((agent: string, source: NewKnowledgeSource) => {
    const id = randomUUID()
    const inserted = sql.insertSource.run({
      id,
      agent,
      kind: source.kind,
      title: source.title,
      origin: source.origin,
      content_type: source.file?.contentType ?? null,
      data: source.file ? Buffer.from(source.file.data.buffer, source.file.data.byteOffset, source.file.data.byteLength) : null,
      options: JSON.stringify(source.options ?? {}),
      lease: source.leaseMs === undefined ? null : leaseUntil(source.leaseMs),
      now: now(),
    })
    return inserted.changes > 0 ? draftSource(agent, id) : null
  })

  const progressTx = db.transaction((agent: string, id: string, progress: KnowledgeProgress) => {
    const changed = sql.setProgress.run({ agent, id, done: progress.pagesDone, total: progress.pagesTotal, now: now() }).changes
    return changed > 0 ? draftSource(agent, id) : null
  })

  const failTx = db.transaction((agent: string, id: string, error: string, skipped: SkippedPage[]) => {
    const changed = sql.setFailed.run({ agent, id, error, skipped: JSON.stringify(skipped), now: now() }).changes
    return changed > 0 ? draftSource(agent, id) : null
  })

  const restartTx = db.transaction((agent: string, id: string, leaseMs: number) => {
    const source = draftSource(agent, id)
    if (!source) return null
    if (source.status === 'importing') return 'importing' as const
    sql.restart.run({ agent, id, lease: leaseUntil(leaseMs), now: now() })
    return draftSource(agent, id)
  })

  const claimTx = db.transaction((leaseMs: number, limit: number) => {
    const claimed: KnowledgeSourceRecord[] = []
    for (const { id, agent_id: agent } of sql.stalled.all({ now: now(), limit })) {
      sql.renew.run({ agent, id, lease: leaseUntil(leaseMs) })
      claimed.push(draftSource(agent, id)!)
    }
    return claimed
  })

  const replaceTx = db.transaction((agent: string, source: string, chunks: KnowledgeChunk[], skipped: SkippedPage[]) => {
    if (!sql.draftSource.get({ agent, id: source })) return null
    const before = dropDraftRefs(agent, source)
    for (const chunk of chunks) {
      const found = sql.chunkId.get({ agent, hash: chunk.hash })
      const chunkId =
        found?.id ??
        Number(
          sql.insertChunk.run({
            agent,
            hash: chunk.hash,
            title: chunk.title,
            heading_path: JSON.stringify(chunk.headingPath),
            url: chunk.url,
            text: chunk.text,
          }).lastInsertRowid,
        )
      sql.insertRef.run({ agent, source, ordinal: chunk.ordinal, chunk: chunkId })
    }
    collect(before)
    sql.setReady.run({ id: source, skipped: JSON.stringify(skipped), now: now() })
    return draftSource(agent, source)
  })

  const deleteTx = db.transaction((agent: string, id: string) => {
    if (!sql.draftSource.get({ agent, id })) return false
    const before = dropDraftRefs(agent, id)
    // A version that froze the source still offers its file and names it in its hits.
    if (sql.frozenInAVersion.get(id)) sql.leaveDraft.run(id)
    else sql.deleteSource.run(id)
    collect(before)
    return true
  })

  const storeEmbeddingsTx = db.transaction((model: string, embeddings: ChunkEmbedding[]) => {
    let kept = 0
    for (const { id, vector } of embeddings) kept += sql.setEmbedding.run({ id, model, embedding: vectorBytes(vector) }).changes
    return kept
  })

  const listSources = (agent: string, version: number, id: string | null): KnowledgeSourceRecord[] => {
    if (version === 0) {
      if (id !== null) return sql.draftSource.all({ agent, id }).map((row) => toSource(row, false))
      return sql.draftSources.all({ agent }).map((row) => toSource(row, false))
    }
    return sql.versionSources.all({ agent, version, id }).map((row) => toSource(row, true))
  }

  const store: KnowledgeStore = {
    async addKnowledgeSource(agentId, source) {
      return addTx.immediate(agentId, source)
    },
    async updateKnowledgeSourceProgress(agentId, sourceId, progress) {
      return progressTx.immediate(agentId, sourceId, progress)
    },
    async failKnowledgeSource(agentId, sourceId, error, skippedPages = []) {
      return failTx.immediate(agentId, sourceId, error, skippedPages)
    },
    async restartKnowledgeImport(agentId, sourceId, leaseMs) {
      return restartTx.immediate(agentId, sourceId, leaseMs)
    },
    async renewKnowledgeImport(agentId, sourceId, leaseMs) {
      return sql.renew.run({ agent: agentId, id: sourceId, lease: leaseUntil(leaseMs) }).changes > 0
    },
    async claimStalledKnowledgeImports(leaseMs, limit) {
      return claimTx.immediate(leaseMs, limit)
    },
    async replaceKnowledgeChunks(agentId, sourceId, chunks, skippedPages = []) {
      checkKnowledgeChunks(chunks)
      return replaceTx.immediate(agentId, sourceId, chunks, skippedPages)
    },
    async listKnowledgeSources(agentId, version = 'draft') {
      return listSources(agentId, versionKey(version), null)
    },
    async getKnowledgeSource(agentId, sourceId, version = 'draft') {
      return listSources(agentId, versionKey(version), sourceId)[0] ?? null
    },
    async getKnowledgeFile(agentId, sourceId, version) {
      const row = sql.file.get({ agent: agentId, id: sourceId, version: versionKey(version) })
      return row ? { filename: row.origin, contentType: row.content_type, data: toBytes(row.data) } : null
    },
    async listKnowledgeChunks(agentId, sourceId, version = 'draft') {
      return sql.chunks.all({ agent: agentId, version: versionKey(version), id: sourceId }).map(toChunk)
    },
    async deleteKnowledgeSource(agentId, sourceId) {
      return deleteTx.immediate(agentId, sourceId)
    },
    async searchKnowledge({ agentId, version, query, limit, embedding }): Promise<KnowledgeHit[]> {
      const terms = searchTerms(query)
      if (terms.length === 0) return []
      const agent = agentId
      const key = versionKey(version)
      // Each term quoted: FTS5 reads it as a string to tokenize, never as an operator or column filter.
      // The agent's token (migration 012) first: FTS5 then scores this agent's rows only.
      const match = `agent : "${agentToken(agent)}" AND {title headings text} : (${terms.map((term) => `"${term}"`).join(' OR ')})`
      const fullText = (depth: number) => sql.search.all({ agent, version: key, match, limit: depth })
      if (!embedding) return toHits(fullText(searchLimit(limit)))
      const byVector = sql.nearest.all({ agent, version: key, model: embedding.model, vector: vectorBytes(embedding.vector), depth: FUSION_DEPTH })
      const fused = fuseRankings([fullText(FUSION_DEPTH), byVector], (row) => `${row.source_id}\0${row.ordinal}`)
      return toHits(fused.slice(0, searchLimit(limit)).map(({ item, score }) => ({ ...item, score })))
    },
    async claimChunksToEmbed(model, limit) {
      return sql.toEmbed.all({ model, limit }).map(toChunkToEmbed)
    },
    async storeChunkEmbeddings(model, embeddings) {
      return storeEmbeddingsTx.immediate(model, embeddings)
    },
    async countChunksToEmbed(model) {
      return sql.countToEmbed.get({ model })!.count
    },
    async knowledgeUsage(agentId) {
      return sql.usage.get({ agent: agentId })!
    },
    async knowledgeDraftDiffers(agentId, version) {
      return sql.draftDiffers.get({ agent: agentId, version })!.differs === 1
    },
  }

  const publishing: KnowledgePublishing = {
    draftDiffers: (agent, version) => sql.draftDiffers.get({ agent, version })!.differs === 1,
    freezeDraft: (agent, version) => {
      sql.freezeDraft.run({ agent, version })
    },
  }

  return { store, publishing }
}
