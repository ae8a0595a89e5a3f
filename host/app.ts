/** createApp composes the route modules over their dependencies; nothing here touches process.env. */
import { type Context, Hono } from 'hono'
import { LIMITS } from '../shared/index.ts'
import { clientIp } from './auth/client-ip.ts'
import { consoleSignIns } from './auth/console-sign-in.ts'
import { ownerAuth } from './auth/owner-auth.ts'
import { createRateLimits, type LimiterFactory, type RateLimitConfig } from './auth/rate-limits.ts'
import type { RefusalCounter } from './auth/refusal-counts.ts'
import type { UploadLimits } from './config.ts'
import { consoleApiRoutes, consoleRoutes, consoleSignInRoutes } from './console/index.ts'
import { bodyLimit, refusedBodyHeaders } from './fast-paths/body-limit.ts'
import { errorBody, handleError } from './http/errors.ts'
import type { KnowledgeImporter } from './knowledge/importer.ts'
import type { SearchKnowledge } from './knowledge/search.ts'
import type { Logger } from './log.ts'
import { openApiRoutes } from './openapi/index.ts'
import { compatRoutes } from './routes/compat/index.ts'
import { linkRoutes } from './routes/links.ts'
import { ownerAgentRoutes } from './routes/owner/agents.ts'
import { ownerAnalyticsRoutes } from './routes/owner/analytics.ts'
import { ownerFileRoutes } from './routes/owner/files.ts'
import { ownerIdentityRoutes } from './routes/owner/identity.ts'
import { ownerKeyRoutes } from './routes/owner/keys.ts'
import { ownerKnowledgeRoutes } from './routes/owner/knowledge.ts'
import { ownerLinkRoutes } from './routes/owner/links.ts'
import { createPublisher } from './routes/owner/publishing.ts'
import { ownerTakeoverRoutes } from './routes/owner/takeover.ts'
import { ownerWatchRoutes } from './routes/owner/watch.ts'
import { pageRoutes } from './routes/pages.ts'
import { publishedRoutes } from './routes/published.ts'
import { createEventStreamLimits, type EventStreamLimits } from './routes/session-events.ts'
import type { ModelRegistry } from './runtime/providers/index.ts'
import type { ChatService } from './runtime/runs/index.ts'
import { createTakeoverService, type SessionEventBus } from './runtime/takeover/index.ts'
import type { SecretBox, ToolContext } from './runtime/tools/index.ts'
import type { Scope } from './store/scope.ts'
import type { Store } from './store/store.ts'
import type { WidgetAssets } from './widget-assets.ts'

export type AppDeps = {
  store: Store
  models: ModelRegistry
  chat: ChatService
  log: Logger
  adminTokenHash: string
  heartbeatMs: number
  assets: WidgetAssets
  rateLimits: RateLimitConfig
  /** Where limits are counted: this process (default), or Redis shared by every host. */
  limiter?: LimiterFactory
  trustProxyHops: number
  /** Key for signing visitor tokens. */
  secret: string
  /** Seals tool header secrets at rest. */
  secretBox: SecretBox
  /** What tools need from the host (private addresses allowed, the key to their secrets). */
  tools: ToolContext
  /** The base URL written into snippets (known once the server listens). */
  publicUrl: () => string
  /** How long an unnamed upload is kept, and the attachment budgets. */
  uploads: UploadLimits
  /** Reads owners' knowledge files off the event loop (host/knowledge/importer.ts). */
  knowledge: KnowledgeImporter
  /** Knowledge search with the host's embedding model (host/knowledge/search.ts); the store's full-text search otherwise. */
  searchKnowledge?: SearchKnowledge
  /** Where sessions' events go live (human takeover): this process, or every host sharing Redis; the chat service must publish on the same bus. */
  events: SessionEventBus
  /** The open session event streams and their limits; the host ends them all when it shuts down. */
  eventStreams?: EventStreamLimits
  /** Counts chat messages refused by a limit, for the owner's analytics; absent: not counted. */
  refusals?: RefusalCounter
}

const ATTACHMENT_UPLOAD = /^\/api\/v1\/(published|links)\/[^/]+\/sessions\/[^/]+\/attachments$/
const UI_CHAT = /^\/api\/v1\/(published|links)\/[^/]+\/ui-chat$/
const KNOWLEDGE_UPLOAD = /^\/api\/v1\/agents\/[^/]+\/knowledge\/files$/

