/**
 * `npm run bench -- --only=vectors`: how to find a version's chunks nearest a query vector, per
 * store, with what runs on a stock server (no pgvector: Debian 12 does not package it). The
 * same table shapes as the stores (chunks with a vector and its model, refs naming them per
 * agent and version; the version's refs filter the vectors), N chunks × D dimensions of random
 * normalised float32, top 50 of one query, median of 5 after one warm-up:
 *
 * - SQLite, `js`: read the BLOBs of the version's chunks and score them with Float32Array dot
 *   products (host/store/knowledge-vectors.ts `topByCosine`);
 * - SQLite, `sqlite-vec`: `ORDER BY vec_distance_cosine(embedding, ?) LIMIT 50` in the same
 *   query (sqlite-vec's scalar, SIMD C, no vector copied into JS): what the store does;
 * - PostgreSQL, `js`: fetch the bytea of the version's chunks and score them here (the store);
 * - PostgreSQL, `sql`: the dot product in SQL over a float4[] column (unnest, sum), ordered there.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import * as sqliteVec from 'sqlite-vec'
import { FUSION_DEPTH, normalise, topByCosine, vectorBytes } from '../host/store/knowledge-vectors.ts'
import { createDatabase, launchPostgres } from '../host/testing/postgres-server.ts'

export type VectorRow = { store: 'sqlite' | 'postgres'; method: string; chunks: number; dimensions: number; medianMs: number | null; note?: string }

const MODEL = 'bench-model'
const QUERIES = 5

/** A deterministic pseudo-random normalised vector (xorshift), so every run scores the same data. */
function randomVector(dimensions: number, seed: number): Float32Array {
  let x = seed * 2654435761 + 1
  const values = new Float32Array(dimensions)
  for (let i = 0; i < dimensions; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    values[i] = ((x >>> 0) / 4294967296) * 2 - 1
  }
  return normalise(values)
}

