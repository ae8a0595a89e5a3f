/**
 * Builds a whole host from a Config and serves it over HTTP: what `main.ts` runs and what the
 * tests start on port 0. Stopping it lets running streams finish for a grace period, then
 * cancels and stores them before the database closes; nothing that arrives meanwhile hangs.
 */
import './fast-paths/zod-without-cycles.ts'
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { createApp } from './app.ts'
import { memoryLimiters, redisLimiters } from './auth/rate-limits.ts'
import { createRefusalCounter } from './auth/refusal-counts.ts'
import { prepareSecrets, type Secrets } from './bootstrap.ts'
import type { Redis } from './cluster/redis.ts'
import { type Config, ConfigError } from './config.ts'
import { shuttingDownResponse } from './http/shutting-down.ts'
import { createEmbedder, type Embedder, type EmbedderOptions } from './knowledge/embedder.ts'
import { createKnowledgeImporter, DEFAULT_KNOWLEDGE_LIMITS } from './knowledge/importer.ts'
import { knowledgeSearch } from './knowledge/search.ts'
import { createLogger, type Logger } from './log.ts'
import { createEventStreamLimits } from './routes/session-events.ts'
import { startInstanceLease, sweepOldFiles, sweepUnusedUploads } from './runtime/housekeeping/index.ts'
import { createModelRegistry } from './runtime/providers/index.ts'
import { createChatService, RedisRunBoard, type RunBoard, RunRegistry } from './runtime/runs/index.ts'
import { LocalEventBus, RedisEventBus } from './runtime/takeover/index.ts'
import { createSecretBox } from './runtime/tools/index.ts'
import { createSqliteStore } from './store/sqlite-store.ts'
import type { Store } from './store/store.ts'
import { loadWidgetAssets, type WidgetAssets } from './widget-assets.ts'

export type Host = {
  /** Embeds knowledge chunks in the background; null without an embedding model. */
  embedder: Embedder | null
  /** Where the host listens. */
  url: string
  /** The base URL written into what visitors and owners are given (PORCH_PUBLIC_URL). */
  publicUrl: string
  store: Store
  secrets: Secrets
  /** This host's runs, and in the shared mode every host's. */
  runs: RunBoard
  app: ReturnType<typeof createApp>
  assets: WidgetAssets
  /**
   * Stops accepting (new requests get 503 + Retry-After), waits up to `graceMs` (default: the
   * config's shutdown grace) for running chats and open responses, cancels the rest (stored as
   * cancelled, their streams end with `complete`), then closes the store.
   */
  close(graceMs?: number): Promise<void>
}

export type HostOptions = {
  log?: Logger
  modelRetries?: number
  /** How often unused uploads are looked for (default every minute); tests sweep sooner. */
  uploadSweepMs?: number
  /** How long this host's lease lasts unrenewed (default: the config's); renewed every third of it. */
  instanceLeaseMs?: number
  /** The embedder's retry and claim timings (host/knowledge/embedder.ts); tests shorten them. */
  embedder?: Pick<EmbedderOptions, 'maxRetries' | 'retryDelayMs' | 'maxRetryDelayMs' | 'claimMs' | 'sweepMs'>
}

