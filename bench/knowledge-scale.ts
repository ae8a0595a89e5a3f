/**
 * Search latency as the knowledge grows, on either store. The rows are written straight into the
 * store's tables (a million chunks through `replaceKnowledgeChunks` would take the bench longer
 * than it measures anything), in big transactions: SQLite through its own connection to the same
 * file (the FTS5 triggers index them as the store's own inserts would be), PostgreSQL through
 * multi-row inserts from `unnest` (the generated tsvector and its GIN index are computed as for
 * the store's own). Searching always goes through the store's `searchKnowledge`, the call the
 * `search_knowledge` tool makes.
 *
 * The text is the manual's real chunks with every twelfth word (shifted by the copy's number)
 * swapped for a word drawn from the manual itself: each copy is a distinct chunk (the stores keep
 * an agent's chunks by hash) and the term statistics stay those of real documentation.
 */
import type postgres from 'postgres'
import { openDatabase } from '../host/store/db.ts'
import { knowledgeChunkHash } from '../host/store/knowledge.ts'
import type { KnowledgeChunk, Store } from '../host/store/store.ts'
import { AgentConfigSchema } from '../shared/index.ts'

/** Writes an agent's chunks (version 0, the draft) straight into a store's tables. */
export type BulkWriter = {
  write(agentId: string, sourceId: string, chunks: KnowledgeChunk[]): Promise<void>
  /** Runs `fill` as a bulk load: PostgreSQL drops the full-text index before and builds it again after. */
  bulk(fill: () => Promise<void>): Promise<void>
  /** What the store's knowledge tables take on disk (SQLite: the file after a checkpoint). */
  knowledgeBytes(): Promise<number>
  close(): Promise<void>
}

export function sqliteBulkWriter(path: string): BulkWriter {
  const db = openDatabase(path)
  const insertChunk = db.prepare<[string, string, string, string, string | null, string]>(
    'INSERT INTO knowledge_chunks (agent_id, hash, title, heading_path, url, text) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const insertRef = db.prepare<[string, string, number, number | bigint]>(
    'INSERT INTO knowledge_refs (agent_id, version, source_id, ordinal, chunk_id) VALUES (?, 0, ?, ?, ?)',
  )
  const ready = db.prepare<[string]>("UPDATE knowledge_sources SET status = 'ready' WHERE id = ?")
  const write = db.transaction((agentId: string, sourceId: string, chunks: KnowledgeChunk[]) => {
    for (const c of chunks) {
      const { lastInsertRowid } = insertChunk.run(agentId, c.hash, c.title, JSON.stringify(c.headingPath), c.url, c.text)
      insertRef.run(agentId, sourceId, c.ordinal, lastInsertRowid)
    }
    ready.run(sourceId)
  })
  return {
    async write(agentId, sourceId, chunks) {
      write(agentId, sourceId, chunks)
    },
    bulk: (fill) => fill(),
    async knowledgeBytes() {
      return sqliteFileBytes(db)
    },
    async close() {
      db.close()
    },
  }
}

/** The SQLite file's size once the WAL is checkpointed into it (what the database holds, all tables). */
export function sqliteFileBytes(db: ReturnType<typeof openDatabase>): number {
  db.pragma('wal_checkpoint(TRUNCATE)')
  const { pages, size } = db.prepare('SELECT page_count AS pages, page_size AS size FROM pragma_page_count(), pragma_page_size()').get() as {
    pages: number
    size: number
  }
  return pages * size
}

