/**
 * The compat APIs, so existing clients work unchanged but for the host name: Auto Agents and
 * OpenAI chat with a chat API key, Langdock's agent API with an owner key, and Langdock's chat
 * with either. Mounted at the root
 * (`app.route('/', compatRoutes(deps))`); each keeps its own paths and error conventions.
 */
import { Hono } from 'hono'
import { DEFAULTS } from '../../../shared/index.ts'
import { type Limit, type LimiterFactory, type RateLimits, takePoint } from '../../auth/rate-limits.ts'
import { admitCounted, type RefusalCounter } from '../../auth/refusal-counts.ts'
import type { UploadLimits } from '../../config.ts'
import type { AllowPrivate } from '../../runtime/network/index.ts'
import type { ModelRegistry } from '../../runtime/providers/index.ts'
import type { ChatService } from '../../runtime/runs/index.ts'
import type { SecretBox } from '../../runtime/tools/index.ts'
import type { Store } from '../../store/store.ts'
import type { Publisher } from '../owner/publishing.ts'
import { autoAgentsRoutes } from './auto-agents.ts'
import { langdockRoutes } from './langdock.ts'
import { langdockChatRoutes } from './langdock-chat.ts'
import { openAiRoutes } from './openai.ts'

export type CompatDeps = {
  store: Store
  chat: ChatService
  publisher: Publisher
  /** SHA-256 (hex) of the admin token, which the Langdock API accepts like an owner key. */
  adminTokenHash: string
  /** Between `: ping` comments on open streams; the host's setting when given. */
  heartbeatMs?: number
  /** Per-key limit of the Langdock API (default 120 requests a minute). */
  langdockRateLimit?: Limit
  /** Where the Langdock per-key counts are kept (default: this process). */
  limiter?: LimiterFactory
  /** The host's request limits: when given, each chat through a key takes a point of `chatPerKey`. */
  limits?: RateLimits
  /** Counts messages refused by the key's limit, for the owner's analytics (absent: not counted). */
  refusals?: Pick<RefusalCounter, 'count'>
  /** The attachment budgets that images fetched by URL (Auto Agents `images`) count against. */
  uploads: Pick<UploadLimits, 'sessionBytes' | 'agentDayBytes'>
  /** Whether those image URLs may point to loopback or private addresses (the tools' PORCH_TOOLS_ALLOW_PRIVATE). */
  allowPrivate: AllowPrivate
  /** The models this host can run: Langdock's `/agent/v1/models` lists them. */
  models: Pick<ModelRegistry, 'configured'>
  /** The host's public base URL, which makes UI message stream file URLs absolute. */
  publicUrl?: () => string
  /** Opens agents' identity secrets, to check user tokens sent to the chat APIs. */
  secretBox: SecretBox
}

export function compatRoutes({
  store,
  chat,
  publisher,
  adminTokenHash,
  heartbeatMs = DEFAULTS.heartbeatSeconds * 1000,
  langdockRateLimit,
  limits,
  limiter,
  uploads,
  allowPrivate,
  models,
  publicUrl,
  refusals,
  secretBox,
}: CompatDeps) {
  const admitKey = limits && ((keyId: string, agentId: string) => admitCounted(refusals, agentId, () => takePoint([[limits.chatPerKey, keyId]])))
  return (
    new Hono()
      .route('/', autoAgentsRoutes({ store, secretBox, chat, heartbeatMs, admitKey, uploads, allowPrivate }))
      .route('/', openAiRoutes({ store, secretBox, chat, heartbeatMs, admitKey }))
      // Before langdockRoutes, whose owner auth guards /agent/v1/*: chat keys chat here too.
      .route('/', langdockChatRoutes({ store, secretBox, chat, heartbeatMs, uploads, publicUrl, adminTokenHash, models, admitKey }))
      .route('/', langdockRoutes({ store, publisher, adminTokenHash, rateLimit: langdockRateLimit, limiter }))
  )
}

export { LANGDOCK_RATE_LIMIT } from './langdock.ts'
export { SESSION_HEADER } from './openai.ts'