export async function startHost(config: Config, options: HostOptions = {}): Promise<Host> {
  const log = options.log ?? createLogger()
  const store = await openStore(config)
  // Runs left running by hosts that died are marked interrupted; other live hosts' runs are not.
  const lease = await startInstanceLease(store, log, options.instanceLeaseMs ?? config.instanceLeaseMs)
  if (lease.interrupted > 0) log.info(`${lease.interrupted} run(s) were interrupted when the host last stopped`)
  const secrets = await prepareSecrets(store, config)
  const models = createModelRegistry(config.providers)
  const shared = await openShared(config, lease.instanceId, log)
  const runs = shared?.runs ?? new RunRegistry()
  const events = shared?.events ?? new LocalEventBus()
  const eventStreams = createEventStreamLimits()
  const box = createSecretBox(secrets.secret)
  const tools = { allowPrivate: config.toolsAllowPrivate, decrypt: box.open }
  const embedder = config.embedding && createEmbedder({ store, log, config: config.embedding, ...options.embedder })
  const searchKnowledge = knowledgeSearch(store, embedder)
  const chat = createChatService({
    store,
    models,
    runs,
    log,
    instanceId: lease.instanceId,
    resumeGraceMs: config.resumeGraceMs,
    modelTimeoutMs: config.modelTimeoutMs,
    searchKnowledge,
    modelRetries: options.modelRetries,
    tools,
    events,
  })
  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`
  const assets = loadWidgetAssets()
  const knowledge = createKnowledgeImporter({
    store,
    log,
    limits: { ...DEFAULT_KNOWLEDGE_LIMITS, fileBytes: config.uploads.knowledgeFileBytes, pagesPerSource: config.knowledgeWeb.maxPages },
    // An import's lease lasts as long as the host's own: a host that died is noticed as soon for both.
    leaseMs: options.instanceLeaseMs ?? config.instanceLeaseMs,
    web: { allowPrivate: config.knowledgeWeb.allowPrivate },
    onChunksStored: embedder?.kick,
  })
  const refusals = createRefusalCounter(store, { onError: (error) => log.error('rate-limit refusals could not be stored yet (kept for the next try)', error) })
  const app = createApp({
    store,
    refusals,
    knowledge,
    models,
    chat,
    log,
    adminTokenHash: secrets.adminTokenHash,
    heartbeatMs: config.heartbeatMs,
    assets,
    publicUrl: () => publicUrl,
    rateLimits: config.rateLimits,
    limiter: shared?.limiter ?? memoryLimiters,
    trustProxyHops: config.trustProxyHops,
    secret: secrets.secret,
    secretBox: box,
    tools,
    uploads: config.uploads,
    searchKnowledge,
    events,
    eventStreams,
  })

  let closing: Promise<void> | undefined
  // Requests on connections opened before the shutdown still arrive: they get the 503, not a route.
  const fetch: typeof app.fetch = (request, ...rest) => (closing ? shuttingDownResponse() : app.fetch(request, ...rest))
  // A node:http server (no createServer option), listening with a deeper accept queue than
  // Node's 511: a thousand visitors connecting at once must not find their SYNs dropped.
  const server = createAdaptorServer({ fetch }) as HttpServer
  // Node closes an idle keep-alive connection after 5 s, sooner than the clients and proxies
  // that reuse it expect (nginx keeps upstreams 60 s): a request sent as the close crosses it
  // fails with "socket hang up". Idle connections live longer than the usual proxy timeout.
  server.keepAliveTimeout = KEEP_ALIVE_MS
  server.headersTimeout = KEEP_ALIVE_MS + 1_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const responses = trackResponses(server)
  const { port } = server.address() as AddressInfo
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

  // Sources left importing by a host that died are imported again, by one host each.
  knowledge.recoverEvery()
  const sweeper = config.fileRetentionMs === null ? null : sweepOldFiles(store, config.fileRetentionMs, log)
  const uploadSweeper = sweepUnusedUploads(store, config.uploads.unusedMs, log, options.uploadSweepMs)
  // Chunks a crash (or a model change) left without vectors are embedded now.
  embedder?.kick()

  const close = (graceMs = config.shutdownGraceMs) =>
    (closing ??= (async () => {
      runs.closed = true
      // Session event streams never end by themselves: ended now, their clients reconnect elsewhere.
      eventStreams.closeAll()
      sweeper?.stop()
      uploadSweeper.stop()
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      const deadline = Date.now() + graceMs
      const finished = (await runs.drain(graceMs)) && (await responses.idle(deadline - Date.now()))
      if (!finished) await runs.cancelAll('the host is shutting down')
      // Cancelled runs end their streams with `complete`: let those last bytes go out.
      await responses.idle(FLUSH_MS)
      server.closeAllConnections()
      await stopped
      // A request that was mid-admission when the runs were cancelled may have started one since.
      await runs.cancelAll('the host is shutting down')
      await runs.close()
      await events.close()
      await knowledge.close()
      await embedder?.close()
      shared?.redis.disconnect()
      await refusals.close()
      await lease.stop()
      await store.close()
    })())

  publicUrl = config.publicUrl ?? `http://localhost:${port}`
  return { url, publicUrl, store, secrets, runs, app, assets, embedder, close }
}

/** SQLite at PORCH_DB, or PostgreSQL at PORCH_DATABASE_URL (connected and migrated before the host listens). */
async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl === null) return createSqliteStore(config.dbPath)
  // Loaded only when used: the PostgreSQL store and its client (and ioredis, below) took
  // ~30 ms of a SQLite host's start CPU on Node 24 (BENCHMARKS.md, production start).
  const [{ createPostgresStore }, { DatabaseUnreachableError }] = await Promise.all([
    import('./store/postgres/postgres-store.ts'),
    import('./store/postgres/connection.ts'),
  ])
  try {
    return await createPostgresStore(config.databaseUrl)
  } catch (error) {
    // Its message names the variable and masks the password: main.ts prints it and exits.
    if (error instanceof DatabaseUnreachableError) throw new ConfigError(error.message)
    throw error
  }
}

/**
 * The shared mode (PORCH_REDIS_URL): rate limits, runs and sessions' events every host sharing the Redis sees.
 * Without it the host keeps both in its memory, which is right for one host; on PostgreSQL,
 * where a second host is one start away, it says so once.
 */
async function openShared(
  config: Config,
  instanceId: string,
  log: Logger,
): Promise<{ redis: Redis; runs: RedisRunBoard; events: RedisEventBus; limiter: ReturnType<typeof redisLimiters> } | null> {
  if (config.redisUrl === null) {
    if (config.databaseUrl !== null) {
      log.info('PostgreSQL without PORCH_REDIS_URL: rate limits and runs in flight stay in this host’s memory, so run one host (README: “Run several hosts”)')
    }
    return null
  }
  const { connectRedis, RedisUnreachableError } = await import('./cluster/redis.ts')
  let redis: Redis
  try {
    redis = await connectRedis(config.redisUrl, { log })
  } catch (error) {
    // Its message names the variable and masks the password: main.ts prints it and exits.
    if (error instanceof RedisUnreachableError) throw new ConfigError(error.message)
    throw error
  }
  const runs = new RedisRunBoard({ redis, instanceId, log })
  await runs.start()
  const events = new RedisEventBus(redis, log)
  await events.start()
  return { redis, runs, events, limiter: redisLimiters(redis) }
}

/** How long an idle keep-alive connection stays open (above the 60 s of common proxies). */
const KEEP_ALIVE_MS = 65_000

/** Pending connections the kernel may queue for accept() (it caps this at net.core.somaxconn). */
const LISTEN_BACKLOG = 4096

/** How long cancelled streams get to send their last events before the connections are cut. */
const FLUSH_MS = 2_000

/** Counts responses not yet finished, so a shutdown can wait for the last bytes of each. */
function trackResponses(server: HttpServer) {
  let open = 0
  let waiters: (() => void)[] = []
  server.on('request', (_request, response) => {
    open += 1
    response.once('close', () => {
      open -= 1
      if (open > 0) return
      for (const wake of waiters) wake()
      waiters = []
    })
  })
  return {
    /** Resolves true once no response is open, or false after `ms`. */
    idle(ms: number): Promise<boolean> {
      if (open === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(0, ms))
        waiters.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
      })
    },
  }
}
