/**
 * Knowledge in PostgreSQL (migration 003), as sqlite-knowledge.ts: sources, each distinct chunk
 * of an agent once (by hash), and the references that make up the draft (version 0) and each
 * published version; search matches the chunks' generated tsvector ('english') through its GIN
 * index and ranks them bm25-like (RANKED_SEARCH below). Every write locks the agent's row first (FOR NO KEY
 * UPDATE: it waits for a publish, which locks it FOR UPDATE, but not for a chat storing its
 * messages), so one agent's knowledge writes and publishes take turns, and a chunk found by hash
 * cannot be collected by another write before it is named.
 */
import { randomUUID } from 'node:crypto'
import {
  checkKnowledgeChunks,
  type KnowledgeChunkRow,
  type KnowledgeSourceRow,
  searchLimit,
  searchTerms,
  toKnowledgeChunk,
  toKnowledgeSource,
  versionKey,
} from '../knowledge.ts'
import { FUSION_DEPTH, fuseRankings, topByCosine, vectorBytes } from '../knowledge-vectors.ts'
import type { KnowledgeHit, KnowledgeSourceRecord, KnowledgeStore, KnowledgeUsage } from '../store.ts'
import type { Sql } from './connection.ts'
import { changed, type Db, iso, now, query } from './rows.ts'

type SourceRow = KnowledgeSourceRow<Date>
type ChunkRow = KnowledgeChunkRow
type HitRow = ChunkRow & { source_id: string; score: number }

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

const HIT = 'r.source_id, r.ordinal, c.title, c.heading_path::text AS heading_path, c.url, c.text, c.hash'

/**
 * Full-text search ranked as bm25 ranks in SQLite: each query word scores by how often the chunk
 * holds it (`ts_rank` of the word alone, weights title 1.0, headings 0.75, text 0.5), damped for
 * chunks longer than the matched ones' average (bm25's length normalization with b = 0.3), times
 * how rare it is among the version's chunks (bm25's idf, its document frequency counted in the
 * same statement over the chunks the query matches), summed over the words. `ts_rank_cd` alone
 * ignored rarity ("page" weighed what "autovacuum" did): on the PostgreSQL manual
 * (`npm run bench -- --only=knowledge --quality`) recall@5 went from 0.516 to 0.674 and MRR from
 * 0.366 to 0.564; b = 0.75 gave 0.579 / 0.443, no length normalization 0.695 / 0.548, and
 * ts_rank's own (1 + log length) 0.653 / 0.535. Each word is parsed as the whole query is
 * (`websearch_to_tsquery` of the quoted word); a stop word parses to an empty query and drops out.
 * $1 agent, $2 version, $3 the words quoted and joined with `or`, $4 the words as a JSON array, $5 limit.
 */
const RANKED_SEARCH = `
  WITH words AS (
    SELECT DISTINCT websearch_to_tsquery('english', '"' || w || '"') AS word FROM jsonb_array_elements_text($4::text::jsonb) AS w
  ),
  matched AS (
    SELECT r.source_id, r.ordinal, c.id, c.search
    FROM knowledge_chunks c JOIN knowledge_refs r ON r.chunk_id = c.id AND r.agent_id = $1 AND r.version = $2
    WHERE c.agent_id = $1 AND c.search @@ websearch_to_tsquery('english', $3)
  ),
  per_word AS (
    SELECT m.source_id, m.ordinal, m.id,
           ts_rank('{0.1, 0.5, 0.75, 1.0}', m.search, w.word, 0) / (0.7 + 0.3 * length(m.search) / AVG(length(m.search)) OVER ()) AS tf,
           COUNT(*) OVER (PARTITION BY w.word) AS df
    FROM matched m JOIN words w ON numnode(w.word) > 0 AND m.search @@ w.word
  ),
  ranked AS (
    SELECT p.source_id, p.ordinal, p.id,
           SUM(ln(1 + (n.chunks - p.df + 0.5) / (p.df + 0.5)) * p.tf) AS score
    FROM per_word p CROSS JOIN (SELECT COUNT(*) AS chunks FROM knowledge_refs WHERE agent_id = $1 AND version = $2) AS n
    GROUP BY p.source_id, p.ordinal, p.id
    ORDER BY score DESC, p.source_id, p.ordinal LIMIT $5
  )
  SELECT ${HIT}, k.score::double precision AS score
  FROM ranked k JOIN knowledge_refs r ON r.agent_id = $1 AND r.version = $2 AND r.source_id = k.source_id AND r.ordinal = k.ordinal
  JOIN knowledge_chunks c ON c.id = k.id
  ORDER BY k.score DESC, r.source_id, r.ordinal`

