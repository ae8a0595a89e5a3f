/**
 * What both stores share about knowledge: a chunk's address, the checks on chunks they are
 * given, and how text from a model or a visitor becomes search terms. Every query is read as
 * plain words (letters, digits and combining marks, Unicode-aware); whatever else it holds
 * (quotes, `*`, `NEAR(`, `-`, `:`, parentheses) separates words and never reaches a query
 * parser as syntax, so no query can fail. Each store then matches any of the words (FTS5:
 * quoted terms joined with OR; PostgreSQL: quoted words joined with `or` for
 * `websearch_to_tsquery`) and ranks bm25-like: chunks with more of the words, and rarer ones,
 * first (FTS5's bm25; PostgreSQL's RANKED_SEARCH in postgres/knowledge.ts, idf counted in SQL).
 */
import { createHash } from 'node:crypto'
import type { KnowledgeChunk, KnowledgeSourceRecord, SkippedPage } from './store.ts'

export const KNOWLEDGE_SEARCH = {
  /** The most hits one search returns. */
  maxLimit: 50,
  /** Words of a query beyond these are ignored: a 10,000-character query costs what a short one does. */
  maxTerms: 32,
  /** Longer words are cut: no real word is longer, and a term may not grow a query without bound. */
  maxTermChars: 64,
} as const

/** A chunk's address: SHA-256 (hex) of `JSON.stringify([title, headingPath, url, text])`. */
export function knowledgeChunkHash(chunk: Pick<KnowledgeChunk, 'title' | 'headingPath' | 'url' | 'text'>): string {
  return createHash('sha256')
    .update(JSON.stringify([chunk.title, chunk.headingPath, chunk.url, chunk.text]))
    .digest('hex')
}

/**
 * Throws unless every chunk's hash is its address and no two share an ordinal (a store never
 * files text under a wrong address), or when a chunk holds a NUL character, which PostgreSQL's
 * text cannot (both stores refuse it, so they accept the same chunks).
 */
export function checkKnowledgeChunks(chunks: KnowledgeChunk[]): void {
  const ordinals = new Set<number>()
  for (const chunk of chunks) {
    if (!Number.isInteger(chunk.ordinal)) throw new Error(`knowledge chunk ordinal ${chunk.ordinal} is not an integer`)
    if (ordinals.has(chunk.ordinal)) throw new Error(`two knowledge chunks have the ordinal ${chunk.ordinal}`)
    ordinals.add(chunk.ordinal)
    if ([chunk.title, chunk.url ?? '', chunk.text, ...chunk.headingPath].some((part) => part.includes('\0')))
      throw new Error(`knowledge chunk ${chunk.ordinal} holds a NUL character`)
    if (chunk.hash !== knowledgeChunkHash(chunk)) throw new Error(`knowledge chunk ${chunk.ordinal}: its hash is not the SHA-256 of its content`)
  }
}

/**
 * English stop words: Snowball's list, the one PostgreSQL's 'english' configuration drops
 * (tsearch_data/english.stop), so both stores leave out the same words. FTS5 keeps them, and
 * scoring "the" (in 7,775 of the PostgreSQL manual's 10,167 chunks) was most of a search's time.
 */
const STOP_WORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them
  their theirs themselves what which who whom this that these those am is are was were be been being have has had having do does did doing
  a an the and but if or because as until while of at by for with about against between into through during before after above below to
  from up down in out on off over under again further then once here there when where why how all any both each few more most other some
  such no nor not only own same so than too very s t can will just don should now`.split(/\s+/),
)

/**
 * The distinct words of a query, in order, at most `maxTerms`, without stop words unless the query
 * is nothing else ("to be or not to be" still finds Hamlet): what the stores search for.
 */
export function searchTerms(query: string): string[] {
  const words =
    query
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  const terms = new Set<string>()
  const stopWords = new Set<string>()
  for (const word of words) {
    if (terms.size >= KNOWLEDGE_SEARCH.maxTerms) break
    const term = word.slice(0, KNOWLEDGE_SEARCH.maxTermChars)
    if (STOP_WORDS.has(term)) stopWords.add(term)
    else terms.add(term)
  }
  return terms.size > 0 ? [...terms] : [...stopWords].slice(0, KNOWLEDGE_SEARCH.maxTerms)
}

/** The limit a search applies: the one asked for, within 1..maxLimit. */
export const searchLimit = (limit: number) => Math.min(Math.max(Math.trunc(limit) || 1, 1), KNOWLEDGE_SEARCH.maxLimit)

/** The version's key in the stores' tables: the draft is 0 (versions start at 1); a number that names no version is -1, which matches nothing. */
export const versionKey = (version: 'draft' | number) => (version === 'draft' ? 0 : Number.isInteger(version) && version >= 1 ? version : -1)

/** A `knowledge_sources` row as both stores read it; `Time` is how the store's driver gives timestamps. */
export type KnowledgeSourceRow<Time> = {
  id: string
  agent_id: string
  kind: KnowledgeSourceRecord['kind']
  title: string
  origin: string
  content_type: string | null
  size: number | null
  options: string
  status: KnowledgeSourceRecord['status']
  error: string | null
  pages_done: number
  pages_total: number | null
  /** JSON text: an array of `{ url, reason }`. */
  skipped_pages: string
  chunk_count: number
  created_at: Time
  updated_at: Time
}

/** A chunk as both stores read it (`heading_path` is JSON text). */
export type KnowledgeChunkRow = { ordinal: number; title: string; heading_path: string; url: string | null; text: string; hash: string }

/** A source row as the interface gives it; `frozen`: read for a version, which froze it whole. */
export function toKnowledgeSource<Time>(row: KnowledgeSourceRow<Time>, frozen: boolean, time: (value: Time) => string): KnowledgeSourceRecord {
  return {
    id: row.id,
    agentId: row.agent_id,
    kind: row.kind,
    title: row.title,
    origin: row.origin,
    contentType: row.content_type,
    size: row.size,
    options: JSON.parse(row.options) as Record<string, unknown>,
    // What a version froze was whole when it was published, whatever its source does since.
    status: frozen ? 'ready' : row.status,
    error: frozen ? null : row.error,
    progress: { pagesDone: row.pages_done, pagesTotal: row.pages_total },
    skippedPages: JSON.parse(row.skipped_pages) as SkippedPage[],
    chunkCount: row.chunk_count,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
  }
}

export const toKnowledgeChunk = (row: KnowledgeChunkRow): KnowledgeChunk => ({
  ordinal: row.ordinal,
  title: row.title,
  headingPath: JSON.parse(row.heading_path) as string[],
  url: row.url,
  text: row.text,
  hash: row.hash,
})
