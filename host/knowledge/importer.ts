/**
 * Uploads and pasted text into an agent's knowledge: the source is stored `importing` at once,
 * then read (parse + chunk) in a worker thread and stored `ready` with its chunks, or `failed`
 * with a message the owner can act on.
 *
 * Why a worker: parsing is bounded by size, not time (parse.ts: 400 nested list levels in
 * 160 KB hold marked for 1.8 s), and a request must never wait behind another owner's file.
 * The worker has its own heap (`heapMb`) and a deadline (`timeoutMs`): past either it is
 * terminated and the source fails, the host unharmed. Starting one costs about 0.5 s (tsx
 * compiles the parsers in the new thread), cheap beside the parse it guards; the deadline counts
 * from when the parsers are loaded.
 *
 * Web pages and sitemaps (kinds `url` and `sitemap`) will come through here too: a crawler
 * fetches each page, then hands its bytes to the same `read` with the page's URL.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Logger } from '../log.ts'
import type { KnowledgeChunk, KnowledgeSourceRecord, NewKnowledgeSource, Store } from '../store/store.ts'
import type { ParseJob, ParseOutcome, ParseReading } from './parse-worker.ts'

/** How long a worker may take to load the parsers before its deadline starts (about 0.5 s on a laptop). */
const BOOT_MS = 15_000

export type KnowledgeLimits = {
  /** Bytes of one uploaded file or pasted text. */
  fileBytes: number
  /** Sources in an agent's draft. */
  sourcesPerAgent: number
  /** Distinct chunks an agent stores (draft and versions together). */
  chunksPerAgent: number
}

export const DEFAULT_KNOWLEDGE_LIMITS: KnowledgeLimits = { fileBytes: 20 * 1024 * 1024, sourcesPerAgent: 200, chunksPerAgent: 50_000 }

export const TOO_SLOW_MESSAGE = 'This file took too long to read; simplify it (deeply nested lists or tables) or split it, then upload it again.'
export const TOO_BIG_TO_READ_MESSAGE = 'This file needs too much memory to read; split it into smaller files and upload them again.'
export const STOPPED_MESSAGE = 'The host stopped while reading this source; add it again.'
export const UNREADABLE_MESSAGE = 'This source could not be read because of an error on the host; try again, and if it fails again, tell the host’s operator.'

/** A limit an import would cross, refused before anything is stored. */
export class KnowledgeLimitError extends Error {
  override name = 'KnowledgeLimitError'
  constructor(
    readonly limit: 'file_bytes' | 'sources',
    message: string,
  ) {
    super(message)
  }
}

export type KnowledgeImporterOptions = {
  store: Store
  log: Logger
  limits?: KnowledgeLimits
  /** A worker still reading after this is terminated and its source fails. */
  timeoutMs?: number
  /** The worker's old-generation heap. */
  heapMb?: number
  /** Workers reading at once; more imports wait their turn. */
  concurrency?: number
  /** Called once a source's chunks are stored (the embedder, host/knowledge/embedder.ts, starts on them). */
  onChunksStored?: () => void
}

export type Import = {
  source: KnowledgeSourceRecord
  /** Settles (never rejects) once the source is `ready` or `failed`. */
  done: Promise<void>
}

export type KnowledgeImporter = ReturnType<typeof createKnowledgeImporter>