const toSource = (row: SourceRow, frozen: boolean) => toKnowledgeSource(row, frozen, iso)
const toChunk = toKnowledgeChunk

const toBytes = (data: Buffer) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength)

const SOURCE = `s.id, s.agent_id, s.kind, s.title, s.origin, s.content_type, octet_length(s.data) AS size, s.options::text AS options,
  s.status, s.error, s.pages_done, s.pages_total, s.skipped_pages::text AS skipped_pages, s.created_at, s.updated_at`

const DRAFT_SOURCE = `SELECT ${SOURCE}, (SELECT COUNT(*) FROM knowledge_refs r WHERE r.source_id = s.id AND r.version = 0) AS chunk_count
  FROM knowledge_sources s WHERE s.agent_id = $1 AND s.in_draft`

/**
 * A lease's end, by the database's clock, `ms` (the parameter named) from now, or NULL when it is
 * NULL: every host compares leases with one clock, whatever its own says.
 */
const LEASE = (ms: string) => `clock_timestamp() + ${ms}::double precision * interval '1 millisecond'`

const lockAgent = async (db: Db, agentId: string) =>
  (await query<{ one: number }>(db, 'SELECT 1 AS one FROM agents WHERE id = $1 FOR NO KEY UPDATE', [agentId])).length > 0

const draftSource = async (db: Db, agentId: string, sourceId: string) => {
  const [row] = await query<SourceRow>(db, `${DRAFT_SOURCE} AND s.id = $2`, [agentId, sourceId])
  return row ? toSource(row, false) : null
}

/** Drops the source's draft references; returns the chunks they named, for `collect`. */
const dropDraftRefs = async (db: Db, agentId: string, sourceId: string) =>
  (
    await query<{ chunk_id: number }>(db, 'DELETE FROM knowledge_refs WHERE agent_id = $1 AND version = 0 AND source_id = $2 RETURNING chunk_id', [
      agentId,
      sourceId,
    ])
  ).map((row) => row.chunk_id)

/** Deletes those of `chunkIds` that nothing names any more. */
const collect = (db: Db, agentId: string, chunkIds: number[]) =>
  chunkIds.length === 0
    ? Promise.resolve(0)
    : changed(
        db,
        `DELETE FROM knowledge_chunks k
         WHERE k.agent_id = $1 AND k.id IN (SELECT value::bigint FROM jsonb_array_elements_text($2::text::jsonb))
           AND NOT EXISTS (SELECT 1 FROM knowledge_refs r WHERE r.chunk_id = k.id)`,
        [agentId, JSON.stringify(chunkIds)],
      )

/** Whether the draft's references differ from the version's (any source, ordinal or chunk); for `publish`, inside its transaction. */
export async function draftKnowledgeDiffers(db: Db, agentId: string, version: number): Promise<boolean> {
  const [row] = await query<{ differs: boolean }>(
    db,
    `SELECT EXISTS (SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = $1 AND version = 0
                    EXCEPT SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = $1 AND version = $2)
         OR EXISTS (SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = $1 AND version = $2
                    EXCEPT SELECT source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = $1 AND version = 0) AS differs`,
    [agentId, version],
  )
  return row!.differs
}

/** Freezes the draft into a new version: copies its references (never the chunks); for `publish`, inside its transaction. */
export async function freezeDraftKnowledge(db: Db, agentId: string, version: number): Promise<void> {
  await changed(
    db,
    `INSERT INTO knowledge_refs (agent_id, version, source_id, ordinal, chunk_id)
     SELECT agent_id, $2, source_id, ordinal, chunk_id FROM knowledge_refs WHERE agent_id = $1 AND version = 0`,
    [agentId, version],
  )
}

