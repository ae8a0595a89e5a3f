/**
 * Uploads, pasted text and web pages into an agent's knowledge: the source is stored `importing` at once,
 * then read (parse + chunk) in a worker thread and stored `ready` with its chunks, or `failed`
 * with a message the owner can act on.
 *
 * Why a worker: parsing is bounded by size, not time (parse.ts: 400 nested list levels in
 * 160 KB hold marked for 1.8 s), and a request must never wait behind another owner's file.
 * The worker (parse-pool.ts) has its own heap (`heapMb`) and a deadline (`timeoutMs`): past either it is
 * terminated and the source fails, the host unharmed. Starting one costs about 0.5 s (tsx
 * compiles the parsers in the new thread), cheap beside the parse it guards; the deadline counts
 * from when the parsers are loaded.
 *
 * Web pages and sitemaps (kinds `url` and `sitemap`) come through here too: the crawler
 * (web/crawl.ts) fetches each page, and each page's bytes are read by the same worker with the
 * page's URL, so its chunks link to it. All the pages' chunks are stored in one step at the end.
 *
 * An import holds a lease on its source (`leaseMs`, renewed every third of it). A host killed
 * mid-import leaves its sources `importing` with a lease that runs out; `recover` (at start,
 * then every lease) takes such sources over, one host each, and imports them again: files and
 * texts from their stored bytes, web sources by crawling again.
 */
import type { Logger } from '../log.ts'
import type { AllowPrivate, Resolver } from '../runtime/network/net-guard.ts'
import type { KnowledgeChunk, KnowledgeSourceRecord, NewKnowledgeSource, SkippedPage, Store } from '../store/store.ts'
import { createParsePool, TOO_BIG_TO_READ_MESSAGE, TOO_SLOW_MESSAGE } from './parse-pool.ts'
import type { ParseJob } from './parse-worker.ts'
import { CrawlError, crawl } from './web/crawl.ts'
import { defaultWebTitle, noPageRead, type WebSourceRequest, webPlanOf } from './web/web-source.ts'

export type { WebSourceRequest }

export type KnowledgeLimits = {
  /** Bytes of one uploaded file or pasted text. */
  fileBytes: number
  /** Sources in an agent's draft. */
  sourcesPerAgent: number
  /** Distinct chunks an agent stores (draft and versions together). */
  chunksPerAgent: number
  /** Pages one web source reads at most (PORCH_KNOWLEDGE_MAX_PAGES). */
  pagesPerSource: number
}

export const DEFAULT_KNOWLEDGE_LIMITS: KnowledgeLimits = {
  fileBytes: 20 * 1024 * 1024,
  sourcesPerAgent: 200,
  chunksPerAgent: 50_000,
  pagesPerSource: 500,
}

