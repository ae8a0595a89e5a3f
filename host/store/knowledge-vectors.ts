/**
 * The vector side of knowledge search, shared by both stores: how a vector is stored (float32
 * bytes, normalised, so cosine is a dot product), the top chunks by cosine, and how the vector
 * ranking is fused with the full-text one (Reciprocal Rank Fusion).
 *
 * Where the scoring runs, per store, was measured (bench/vectors.ts, BENCHMARKS.md "Vector
 * search"): PostgreSQL without pgvector (not in Debian 12) can only score in SQL over float4[]
 * by unnesting, 4–11× slower than fetching the bytes and scoring them here (`topByCosine`); in
 * SQLite, sqlite-vec's `vec_distance_cosine` scalar in the query is 2–6× faster than reading
 * the BLOBs into JS, so the SQLite store scores there (sqlite-knowledge.ts).
 */
import type { ChunkToEmbed } from './store.ts'

/** The constant of Reciprocal Rank Fusion: a chunk's fused score is the sum of 1 / (RRF_K + rank) over the rankings it is in. */
export const RRF_K = 60

/** How many chunks each ranking contributes before fusing: the most a search returns. */
export const FUSION_DEPTH = 50

/** The bytes a store keeps for a vector (platform order: little-endian on every host Porch runs on). */
export const vectorBytes = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)

/** A stored vector as floats; copied when the driver's buffer is not 4-byte aligned (pooled buffers may not be). */
export function bytesVector(bytes: Uint8Array): Float32Array {
  const length = bytes.byteLength >> 2
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, length)
  // new Uint8Array(bytes) copies (a Buffer's slice() would not).
  return new Float32Array(new Uint8Array(bytes).buffer, 0, length)
}

/** The vector scaled to length 1; a zero vector stays zero (it then matches nothing). */
export function normalise(vector: ArrayLike<number>): Float32Array {
  let sum = 0
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0
  const out = new Float32Array(vector.length)
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale
  return out
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!
  return sum
}

/**
 * The `depth` rows with the highest cosine to `query`, best first (ties: the order given), of
 * those with a cosine above 0 (a vector orthogonal to the query's shares nothing with it). Rows
 * whose vector has another length (another model's, which a model change leaves until they are
 * embedded again) are skipped.
 */
export function topByCosine<Row extends { embedding: Uint8Array }>(query: Float32Array, rows: Row[], depth = FUSION_DEPTH): Row[] {
  const best: Array<{ row: Row; score: number }> = []
  for (const row of rows) {
    if (row.embedding.byteLength !== query.byteLength) continue
    const score = dot(query, bytesVector(row.embedding))
    if (score <= 0) continue
    if (best.length === depth && score <= best[depth - 1]!.score) continue
    let at = best.length
    while (at > 0 && best[at - 1]!.score < score) at--
    best.splice(at, 0, { row, score })
    if (best.length > depth) best.pop()
  }
  return best.map((entry) => entry.row)
}

/**
 * Reciprocal Rank Fusion of rankings of the same kind of item (`key` says which are the same):
 * best first by the summed 1 / (RRF_K + rank); ties keep the order of the first ranking, then
 * the next. Returns each item with its fused score.
 */
export function fuseRankings<Item>(rankings: Item[][], key: (item: Item) => string): Array<{ item: Item; score: number }> {
  const fused = new Map<string, { item: Item; score: number; order: number }>()
  let order = 0
  for (const ranking of rankings) {
    ranking.forEach((item, i) => {
      const id = key(item)
      const entry = fused.get(id) ?? { item, score: 0, order: order++ }
      entry.score += 1 / (RRF_K + i + 1)
      fused.set(id, entry)
    })
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.order - b.order).map(({ item, score }) => ({ item, score }))
}

/** What an embedding model reads of a chunk: where it sits (title, headings), then its text. */
export const embeddingText = (chunk: Pick<ChunkToEmbed, 'title' | 'headingPath' | 'text'>) =>
  `${[chunk.title, ...chunk.headingPath].filter((part) => part !== '').join(' > ')}\n\n${chunk.text}`