export function createKnowledgeStore(sql: Sql): KnowledgeStore {
  const listSources = async (agentId: string, version: number, sourceId: string | null): Promise<KnowledgeSourceRecord[]> => {
    if (version === 0) {
      const rows =
        sourceId === null
          ? await query<SourceRow>(sql, `${DRAFT_SOURCE} ORDER BY s.created_at, s.id`, [agentId])
          : await query<SourceRow>(sql, `${DRAFT_SOURCE} AND s.id = $2`, [agentId, sourceId])
      return rows.map((row) => toSource(row, false))
    }
    const rows = await query<SourceRow>(
      sql,
      `SELECT ${SOURCE}, COUNT(*) AS chunk_count
       FROM knowledge_refs r JOIN knowledge_sources s ON s.id = r.source_id
       WHERE r.agent_id = $1 AND r.version = $2 AND ($3::text IS NULL OR r.source_id = $3)
       GROUP BY s.id ORDER BY s.created_at, s.id`,
      [agentId, version, sourceId],
    )
    return rows.map((row) => toSource(row, true))
  }

  return {
    async addKnowledgeSource(agentId, source) {
      const id = randomUUID()
      const at = now()
      const inserted = await changed(
        sql,
        `INSERT INTO knowledge_sources (id, agent_id, kind, title, origin, content_type, data, options, status, import_lease_until, created_at, updated_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, 'importing', ${LEASE('$10')}, $9, $9 WHERE EXISTS (SELECT 1 FROM agents WHERE id = $2)`,
        [
          id,
          agentId,
          source.kind,
          source.title,
          source.origin,
          source.file?.contentType ?? null,
          source.file ? Buffer.from(source.file.data.buffer, source.file.data.byteOffset, source.file.data.byteLength) : null,
          JSON.stringify(source.options ?? {}),
          at,
          source.leaseMs ?? null,
        ],
      )
      return inserted > 0 ? draftSource(sql, agentId, id) : null
    },
    async updateKnowledgeSourceProgress(agentId, sourceId, progress) {
      return sql.begin(async (tx) => {
        const updated = await changed(
          tx,
          `UPDATE knowledge_sources SET status = 'importing', error = NULL, pages_done = $3, pages_total = $4, updated_at = $5
           WHERE id = $2 AND agent_id = $1 AND in_draft`,
          [agentId, sourceId, progress.pagesDone, progress.pagesTotal, now()],
        )
        return updated > 0 ? draftSource(tx, agentId, sourceId) : null
      }) as Promise<KnowledgeSourceRecord | null>
    },
    async failKnowledgeSource(agentId, sourceId, error, skippedPages = []) {
      return sql.begin(async (tx) => {
        const updated = await changed(
          tx,
          `UPDATE knowledge_sources SET status = 'failed', error = $3, skipped_pages = $5::text::jsonb, import_lease_until = NULL, updated_at = $4
           WHERE id = $2 AND agent_id = $1 AND in_draft`,
          [agentId, sourceId, error, now(), JSON.stringify(skippedPages)],
        )
        return updated > 0 ? draftSource(tx, agentId, sourceId) : null
      }) as Promise<KnowledgeSourceRecord | null>
    },
    async restartKnowledgeImport(agentId, sourceId, leaseMs) {
      return sql.begin(async (tx) => {
        const [row] = await query<{ status: string }>(tx, 'SELECT status FROM knowledge_sources WHERE id = $2 AND agent_id = $1 AND in_draft FOR UPDATE', [
          agentId,
          sourceId,
        ])
        if (!row) return null
        if (row.status === 'importing') return 'importing'
        await changed(
          tx,
          `UPDATE knowledge_sources SET status = 'importing', error = NULL, pages_done = 0, pages_total = NULL, import_lease_until = ${LEASE('$3')},
             updated_at = $4
           WHERE id = $2 AND agent_id = $1`,
          [agentId, sourceId, leaseMs, now()],
        )
        return draftSource(tx, agentId, sourceId)
      }) as Promise<KnowledgeSourceRecord | 'importing' | null>
    },
    async renewKnowledgeImport(agentId, sourceId, leaseMs) {
      const updated = await changed(
        sql,
        `UPDATE knowledge_sources SET import_lease_until = ${LEASE('$3')} WHERE id = $2 AND agent_id = $1 AND in_draft AND status = 'importing'`,
        [agentId, sourceId, leaseMs],
      )
      return updated > 0
    },
    async claimStalledKnowledgeImports(leaseMs, limit) {
      // SKIP LOCKED: a host taking sources over passes those another host is taking at this moment.
      const claimed = await query<{ id: string; agent_id: string }>(
        sql,
        `UPDATE knowledge_sources SET import_lease_until = ${LEASE('$1')}
         WHERE id IN (SELECT id FROM knowledge_sources
                      WHERE status = 'importing' AND in_draft AND (import_lease_until IS NULL OR import_lease_until < clock_timestamp())
                      ORDER BY updated_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
           AND status = 'importing' AND in_draft AND (import_lease_until IS NULL OR import_lease_until < clock_timestamp())
         RETURNING id, agent_id`,
        [leaseMs, limit],
      )
      const sources = await Promise.all(claimed.map((row) => draftSource(sql, row.agent_id, row.id)))
      return sources.filter((source) => source !== null)
    },
    async replaceKnowledgeChunks(agentId, sourceId, chunks, skippedPages = []) {
      checkKnowledgeChunks(chunks)
      return sql.begin(async (tx) => {
        if (!(await lockAgent(tx, agentId)) || !(await draftSource(tx, agentId, sourceId))) return null
        const before = await dropDraftRefs(tx, agentId, sourceId)
        if (chunks.length > 0) {
          await changed(
            tx,
            `INSERT INTO knowledge_chunks (agent_id, hash, title, heading_path, url, text)
             SELECT $1, c.hash, c.title, c.heading_path, c.url, c.text
             FROM jsonb_to_recordset($2::text::jsonb) AS c(hash text, title text, heading_path jsonb, url text, text text)
             ON CONFLICT (agent_id, hash) DO NOTHING`,
            [agentId, JSON.stringify(chunks.map(({ hash, title, headingPath, url, text }) => ({ hash, title, heading_path: headingPath, url, text })))],
          )
          await changed(
            tx,
            `INSERT INTO knowledge_refs (agent_id, version, source_id, ordinal, chunk_id)
             SELECT $1, 0, $2, c.ordinal, k.id
             FROM jsonb_to_recordset($3::text::jsonb) AS c(ordinal integer, hash text)
             JOIN knowledge_chunks k ON k.agent_id = $1 AND k.hash = c.hash`,
            [agentId, sourceId, JSON.stringify(chunks.map(({ ordinal, hash }) => ({ ordinal, hash })))],
          )
        }
        await collect(tx, agentId, before)
        await changed(
          tx,
          "UPDATE knowledge_sources SET status = 'ready', error = NULL, skipped_pages = $3::text::jsonb, import_lease_until = NULL, updated_at = $2 WHERE id = $1",
          [sourceId, now(), JSON.stringify(skippedPages)],
        )
        return draftSource(tx, agentId, sourceId)
      }) as Promise<KnowledgeSourceRecord | null>
    },
    async listKnowledgeSources(agentId, version = 'draft') {
      return listSources(agentId, versionKey(version), null)
    },
    async getKnowledgeSource(agentId, sourceId, version = 'draft') {
      return (await listSources(agentId, versionKey(version), sourceId))[0] ?? null
    },
    async getKnowledgeFile(agentId, sourceId, version) {
      const [row] = await query<{ origin: string; content_type: string; data: Buffer }>(
        sql,
        `SELECT origin, content_type, data FROM knowledge_sources s
         WHERE s.id = $2 AND s.agent_id = $1 AND s.data IS NOT NULL
           AND (($3 = 0 AND s.in_draft) OR ($3 > 0 AND EXISTS (SELECT 1 FROM knowledge_refs r WHERE r.source_id = s.id AND r.version = $3)))`,
        [agentId, sourceId, versionKey(version)],
      )
      return row ? { filename: row.origin, contentType: row.content_type, data: toBytes(row.data) } : null
    },
    async listKnowledgeChunks(agentId, sourceId, version = 'draft') {
      const rows = await query<ChunkRow>(
        sql,
        `SELECT r.ordinal, c.title, c.heading_path::text AS heading_path, c.url, c.text, c.hash
         FROM knowledge_refs r JOIN knowledge_chunks c ON c.id = r.chunk_id
         WHERE r.agent_id = $1 AND r.version = $2 AND r.source_id = $3 ORDER BY r.ordinal`,
        [agentId, versionKey(version), sourceId],
      )
      return rows.map(toChunk)
    },
    async deleteKnowledgeSource(agentId, sourceId) {
      return sql.begin(async (tx) => {
        if (!(await lockAgent(tx, agentId)) || !(await draftSource(tx, agentId, sourceId))) return false
        const before = await dropDraftRefs(tx, agentId, sourceId)
        // A version that froze the source still offers its file and names it in its hits.
        const [frozen] = await query<{ one: number }>(tx, 'SELECT 1 AS one FROM knowledge_refs WHERE source_id = $1 AND version > 0 LIMIT 1', [sourceId])
        if (frozen) await changed(tx, 'UPDATE knowledge_sources SET in_draft = false WHERE id = $1', [sourceId])
        else await changed(tx, 'DELETE FROM knowledge_sources WHERE id = $1', [sourceId])
        await collect(tx, agentId, before)
        return true
      }) as Promise<boolean>
    },
    async searchKnowledge({ agentId, version, query: text, limit, embedding }) {
      const terms = searchTerms(text)
      if (terms.length === 0) return []
      const key = versionKey(version)
      // Quoted words joined with `or`: websearch_to_tsquery never fails, and reads no operator from the words.
      const fullText = (depth: number) =>
        query<HitRow>(sql, RANKED_SEARCH, [agentId, key, terms.map((term) => `"${term}"`).join(' or '), JSON.stringify(terms), depth])
      if (!embedding) return toHits(await fullText(searchLimit(limit)))
      // The version's vectors from the model, scored in JS (knowledge-vectors.ts says why), then the nearest rows read whole.
      const [textRows, vectorRows] = await Promise.all([
        fullText(FUSION_DEPTH),
        query<{ source_id: string; ordinal: number; embedding: Buffer }>(
          sql,
          `SELECT r.source_id, r.ordinal, c.embedding FROM knowledge_refs r JOIN knowledge_chunks c ON c.id = r.chunk_id
           WHERE r.agent_id = $1 AND r.version = $2 AND c.embedding_model = $3`,
          [agentId, key, embedding.model],
        ),
      ])
      const nearest = topByCosine(embedding.vector, vectorRows).map(({ source_id, ordinal }) => ({ source_id, ordinal }))
      const found =
        nearest.length === 0
          ? []
          : await query<HitRow>(
              sql,
              `SELECT ${HIT}, 0 AS score FROM jsonb_to_recordset($3::text::jsonb) AS n(source_id text, ordinal integer)
               JOIN knowledge_refs r ON r.agent_id = $1 AND r.version = $2 AND r.source_id = n.source_id AND r.ordinal = n.ordinal
               JOIN knowledge_chunks c ON c.id = r.chunk_id`,
              [agentId, key, JSON.stringify(nearest)],
            )
      const rowKey = (row: { source_id: string; ordinal: number }) => `${row.source_id}\0${row.ordinal}`
      const byKey = new Map(found.map((row) => [rowKey(row), row]))
      const byVector = nearest.flatMap((row) => byKey.get(rowKey(row)) ?? [])
      const fused = fuseRankings([textRows, byVector], rowKey)
      return toHits(fused.slice(0, searchLimit(limit)).map(({ item, score }) => ({ ...item, score })))
    },
    async claimChunksToEmbed(model, limit, claimMs) {
      const rows = await query<{ id: number; title: string; heading_path: string; text: string }>(
        sql,
        `UPDATE knowledge_chunks k SET embedding_claimed_until = now() + $3 * interval '1 millisecond'
         FROM (SELECT id FROM knowledge_chunks
               WHERE embedding_model IS DISTINCT FROM $1 AND (embedding_claimed_until IS NULL OR embedding_claimed_until < now())
               ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) AS todo
         WHERE k.id = todo.id
         RETURNING k.id, k.title, k.heading_path::text AS heading_path, k.text`,
        [model, limit, claimMs],
      )
      return rows
        .sort((a, b) => a.id - b.id)
        .map((row) => ({ id: row.id, title: row.title, headingPath: JSON.parse(row.heading_path) as string[], text: row.text }))
    },
    async storeChunkEmbeddings(model, embeddings) {
      if (embeddings.length === 0) return 0
      return changed(
        sql,
        `UPDATE knowledge_chunks k SET embedding = decode(e.vector, 'base64'), embedding_model = $1, embedding_claimed_until = NULL
         FROM jsonb_to_recordset($2::text::jsonb) AS e(id bigint, vector text) WHERE k.id = e.id`,
        [model, JSON.stringify(embeddings.map(({ id, vector }) => ({ id, vector: vectorBytes(vector).toString('base64') })))],
      )
    },
    async countChunksToEmbed(model) {
      const [row] = await query<{ count: number }>(sql, 'SELECT COUNT(*) AS count FROM knowledge_chunks WHERE embedding_model IS DISTINCT FROM $1', [model])
      return row!.count
    },
    async knowledgeUsage(agentId) {
      const [row] = await query<KnowledgeUsage>(
        sql,
        `SELECT (SELECT COUNT(*) FROM knowledge_sources WHERE agent_id = $1) AS sources,
                (SELECT COUNT(*) FROM knowledge_chunks WHERE agent_id = $1) AS chunks`,
        [agentId],
      )
      return row!
    },
    knowledgeDraftDiffers(agentId, version) {
      return draftKnowledgeDiffers(sql, agentId, version)
    },
  }
}