export { TOO_BIG_TO_READ_MESSAGE, TOO_SLOW_MESSAGE }
export const STOPPED_MESSAGE = 'The host stopped while reading this source; add it again.'
export const UNREADABLE_MESSAGE = 'This source could not be read because of an error on the host; try again, and if it fails again, tell the host’s operator.'
const UNREADABLE_PAGE = 'This page could not be read because of an error on the host.'

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
  /** Imports running at once (a web source is one); more wait their turn. */
  concurrency?: number
  /** How long an import's lease lasts unrenewed; another host may take the import over after it. */
  leaseMs?: number
  /** How web sources are fetched: whether private addresses may be, a page's deadline, requests at once per crawl. */
  web?: { allowPrivate: AllowPrivate; timeoutMs?: number; concurrency?: number; resolve?: Resolver }
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
  leaseMs = 60_000,
  web = { allowPrivate: false },
  onChunksStored,
}: KnowledgeImporterOptions) {
  const workers = createParsePool({ timeoutMs, heapMb })
  const parseInWorker = workers.parse
  const crawls = new Set<AbortController>()
  let recovery: NodeJS.Timeout | undefined
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

  /** Renews the source's lease every third of it while `work` runs. */
  async function leased(source: KnowledgeSourceRecord, work: () => Promise<void>): Promise<void> {
    const timer = setInterval(() => {
      store.renewKnowledgeImport(source.agentId, source.id, leaseMs).catch((error) => log.error(`knowledge source ${source.id}: lease not renewed`, error))
    }, leaseMs / 3)
    timer.unref()
    try {
      await work()
    } finally {
      clearInterval(timer)
    }
  }

  function track(done: Promise<void>): Promise<void> {
    pending.add(done)
    void done.finally(() => pending.delete(done))
    return done
  }

  /** Reads a file or text, its lease renewed from the moment it waits for its turn. */
  const read = (source: KnowledgeSourceRecord, job: ParseJob) => leased(source, () => readFile(source, job))

  async function readFile(source: KnowledgeSourceRecord, job: ParseJob): Promise<void> {
    await turn()
    try {
      const outcome = closed ? null : await parseInWorker(job)
      if (outcome === null || closed) await store.failKnowledgeSource(source.agentId, source.id, STOPPED_MESSAGE)
      else if (outcome.kind === 'chunks') await keep(source, outcome.chunks, [])
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
  }

  /** Stores the source's chunks in one step, unless they would take the agent past its limit. */
  async function keep(source: KnowledgeSourceRecord, chunks: KnowledgeChunk[], skipped: SkippedPage[]) {
    const usage = await store.knowledgeUsage(source.agentId)
    if (usage.chunks + chunks.length > limits.chunksPerAgent) {
      await store.failKnowledgeSource(
        source.agentId,
        source.id,
        `This source holds ${chunks.length.toLocaleString('en')} passages and the agent already stores ${usage.chunks.toLocaleString('en')}, past its limit of ${limits.chunksPerAgent.toLocaleString('en')}. Delete sources you no longer need, then add it again.`,
        skipped,
      )
      return
    }
    if (await store.replaceKnowledgeChunks(source.agentId, source.id, chunks, skipped)) onChunksStored?.()
  }

  /**
   * Crawls a web source and stores every page's chunks in one step, ordinals running on across
   * pages in the order the pages were found. A source that had chunks (a refresh) keeps them
   * when no page can be read.
   */
  const readWeb = (source: KnowledgeSourceRecord) => leased(source, () => crawlSource(source))

  async function crawlSource(source: KnowledgeSourceRecord): Promise<void> {
    await turn()
    const controller = new AbortController()
    crawls.add(controller)
    const refresh = source.chunkCount > 0
    const reader = workers.session()
    try {
      if (closed) throw new Error('the importer closed before this crawl began')
      const pages: KnowledgeChunk[][] = []
      const result = await crawl(webPlanOf(source), {
        allowPrivate: web.allowPrivate,
        resolve: web.resolve,
        timeoutMs: web.timeoutMs,
        concurrency: web.concurrency,
        maxBytes: limits.fileBytes,
        signal: controller.signal,
        read: async (page, index) => {
          const outcome = await reader.parse({ input: { bytes: page.bytes, contentType: page.contentType, url: page.url }, maxBytes: limits.fileBytes })
          if (outcome.kind === 'chunks') {
            pages[index] = outcome.chunks
            return { kind: 'read', links: outcome.links ?? [] }
          }
          if (outcome.kind === 'parse_error') return { kind: 'skipped', reason: outcome.message }
          // The first line only: a stack's frames name the host's files.
          log.error(`knowledge source ${source.id} of agent ${source.agentId}: a page could not be read: ${outcome.message.split('\n')[0]}`)
          return { kind: 'skipped', reason: UNREADABLE_PAGE }
        },
        progress: async (pagesDone, pagesTotal) => {
          // A source deleted while it is crawled stops being crawled.
          if (!(await store.updateKnowledgeSourceProgress(source.agentId, source.id, { pagesDone, pagesTotal }))) controller.abort()
        },
      })
      if (controller.signal.aborted) return
      await store.updateKnowledgeSourceProgress(source.agentId, source.id, { pagesDone: result.pagesTried, pagesTotal: result.pagesTried })
      if (result.pagesRead === 0) {
        await store.failKnowledgeSource(source.agentId, source.id, noPageRead(result.skipped, refresh), result.skipped)
        return
      }
      const chunks = pages.flatMap((page) => page ?? []).map((chunk, ordinal) => ({ ...chunk, ordinal }))
      await keep(source, chunks, result.skipped)
    } catch (error) {
      if (closed) {
        // Stopped by a clean shutdown: the lease ends now, so the next host to start crawls it again.
        await store.renewKnowledgeImport(source.agentId, source.id, 0).catch(() => {})
      } else if (error instanceof CrawlError) {
        await store.failKnowledgeSource(
          source.agentId,
          source.id,
          refresh ? `Refreshing failed: ${error.message} The pages read before are still used.` : error.message,
        )
      } else if (!controller.signal.aborted) {
        log.error(`knowledge source ${source.id} of agent ${source.agentId} could not be crawled`, error)
        await store.failKnowledgeSource(source.agentId, source.id, UNREADABLE_MESSAGE).catch(() => {})
      }
    } finally {
      await reader.close()
      crawls.delete(controller)
      release()
    }
  }

  /** Starts importing a source taken over from a host that died (or from before this one restarted). */
  async function resume(source: KnowledgeSourceRecord): Promise<void> {
    if (source.kind === 'url' || source.kind === 'sitemap') return readWeb(source)
    const file = await store.getKnowledgeFile(source.agentId, source.id, 'draft')
    if (!file) {
      await store.failKnowledgeSource(source.agentId, source.id, STOPPED_MESSAGE)
      return
    }
    const input = { bytes: file.data, filename: file.filename, contentType: file.contentType, ...(source.kind === 'text' && { title: source.title }) }
    return read(source, { input, maxBytes: limits.fileBytes })
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
    const added = await store.addKnowledgeSource(agentId, { ...source, leaseMs })
    if (!added) return null
    return { source: added, done: track(read(added, job)) }
  }

  const importer = {
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
    /** Adds a web source (pages, or a sitemap) and starts crawling it; null for an unknown agent. */
    async importWeb(agentId: string, request: WebSourceRequest): Promise<Import | null> {
      const sources = await store.listKnowledgeSources(agentId)
      if (sources.length >= limits.sourcesPerAgent) {
        throw new KnowledgeLimitError('sources', `This agent has ${sources.length} knowledge sources, its limit; delete one to add another.`)
      }
      const maxPages = Math.min(request.maxPages ?? limits.pagesPerSource, limits.pagesPerSource)
      const origin = request.kind === 'url' ? request.urls[0]! : request.url
      const options =
        request.kind === 'url'
          ? { urls: request.urls, follow_links: request.followLinks ?? false, max_pages: maxPages }
          : { url: request.url, max_pages: maxPages }
      const added = await store.addKnowledgeSource(agentId, { kind: request.kind, title: request.title ?? defaultWebTitle(origin), origin, options, leaseMs })
      if (!added) return null
      return { source: added, done: track(readWeb(added)) }
    },
    /**
     * Crawls a web source again with its stored options: 'importing' when it already is, null
     * unless in the draft. Its chunks stay searchable until the new ones replace them.
     */
    async refresh(agentId: string, sourceId: string): Promise<Import | 'importing' | null> {
      const restarted = await store.restartKnowledgeImport(agentId, sourceId, leaseMs)
      if (restarted === null || restarted === 'importing') return restarted
      return { source: restarted, done: track(readWeb(restarted)) }
    },
    /** Takes over sources left importing by hosts that died (their lease ran out) and imports them again; how many. */
    async recover(): Promise<number> {
      if (closed) return 0
      const stalled = await store.claimStalledKnowledgeImports(leaseMs, 2 * concurrency)
      for (const source of stalled) {
        log.info(`knowledge source ${source.id} of agent ${source.agentId} was left importing; importing it again`)
        track(resume(source))
      }
      return stalled.length
    },
    /** Runs `recover` now and every lease, until `close`. */
    recoverEvery(intervalMs = leaseMs): void {
      const run = () => void importer.recover().catch((error) => log.error('knowledge imports left by stopped hosts could not be taken over', error))
      run()
      recovery = setInterval(run, intervalMs)
      recovery.unref()
    },
    /**
     * Stops reading (before the store closes): running workers are terminated and every file or
     * text not yet read fails with STOPPED_MESSAGE; crawls stop and give up their lease, so the
     * next host to start crawls them again.
     */
    async close(): Promise<void> {
      closed = true
      clearInterval(recovery)
      for (const controller of crawls) controller.abort()
      await workers.terminateAll()
      await Promise.all(pending)
    },
  }
  return importer
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`)