export function postgresBulkWriter(sql: postgres.Sql): BulkWriter {
  return {
    async write(agentId, sourceId, chunks) {
      for (let at = 0; at < chunks.length; at += 2_000) {
        const batch = chunks.slice(at, at + 2_000)
        await sql.unsafe(
          `WITH c AS (
             INSERT INTO knowledge_chunks (agent_id, hash, title, heading_path, url, text)
             SELECT $1, hash, title, heading_path::jsonb, url, text
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(hash, title, heading_path, url, text)
             RETURNING id, hash)
           INSERT INTO knowledge_refs (agent_id, version, source_id, ordinal, chunk_id)
           SELECT $1, 0, $2, o.ordinal, c.id FROM c JOIN unnest($3::text[], $8::int[]) AS o(hash, ordinal) USING (hash)`,
          [
            agentId,
            sourceId,
            batch.map((c) => c.hash),
            batch.map((c) => c.title),
            batch.map((c) => JSON.stringify(c.headingPath)),
            batch.map((c) => c.url),
            batch.map((c) => c.text),
            batch.map((c) => c.ordinal),
          ] as never[],
        )
      }
      await sql`UPDATE knowledge_sources SET status = 'ready' WHERE id = ${sourceId}`
    },
    // As the manual's "Populating a Database" advises: a GIN index built once over a million rows
    // takes minutes less than one kept up row by row, and ends the same (the migration's index).
    async bulk(fill) {
      await sql`DROP INDEX knowledge_chunks_search`
      await fill()
      await sql`SET maintenance_work_mem = '512MB'`
      await sql`CREATE INDEX knowledge_chunks_search ON knowledge_chunks USING gin (search)`
    },
    knowledgeBytes: () => postgresKnowledgeBytes(sql),
    async close() {},
  }
}

/** pg_total_relation_size (table, indexes, TOAST) of the three knowledge tables. */
export async function postgresKnowledgeBytes(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ bytes: string }[]>`
    SELECT sum(pg_total_relation_size(t::regclass))::text AS bytes
    FROM unnest(ARRAY['knowledge_sources', 'knowledge_chunks', 'knowledge_refs']) AS t`
  return Number(row!.bytes)
}

/** Deterministic words and choices (mulberry32), so every run writes the same rows. */
function random(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * `count` distinct chunks made from `base`: copy 0 is `base` itself, each later copy swaps every
 * twelfth word for one drawn from the base's own words (so as often as the manual uses it).
 */
export function* variedChunks(base: KnowledgeChunk[], count: number, seed = 1): Generator<KnowledgeChunk> {
  const words = base.flatMap((chunk) => chunk.text.split(/\s+/).filter((word) => /^[A-Za-z]{3,}$/.test(word)))
  const next = random(seed)
  const seen = new Set<string>()
  let made = 0
  for (let copy = 0; made < count; copy++) {
    for (const chunk of base) {
      if (made >= count) return
      let text = chunk.text
      if (copy > 0) {
        const parts = chunk.text.split(' ')
        for (let i = copy % 12; i < parts.length; i += 12) parts[i] = words[Math.floor(next() * words.length)]!
        text = parts.join(' ')
      }
      const varied = { ...chunk, text, hash: '' }
      varied.hash = knowledgeChunkHash(varied)
      if (seen.has(varied.hash)) continue
      seen.add(varied.hash)
      yield { ...varied, ordinal: made % SOURCE_CHUNKS }
      made++
    }
  }
}

/** Chunks per source in the generated agents (the manual's pages hold 9 on average; an uploaded PDF can hold thousands). */
const SOURCE_CHUNKS = 1_000

/** A new agent holding `count` chunks made from `base`, in sources of SOURCE_CHUNKS. */
export async function fillAgent(store: Store, writer: BulkWriter, base: KnowledgeChunk[], count: number, seed: number): Promise<string> {
  const agent = await store.createAgent({ name: `knowledge bench ${seed}`, description: '', config: AgentConfigSchema.parse({}) })
  let batch: KnowledgeChunk[] = []
  let sourceId = ''
  const flush = async () => {
    if (batch.length > 0) await writer.write(agent.id, sourceId, batch)
    batch = []
  }
  for (const chunk of variedChunks(base, count, seed)) {
    if (chunk.ordinal === 0) {
      await flush()
      const source = await store.addKnowledgeSource(agent.id, { kind: 'text', title: `generated ${seed}`, origin: `generated-${seed}.txt` })
      sourceId = source!.id
    }
    batch.push(chunk)
  }
  await flush()
  return agent.id
}

export type Latency = { queries: number; p50Ms: number; p95Ms: number }
