/**
 * `npm run bench -- --only=knowledge`: knowledge quality and cost on a public document set, the
 * PostgreSQL 15 manual (bench/knowledge-corpus.ts), on SQLite (a temp file) and on PostgreSQL (a
 * throwaway local server, host/testing/postgres-server.ts: fsync off), one after the other:
 *
 * 1. import: the manual's ~1,170 pages into a fresh agent, one source per page; wall time, and
 *    storage taken, per 1,000 pages (SQLite: the file's growth, checkpointed; PostgreSQL:
 *    pg_total_relation_size of the knowledge tables);
 * 2. retrieval: recall@5 and MRR of the store's full-text search over the questions of
 *    bench/knowledge-questions.json (bench/knowledge-eval.ts), with the `search_knowledge` tool's
 *    call; and, when an embedding endpoint is configured, a vector-only ranking of the same chunks
 *    (bench/knowledge-vectors.ts);
 * 3. search latency (p50/p95 over the questions, twice each, the tool's limit of six hits) as the
 *    store grows (bench/knowledge-scale.ts): the manual's agent alone (~10k chunks); then an agent
 *    of 100k (beyond the importer's 50k per agent, to show how one agent's size scales); then 18
 *    agents of 50k (the importer's limit), ~1M chunks in all, searched in one agent of 50k and in
 *    the manual's.
 *
 * Takes about 45 minutes on 2 cores under a load average of 12 (most of it SQLite searching a
 * million chunks, ~1 s each; printed at the end); `--quick` makes the generated agents ten times
 * smaller (for trying a change, not for BENCHMARKS.md); `--quality` stops each store after step 2
 * and the manual's agent's latency (the first row of step 3): a couple of minutes, for A/B runs of
 * a ranking or parsing change.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import postgres from 'postgres'
import { KNOWLEDGE_RESULT } from '../host/runtime/tools/knowledge-tool.ts'
import { createPostgresStore } from '../host/store/postgres/postgres-store.ts'
import { createSqliteStore } from '../host/store/sqlite-store.ts'
import type { KnowledgeChunk, Store } from '../host/store/store.ts'
import { createDatabase, findPostgresBin, launchPostgres, type TestPostgres } from '../host/testing/postgres-server.ts'
import { AgentConfigSchema } from '../shared/index.ts'
import type { StoreKind } from './bench-store.ts'
import { ensureManual, type ImportTimes, importManual, readManual, readManualPage } from './knowledge-corpus.ts'
import { checkQuestionPages, loadQuestions, type Question, type RetrievalScore, scoreRanking } from './knowledge-eval.ts'
import { type BulkWriter, fillAgent, type Latency, postgresBulkWriter, sqliteBulkWriter } from './knowledge-scale.ts'
import { embeddingEndpointFromEnv, vectorRanking } from './knowledge-vectors.ts'
import { percentile, round } from './stats.ts'

export type LatencyStep = Latency & { storeChunks: number; agentChunks: number }

export type StoreKnowledge = {
  store: StoreKind
  import: ImportTimes & { storageBytes: number }
  fullText: RetrievalScore
  latency: LatencyStep[]
  /** Bytes of the knowledge with every step's chunks in it. */
  storageAtEnd: { chunks: number; bytes: number }
  fillMs: number
}

export type KnowledgeBench = {
  postgres: string
  questions: number
  stores: StoreKnowledge[]
  /** The vector-only ranking of the manual's chunks, when PORCH_EMBEDDING_URL and _MODEL are set. */
  vector: (RetrievalScore & { model: string; embedMs: number }) | null
  minutes: number
  /** 1-minute load average before and after (2 cores: above 2 means something else wanted the CPU). */
  load: { before: number; after: number }
}

type Opened = { store: Store; writer: BulkWriter; analyze(): Promise<void>; dispose(): Promise<void> }