export function createKnowledgeImporter({
  store,
  log,
  limits = DEFAULT_KNOWLEDGE_LIMITS,
  timeoutMs = 30_000,
  heapMb = 256,
  concurrency = 2,
  onChunksStored,
}: KnowledgeImporterOptions) {
  const running = new Set<Worker>()
  const pending = new Set<Promise<void>>()
  const queue: Array<() => void> = []
  let active = 0
  let closed = false

  const turn = () =>
    new Promise<void>((resolve) => {
      if (active < concurrency) {
        active++
        resolve()
      } else queue.push(resolve)
    })
  const release = () => {
    const next = queue.shift()
    if (next) next()
    else active--
  }

  function parseInWorker(job: ParseJob): Promise<ParseOutcome> {
    return new Promise((resolve) => {
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } })
      running.add(worker)
      let outcome: ParseOutcome | undefined
      const deadline = (ms: number, message: ParseOutcome) =>
        setTimeout(() => {
          outcome ??= message
          void worker.terminate()
        }, ms)
      // Loading the parsers (tsx compiles them in the new thread) is the host's cost, not the file's.
      let timer = deadline(BOOT_MS, { kind: 'crash', message: `the worker did not start within ${BOOT_MS} ms` })
      worker.on('message', (message: ParseOutcome | ParseReading) => {
        if (message.kind !== 'reading') outcome ??= message
        else {
          clearTimeout(timer)
          timer = deadline(timeoutMs, { kind: 'parse_error', message: TOO_SLOW_MESSAGE })
        }
      })
      worker.once('error', (error) => {
        const heap = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
        outcome ??= heap ? { kind: 'parse_error', message: TOO_BIG_TO_READ_MESSAGE } : { kind: 'crash', message: error.stack ?? error.message }
      })
      worker.once('exit', () => {
        clearTimeout(timer)
        running.delete(worker)
        resolve(outcome ?? { kind: 'crash', message: 'the worker exited without an answer' })
      })
    })
  }

  async function read(source: KnowledgeSourceRecord, job: ParseJob): Promise<void> {
    await turn()
    try {
      const outcome = closed ? null : await parseInWorker(job)
      if (outcome === null || closed) await store.failKnowledgeSource(source.agentId, source.id, STOPPED_MESSAGE)
      else if (outcome.kind === 'chunks') await keep(outcome.chunks)
      else if (outcome.kind === 'parse_error') await store.failKnowledgeSource(source.agentId, source.id, outcome.message)
      else {
        log.error(`knowledge source ${source.id} of agent ${source.agentId} could not be read: ${outcome.message}`)
        await store.failKnowledgeSource(source.agentId, source.id, UNREADABLE_MESSAGE)
      }
    } catch (error) {
      log.error(`knowledge source ${source.id} of agent ${source.agentId} could not be stored`, error)
      await store.failKnowledgeSource(source.agentId, source.id, UNREADABLE_MESSAGE).catch(() => {})
    } finally {
      release()
    }

    async function keep(chunks: KnowledgeChunk[]) {
      const usage = await store.knowledgeUsage(source.agentId)
      if (usage.chunks + chunks.length > limits.chunksPerAgent) {
        await store.failKnowledgeSource(
          source.agentId,
          source.id,
          `This source holds ${chunks.length.toLocaleString('en')} passages and the agent already stores ${usage.chunks.toLocaleString('en')}, past its limit of ${limits.chunksPerAgent.toLocaleString('en')}. Delete sources you no longer need, then add it again.`,
        )
        return
      }
      if (await store.replaceKnowledgeChunks(source.agentId, source.id, chunks)) onChunksStored?.()
    }
  }

  /** Checks the limits, stores the source `importing`, and starts reading it; null for an unknown agent. */
  async function start(agentId: string, source: NewKnowledgeSource & { file: { data: Uint8Array } }, job: ParseJob): Promise<Import | null> {
    if (source.file.data.byteLength > limits.fileBytes) {
      throw new KnowledgeLimitError(
        'file_bytes',
        `This file is ${sizeText(source.file.data.byteLength)}; the largest accepted is ${sizeText(limits.fileBytes)}.`,
      )
    }
    const sources = await store.listKnowledgeSources(agentId)
    if (sources.length >= limits.sourcesPerAgent) {
      throw new KnowledgeLimitError('sources', `This agent has ${sources.length} knowledge sources, its limit; delete one to add another.`)
    }
    const added = await store.addKnowledgeSource(agentId, source)
    if (!added) return null
    const done = read(added, job)
    pending.add(done)
    void done.finally(() => pending.delete(done))
    return { source: added, done }
  }

  return {
    limits,
    importText(agentId: string, { title, text }: { title: string; text: string }): Promise<Import | null> {
      const data = new TextEncoder().encode(text)
      const filename = `${title.replace(/[\\/\p{Cc}]/gu, '_')}.txt`
      const contentType = 'text/plain; charset=utf-8'
      return start(
        agentId,
        { kind: 'text', title, origin: filename, file: { data, contentType } },
        { input: { bytes: data, filename, contentType, title }, maxBytes: limits.fileBytes },
      )
    },
    importFile(agentId: string, { filename, contentType, bytes }: { filename: string; contentType: string; bytes: Uint8Array }): Promise<Import | null> {
      const title = filename.replace(/\.[^.]+$/, '').trim() || filename
      return start(
        agentId,
        { kind: 'file', title, origin: filename, file: { data: bytes, contentType } },
        { input: { bytes, filename, contentType }, maxBytes: limits.fileBytes },
      )
    },
    /**
     * Stops reading (before the store closes): running workers are terminated and every source
     * not yet read fails with STOPPED_MESSAGE, so none is left `importing` by a clean shutdown.
     */
    async close(): Promise<void> {
      closed = true
      await Promise.all([...running].map((worker) => worker.terminate()))
      await Promise.all(pending)
    },
  }
}

/**
 * The worker's entry, as code: a `.ts` file cannot be a worker's entry even with
 * `execArgv: ['--import', 'tsx']` (Node 20 rejects the extension before the hook applies), so
 * the worker registers tsx's loader itself, then imports parse-worker.ts. Works alike under
 * `tsx host/main.ts` and in vitest.
 */
const WORKER_BOOT = (() => {
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href
  const entry = new URL('./parse-worker.ts', import.meta.url).href
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
})()

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`)