export function createApp(deps: AppDeps) {
  const app = new Hono()
  app.onError(handleError(deps.log.error))
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404))

  const jsonBodyLimit = bodyLimit({
    maxSize: LIMITS.bodyBytes,
    onError: (c) => c.json(errorBody('payload_too_large', `The body is larger than ${LIMITS.bodyBytes} bytes.`), 413, refusedBodyHeaders(c)),
  })
  // Attachment and knowledge uploads are raw files, and UI chat messages carry files inline: each has its own (larger) limit, set on its route.
  const ownLimit = (path: string) => ATTACHMENT_UPLOAD.test(path) || KNOWLEDGE_UPLOAD.test(path) || UI_CHAT.test(path)
  app.use('/api/*', (c, next) => (ownLimit(c.req.path) && c.req.method === 'POST' ? next() : jsonBodyLimit(c, next)))
  // The owner API takes a bearer (servers) or the console's cookie sign-in (browsers, with CSRF).
  const signIns = consoleSignIns({ store: deps.store, adminTokenHash: deps.adminTokenHash, publicUrl: deps.publicUrl })
  const requireOwner = ownerAuth({ adminTokenHash: deps.adminTokenHash, store: deps.store, console: signIns })
  for (const path of [
    '/api/v1/agents',
    '/api/v1/agents/*',
    '/api/v1/traces',
    '/api/v1/analytics',
    '/api/v1/keys/*',
    '/api/v1/owner-keys',
    '/api/v1/owner-keys/*',
    '/api/v1/models',
  ])
    app.use(path, requireOwner)
  // /api/v1/links/{id} is the owner's for PATCH and DELETE; its other methods are the visitors' link API.
  app.on(['PATCH', 'DELETE'], '/api/v1/links/:id', requireOwner)

  app.get('/health', (c) => c.json({ status: 'ok' }, 200))
  const limits = createRateLimits(deps.rateLimits, deps.limiter)
  const publisher = createPublisher({ store: deps.store, models: deps.models, tools: deps.tools })
  const takeover = createTakeoverService({
    store: deps.store,
    events: deps.events,
    stopSession: (key) => deps.chat.stopSession(key.agentId, key.scope as Scope, key.sessionId),
  })
  const eventStreams = deps.eventStreams ?? createEventStreamLimits()
  const logStreamError = (message: string, error: unknown) => deps.log.error(message, error)
  const visitorDeps = {
    store: deps.store,
    sessionEvents: {
      bus: deps.events,
      streams: eventStreams,
      client: (c: Context) => clientIp(c, deps.trustProxyHops),
      log: logStreamError,
    },
    chat: deps.chat,
    heartbeatMs: deps.heartbeatMs,
    limits,
    trustProxyHops: deps.trustProxyHops,
    uploads: deps.uploads,
    publicUrl: deps.publicUrl,
    secretBox: deps.secretBox,
    ...(deps.refusals ? { refusals: deps.refusals } : {}),
  }
  app.route('/api/v1/published', publishedRoutes(visitorDeps))
  app.route('/api/v1/links', linkRoutes({ ...visitorDeps, secret: deps.secret }))
  app.route('/api/v1', ownerAgentRoutes({ store: deps.store, publisher, assets: deps.assets, publicUrl: deps.publicUrl, secretBox: deps.secretBox }))
  app.route('/api/v1', ownerKeyRoutes({ store: deps.store }))
  app.route('/api/v1', ownerIdentityRoutes({ store: deps.store, secretBox: deps.secretBox }))
  app.route('/api/v1', ownerLinkRoutes({ store: deps.store, assets: deps.assets, publicUrl: deps.publicUrl }))
  app.route('/api/v1', ownerWatchRoutes({ store: deps.store }))
  app.route(
    '/api/v1',
    ownerTakeoverRoutes({
      store: deps.store,
      takeover,
      events: deps.events,
      streams: eventStreams,
      heartbeatMs: deps.heartbeatMs,
      trustProxyHops: deps.trustProxyHops,
      log: logStreamError,
    }),
  )
  app.route('/api/v1', ownerAnalyticsRoutes({ store: deps.store, ...(deps.refusals ? { refusals: deps.refusals } : {}) }))
  app.route('/api/v1', ownerFileRoutes({ store: deps.store, uploads: deps.uploads }))
  app.route('/api/v1', ownerKnowledgeRoutes({ store: deps.store, importer: deps.knowledge, search: deps.searchKnowledge }))
  const consoleDeps = { ...deps, signIns, signInLimiter: limits.signInPerIp }
  app.route('/api/v1/console', consoleSignInRoutes(consoleDeps))
  app.route('/api/v1', consoleApiRoutes(consoleDeps))
  app.route(
    '/',
    compatRoutes({
      store: deps.store,
      chat: deps.chat,
      publisher,
      adminTokenHash: deps.adminTokenHash,
      heartbeatMs: deps.heartbeatMs,
      limits,
      limiter: deps.limiter,
      uploads: deps.uploads,
      allowPrivate: deps.tools.allowPrivate,
      models: deps.models,
      publicUrl: deps.publicUrl,
      secretBox: deps.secretBox,
      ...(deps.refusals ? { refusals: deps.refusals } : {}),
    }),
  )
  app.route('/', openApiRoutes())
  app.route('/', pageRoutes({ store: deps.store, assets: deps.assets }))
  app.route('/', consoleRoutes({ assets: deps.assets }))
  return app
}

export type AppType = ReturnType<typeof createApp>