async function openSqlite(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-knowledge-bench-'))
  const path = join(dir, 'bench.db')
  const store = createSqliteStore(path)
  const writer = sqliteBulkWriter(path)
  return {
    store,
    writer,
    async analyze() {},
    async dispose() {
      await writer.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function openPostgres(server: TestPostgres): Promise<Opened> {
  const url = await createDatabase(server, `knowledge_bench_${process.pid}_${Date.now().toString(36)}`)
  const store = await createPostgresStore(url)
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  return {
    store,
    writer: postgresBulkWriter(sql),
    // A deployment's autovacuum analyzes new rows within a minute; the bench does not wait for it.
    async analyze() {
      await sql`ANALYZE`
    },
    async dispose() {
      await sql.end({ timeout: 1 })
      await store.close()
    },
  }
}

async function searchLatency(store: Store, agentId: string, questions: Question[], passes = 2): Promise<Latency> {
  const search = (query: string) => store.searchKnowledge({ agentId, version: 'draft', query, limit: KNOWLEDGE_RESULT.hits })
  // Warm (caches, prepared statements) with a few questions: at a million chunks one search on SQLite takes a second.
  for (const { question } of questions.slice(0, 10)) await search(question)
  const samples: number[] = []
  for (let pass = 0; pass < passes; pass++) {
    for (const { question } of questions) {
      const started = performance.now()
      await search(question)
      samples.push(performance.now() - started)
    }
  }
  return { queries: samples.length, p50Ms: round(percentile(samples, 50), 2), p95Ms: round(percentile(samples, 95), 2) }
}

export type KnowledgeBenchOptions = {
  quick?: boolean
  /** Import, recall@5/MRR and the manual's agent's latency only: no generated agents. */
  quality?: boolean
}

export async function knowledgeBench({ quick = false, quality = false }: KnowledgeBenchOptions = {}): Promise<KnowledgeBench> {
  const started = performance.now()
  const loadBefore = loadavg()[0]!
  ensureManual()
  const questions = loadQuestions()
  const problems = checkQuestionPages(questions, (file) => readManualPage(file))
  if (problems.length > 0) throw new Error(`bench/knowledge-questions.json does not match the manual:\n${problems.join('\n')}`)
  const pages = readManual()
  const scale = quick ? 10 : 1
  const bigAgent = 100_000 / scale
  const fillAgents = 18
  const fillAgentChunks = 50_000 / scale

  const pg = await launchPostgres()
  const stores: StoreKnowledge[] = []
  let vector: KnowledgeBench['vector'] = null
  try {
    await pg.ready
    for (const kind of ['sqlite', 'postgres'] as const) {
      console.log(`knowledge: ${kind}, importing ${pages.length} pages…`)
      const opened = kind === 'sqlite' ? await openSqlite() : await openPostgres(pg.server)
      const { store, writer } = opened
      try {
        const manual = await store.createAgent({ name: 'PostgreSQL manual', description: '', config: AgentConfigSchema.parse({}) })
        const before = await writer.knowledgeBytes()
        const imported = await importManual(store, manual.id, pages)
        const storageBytes = (await writer.knowledgeBytes()) - before
        await opened.analyze()

        const fullText = await scoreRanking(questions, async (question) =>
          (await store.searchKnowledge({ agentId: manual.id, version: 'draft', query: question, limit: 10 })).map((hit) => hit.url),
        )
        if (kind === 'sqlite') vector = await vectorScore(questions, imported.chunks)

        console.log(`knowledge: ${kind}, search latency…`)
        const latency: LatencyStep[] = []
        let storeChunks = imported.chunks.length
        const measure = async (agentId: string, agentChunks: number) =>
          latency.push({ storeChunks, agentChunks, ...(await searchLatency(store, agentId, questions)) })
        await measure(manual.id, imported.chunks.length)
        if (quality) {
          stores.push({
            store: kind,
            import: { ...imported.times, storageBytes },
            fullText,
            latency,
            storageAtEnd: { chunks: storeChunks, bytes: await writer.knowledgeBytes() },
            fillMs: 0,
          })
          continue
        }

        const fillStarted = performance.now()
        let big = ''
        await writer.bulk(async () => {
          big = await fillAgent(store, writer, imported.chunks, bigAgent, 1)
        })
        storeChunks += bigAgent
        await opened.analyze()
        await measure(big, bigAgent)

        let last = ''
        await writer.bulk(async () => {
          for (let i = 0; i < fillAgents; i++) {
            console.log(`knowledge: ${kind}, agent ${i + 1} of ${fillAgents} with ${fillAgentChunks.toLocaleString('en')} chunks…`)
            last = await fillAgent(store, writer, imported.chunks, fillAgentChunks, 2 + i)
            storeChunks += fillAgentChunks
          }
        })
        await opened.analyze()
        const fillMs = performance.now() - fillStarted
        await measure(last, fillAgentChunks)
        await measure(manual.id, imported.chunks.length)

        stores.push({
          store: kind,
          import: { ...imported.times, storageBytes },
          fullText,
          latency,
          storageAtEnd: { chunks: storeChunks, bytes: await writer.knowledgeBytes() },
          fillMs,
        })
      } finally {
        await opened.dispose()
      }
    }
  } finally {
    await pg.stop()
  }
  return {
    postgres: `PostgreSQL ${basename(dirname(findPostgresBin()))}`,
    questions: questions.length,
    stores,
    vector,
    minutes: (performance.now() - started) / 60_000,
    load: { before: loadBefore, after: loadavg()[0]! },
  }
}

async function vectorScore(questions: Question[], chunks: KnowledgeChunk[]): Promise<KnowledgeBench['vector']> {
  const endpoint = embeddingEndpointFromEnv()
  if (!endpoint) return null
  console.log(`knowledge: embedding ${chunks.length} chunks with ${endpoint.model}…`)
  const { rank, embedMs } = await vectorRanking(endpoint, chunks)
  return { ...(await scoreRanking(questions, rank)), model: endpoint.model, embedMs }
}

const NAMES: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' }
const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const mb = (bytes: number) => `${n(bytes / 1024 / 1024, 1)} MB`

/** The results as BENCHMARKS.md shows them. */
export function knowledgeBenchLines(k: KnowledgeBench): string[] {
  const first = k.stores[0]!.import
  const lines = [
    `knowledge: the PostgreSQL 15 manual (${n(first.pages)} HTML pages, ${mb(first.bytes)}, ${n(first.chunks)} chunks), ${k.questions} questions with known pages; ` +
      `SQLite (temp file) and ${k.postgres} (throwaway local server, fsync off); ${n(k.minutes, 1)} minutes, load average ${n(k.load.before, 1)} before, ${n(k.load.after, 1)} after`,
    '',
    '| store | import per 1,000 pages: wall (parse + chunk / store) | storage per 1,000 pages | recall@5 | MRR@10 |',
    '|---|---|---|---|---|',
  ]
  const perThousand = (value: number, pages: number) => (value * 1000) / pages
  for (const s of k.stores) {
    const i = s.import
    lines.push(
      `| ${NAMES[s.store]} full-text | ${n(perThousand(i.wallMs, i.pages) / 1000, 1)} s (${n(perThousand(i.parseMs, i.pages) / 1000, 1)} s / ${n(perThousand(i.storeMs, i.pages) / 1000, 1)} s) | ` +
        `${mb(perThousand(i.storageBytes, i.pages))} | ${n(s.fullText.recallAt5, 3)} | ${n(s.fullText.mrr, 3)} |`,
    )
  }
  if (k.vector) {
    lines.push(
      `| vector only (${k.vector.model}, cosine in the bench; embedding the chunks took ${n(k.vector.embedMs / 1000, 1)} s) | | | ${n(k.vector.recallAt5, 3)} | ${n(k.vector.mrr, 3)} |`,
    )
  } else lines.push('| vector only / hybrid | not measured: no embedding endpoint (PORCH_EMBEDDING_URL, PORCH_EMBEDDING_MODEL) | | | |')
  lines.push('', '| chunks in the store | chunks of the agent searched | SQLite p50 / p95 | PostgreSQL p50 / p95 |', '|---|---|---|---|')
  const [a, b] = k.stores
  for (let i = 0; i < a!.latency.length; i++) {
    const x = a!.latency[i]!
    const y = b?.latency[i]
    lines.push(`| ${n(x.storeChunks)} | ${n(x.agentChunks)} | ${x.p50Ms} / ${x.p95Ms} ms | ${y ? `${y.p50Ms} / ${y.p95Ms} ms` : '–'} |`)
  }
  lines.push('')
  for (const s of k.stores) {
    lines.push(
      `${NAMES[s.store]}: ${n(s.storageAtEnd.chunks)} chunks take ${mb(s.storageAtEnd.bytes)} (${n(s.storageAtEnd.bytes / s.storageAtEnd.chunks)} B per chunk); ` +
        (s.storageAtEnd.chunks > s.import.chunks
          ? `writing the generated ${n(s.storageAtEnd.chunks - s.import.chunks)} straight into the tables took ${n(s.fillMs / 1000)} s; `
          : '') +
        `full-text missed (no right page in the top 10) ${s.fullText.missed.length} of ${s.fullText.questions}: ${s.fullText.missed.map((q) => `"${q}"`).join(', ')}`,
    )
  }
  return lines
}
