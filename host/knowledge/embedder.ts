/**
 * Vectors for knowledge chunks, when the host has an embedding model (PORCH_EMBEDDING_URL and
 * PORCH_EMBEDDING_MODEL): a background job, one per host, that claims chunks still lacking a
 * vector from the model, embeds them in batches (one call per batch, through the AI SDK), and
 * stores each batch in one write. It runs at start, when the importer stores chunks (`kick`),
 * and every `sweepMs` (to pick up what a dead host of a shared database had claimed).
 *
 * Resumable by construction: the work is "chunks without a vector from this model", read from
 * the store each time, so a host killed mid-import embeds what is left when it starts again, and
 * batches already stored are never sent again. A model change makes every vector stale the same
 * way. On PostgreSQL several hosts share the work through claims (FOR UPDATE SKIP LOCKED, valid
 * `claimMs`), so no batch is paid for twice unless its host dies holding it.
 *
 * Failures: the SDK retries a call on 429, 5xx and network errors (`maxRetries`, honouring
 * Retry-After); past that the job backs off (doubling from `retryDelayMs` up to
 * `maxRetryDelayMs`) and tries again, logging once per outage, without the key or the URL's
 * password. Meanwhile search uses full text for chunks without vectors.
 */
import { createOpenAI } from '@ai-sdk/openai'
import { APICallError, type EmbeddingModel, embed, embedMany } from 'ai'
import type { Logger } from '../log.ts'
import { embeddingText, normalise } from '../store/knowledge-vectors.ts'
import type { ChunkEmbedding, ChunkToEmbed, KnowledgeStore, QueryEmbedding } from '../store/store.ts'
import { maskPassword } from '../url-secrets.ts'

const withoutAuthorization: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers)
  headers.delete('authorization')
  return fetch(input, { ...init, headers })
}

export type EmbeddingConfig = {
  /** An OpenAI-compatible base URL, such as https://api.openai.com/v1. */
  url: string
  model: string
  apiKey?: string
  /** Chunks per embeddings call (and per store write). */
  batchSize: number
}

export type EmbedderOptions = {
  store: KnowledgeStore
  log: Logger
  config: EmbeddingConfig
  /** Retries of one call by the SDK (429, 5xx, network errors) before the job backs off. */
  maxRetries?: number
  retryDelayMs?: number
  maxRetryDelayMs?: number
  /** How long a host's claim on a batch keeps other hosts off it. */
  claimMs?: number
  /** How often the job looks for work nobody kicked it for (0: never). */
  sweepMs?: number
  /** How long embedding a visitor's query may take before search goes on with full text. */
  queryTimeoutMs?: number
}

export type Embedder = {
  model: string
  /** Starts the job unless it is running (a running job looks again before it stops). */
  kick(): void
  /** The query's vector, or null (logged once per outage) when the model cannot give it: search then uses full text. */
  embedQuery(text: string): Promise<QueryEmbedding | null>
  /** Settles once the job has nothing left to do. */
  idle(): Promise<void>
  close(): Promise<void>
}

export function createEmbedder({
  store,
  log,
  config,
  maxRetries = 2,
  retryDelayMs = 5_000,
  maxRetryDelayMs = 300_000,
  claimMs = 300_000,
  sweepMs = 300_000,
  queryTimeoutMs = 10_000,
}: EmbedderOptions): Embedder {
  const model: EmbeddingModel = createOpenAI({
    baseURL: config.url,
    apiKey: config.apiKey ?? 'none',
    // A server that needs no key (Ollama, a local vLLM) gets no Authorization header, not a made-up one.
    fetch: config.apiKey === undefined ? withoutAuthorization : undefined,
  }).embedding(config.model)
  const where = `${config.model} at ${maskPassword(config.url)}`
  const stop = new AbortController()
  let running: Promise<void> | null = null
  let again = false
  let jobOutage = false
  let queryOutage = false

  /** What a failure is, in words safe for a log: a status or an error's name, never a body, a key or a header. */
  const reason = (error: unknown) => {
    if (APICallError.isInstance(error)) return error.statusCode === undefined ? 'no answer' : `HTTP ${error.statusCode}`
    const cause = (error as { lastError?: unknown }).lastError
    if (cause !== undefined) return reason(cause)
    return error instanceof Error ? error.name : 'unknown error'
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      stop.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          resolve()
        },
        { once: true },
      )
    })

  async function embedBatch(batch: ChunkToEmbed[]): Promise<void> {
    const { embeddings } = await embedMany({
      model,
      values: batch.map(embeddingText),
      maxRetries,
      abortSignal: AbortSignal.any([stop.signal, AbortSignal.timeout(claimMs / 2)]),
    })
    if (embeddings.length !== batch.length) throw new Error(`the model gave ${embeddings.length} vectors for ${batch.length} texts`)
    const vectors: ChunkEmbedding[] = batch.map((chunk, i) => ({ id: chunk.id, vector: normalise(embeddings[i]!) }))
    await store.storeChunkEmbeddings(config.model, vectors)
  }

  async function work(): Promise<void> {
    let failures = 0
    do {
      again = false
      // A batch that failed is tried again as it is: its claim keeps other hosts off it meanwhile.
      let batch: ChunkToEmbed[] | null = null
      while (!stop.signal.aborted) {
        try {
          batch ??= await store.claimChunksToEmbed(config.model, config.batchSize, claimMs)
          if (batch.length === 0) break
          await embedBatch(batch)
          batch = null
          if (jobOutage) log.info(`knowledge embeddings: ${where} answers again; embedding the chunks that wait`)
          jobOutage = false
          failures = 0
        } catch (error) {
          if (stop.signal.aborted) return
          const delay = Math.min(retryDelayMs * 2 ** failures++, maxRetryDelayMs)
          if (!jobOutage) {
            const waiting = await store.countChunksToEmbed(config.model).catch(() => null)
            log.error(
              `knowledge embeddings: ${where} failed (${reason(error)}); trying again with backoff (first in ${delay / 1000} s)${waiting === null ? '' : `, ${waiting} chunks wait for vectors`} and search uses full text for them meanwhile`,
            )
          }
          jobOutage = true
          await pause(delay)
        }
      }
    } while (again && !stop.signal.aborted)
  }

  const kick = () => {
    if (stop.signal.aborted) return
    if (running) {
      again = true
      return
    }
    running = work().finally(() => {
      running = null
      if (again) kick()
    })
  }

  const sweep = sweepMs > 0 ? setInterval(kick, sweepMs) : null
  sweep?.unref()

  return {
    model: config.model,
    kick,
    async embedQuery(text) {
      try {
        const { embedding } = await embed({
          model,
          value: text,
          maxRetries: 0,
          abortSignal: AbortSignal.any([stop.signal, AbortSignal.timeout(queryTimeoutMs)]),
        })
        if (queryOutage) log.info(`knowledge search: ${where} embeds queries again`)
        queryOutage = false
        return { model: config.model, vector: normalise(embedding) }
      } catch (error) {
        if (!queryOutage) log.error(`knowledge search: ${where} could not embed a query (${reason(error)}); searching full text only until it can`)
        queryOutage = true
        return null
      }
    },
    async idle() {
      while (running) await running
    },
    async close() {
      if (sweep) clearInterval(sweep)
      stop.abort()
      await running
    },
  }
}