async function median(run: () => Promise<unknown> | unknown): Promise<number> {
  await run()
  const times: number[] = []
  for (let i = 0; i < QUERIES; i++) {
    const start = performance.now()
    await run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return Math.round(times[times.length >> 1]! * 10) / 10
}

async function sqliteRows(chunks: number, dimensions: number): Promise<VectorRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-vectors-'))
  const db = new Database(join(dir, 'v.db'))
  try {
    db.pragma('journal_mode = WAL')
    db.exec(`CREATE TABLE chunks (id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, embedding BLOB, embedding_model TEXT) STRICT;
      CREATE TABLE refs (agent_id TEXT NOT NULL, version INTEGER NOT NULL, source_id TEXT NOT NULL, ordinal INTEGER NOT NULL, chunk_id INTEGER NOT NULL,
        PRIMARY KEY (agent_id, version, source_id, ordinal)) STRICT, WITHOUT ROWID;`)
    const chunk = db.prepare('INSERT INTO chunks (id, agent_id, embedding, embedding_model) VALUES (?, ?, ?, ?)')
    const ref = db.prepare("INSERT INTO refs VALUES ('a', 0, 's', ?, ?)")
    db.transaction(() => {
      for (let i = 1; i <= chunks; i++) {
        chunk.run(i, 'a', vectorBytes(randomVector(dimensions, i)), MODEL)
        ref.run(i, i)
      }
    })()
    const query = randomVector(dimensions, 0)
    const read = db.prepare<[string], { source_id: string; ordinal: number; embedding: Buffer }>(
      `SELECT r.source_id, r.ordinal, c.embedding FROM refs r JOIN chunks c ON c.id = r.chunk_id
       WHERE r.agent_id = 'a' AND r.version = 0 AND c.embedding_model = ?`,
    )
    const js = () => topByCosine(query, read.all(MODEL))
    const rows: VectorRow[] = [{ store: 'sqlite', method: 'js', chunks, dimensions, medianMs: await median(js) }]
    sqliteVec.load(db)
    const nearest = db.prepare<[Buffer, string], { ordinal: number; distance: number }>(
      `SELECT r.ordinal, vec_distance_cosine(c.embedding, ?) AS distance FROM refs r JOIN chunks c ON c.id = r.chunk_id
       WHERE r.agent_id = 'a' AND r.version = 0 AND c.embedding_model = ? ORDER BY distance LIMIT ${FUSION_DEPTH}`,
    )
    const vec = () => nearest.all(vectorBytes(query), MODEL)
    // Both must find the same chunks, or the comparison means nothing.
    const same = vec()[0]!.ordinal === js()[0]!.ordinal
    return [...rows, { store: 'sqlite', method: 'sqlite-vec', chunks, dimensions, medianMs: await median(vec), note: same ? undefined : 'DIFFERENT TOP HIT' }]
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function postgresRows(url: string, chunks: number, dimensions: number): Promise<VectorRow[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(`CREATE TABLE chunks (id bigint PRIMARY KEY, agent_id text NOT NULL, embedding bytea, vec float4[], embedding_model text);
      CREATE TABLE refs (agent_id text NOT NULL, version integer NOT NULL, source_id text NOT NULL, ordinal integer NOT NULL, chunk_id bigint NOT NULL,
        PRIMARY KEY (agent_id, version, source_id, ordinal))`)
    const step = 2_000
    for (let from = 1; from <= chunks; from += step) {
      const rows = []
      for (let i = from; i < Math.min(from + step, chunks + 1); i++) {
        const vector = randomVector(dimensions, i)
        rows.push({ id: i, b: vectorBytes(vector).toString('base64'), v: `{${Array.from(vector).join(',')}}` })
      }
      await sql.unsafe(
        `INSERT INTO chunks (id, agent_id, embedding, vec, embedding_model)
         SELECT r.id, 'a', decode(r.b, 'base64'), r.v::float4[], $2 FROM jsonb_to_recordset($1::text::jsonb) AS r(id bigint, b text, v text)`,
        [JSON.stringify(rows), MODEL],
      )
      await sql.unsafe("INSERT INTO refs SELECT 'a', 0, 's', id, id FROM chunks WHERE id >= $1 AND id < $2", [from, from + step])
    }
    await sql.unsafe('VACUUM ANALYZE chunks')
    await sql.unsafe('VACUUM ANALYZE refs')
    const query = randomVector(dimensions, 0)
    const js = async () => {
      const rows = await sql.unsafe<{ source_id: string; ordinal: number; embedding: Buffer }[]>(
        `SELECT r.source_id, r.ordinal, c.embedding FROM refs r JOIN chunks c ON c.id = r.chunk_id
         WHERE r.agent_id = 'a' AND r.version = 0 AND c.embedding_model = $1`,
        [MODEL],
        { prepare: true },
      )
      return topByCosine(query, rows)
    }
    const literal = `{${Array.from(query).join(',')}}`
    const inSql = () =>
      sql.unsafe<{ ordinal: number }[]>(
        `SELECT r.ordinal, (SELECT sum(a * b) FROM unnest(c.vec, $2::float4[]) AS t(a, b)) AS score
         FROM refs r JOIN chunks c ON c.id = r.chunk_id
         WHERE r.agent_id = 'a' AND r.version = 0 AND c.embedding_model = $1 ORDER BY score DESC LIMIT ${FUSION_DEPTH}`,
        [MODEL, literal],
        { prepare: true },
      )
    const same = (await inSql())[0]!.ordinal === (await js())[0]!.ordinal
    return [
      { store: 'postgres', method: 'js', chunks, dimensions, medianMs: await median(js) },
      { store: 'postgres', method: 'sql float4[]', chunks, dimensions, medianMs: await median(inSql), note: same ? undefined : 'DIFFERENT TOP HIT' },
    ]
  } finally {
    await sql.end()
  }
}

export async function vectorSearch({ quick = false }: { quick?: boolean } = {}): Promise<VectorRow[]> {
  const sizes = quick ? [10_000] : [10_000, 100_000]
  const rows: VectorRow[] = []
  const pg = await launchPostgres()
  try {
    await pg.ready
    let n = 0
    for (const dimensions of [384, 1536]) {
      for (const chunks of sizes) {
        console.log(`vectors: ${chunks} × ${dimensions}…`)
        const measured = [
          ...(await sqliteRows(chunks, dimensions)),
          ...(await postgresRows(await createDatabase(pg.server, `vectors_${n++}`), chunks, dimensions)),
        ]
        for (const line of vectorLines(measured).slice(1)) console.log(line)
        rows.push(...measured)
      }
    }
  } finally {
    await pg.stop()
  }
  return rows
}

export function vectorLines(rows: VectorRow[]): string[] {
  const lines = ['vector search, top 50 of one query over one version’s chunks (median of 5 ms):']
  for (const row of rows) {
    lines.push(
      `  ${row.store.padEnd(8)} ${row.method.padEnd(12)} ${String(row.chunks).padStart(7)} × ${String(row.dimensions).padStart(4)}: ${row.medianMs === null ? '—' : `${row.medianMs} ms`}${row.note ? ` (${row.note})` : ''}`,
    )
  }
  return lines
}
