/**
 * Langdock agent API compat, with owner keys (`own_….SECRET`) or the admin token:
 *
 * - `POST  /agent/v1/create`  Langdock agent fields → 201 `{status:"success", message, agent}`
 * - `PATCH /agent/v1/update`  `{agentId, …fields}`, the draft only → `{status:"success", message, agent}`
 * - `GET   /agent/v1/get?agentId=` → `{status:"success", agent}`
 * - `GET   /agent/v1/list?limit=&cursor=` → `{agents, nextCursor}` (nextCursor null on the last page)
 * - `POST  /agent/v1/publish` `{agentId, description?≤100}` → `{status:"success", message, version:{id, version, createdAt}}`
 *
 * As in Langdock, get and list show an agent's active version when it has one, else its draft.
 * Field names and mapping: see langdock-agent.ts.
 *
 * Statuses: 400 bad body, 401 no or invalid key, 403 role below editor (a viewer may get and
 * list), agent outside the key's reach or a browser Origin, 404 unknown agent, 409 nothing to
 * publish, 429 over the per-key rate limit (with Retry-After). Error bodies are the host's
 * `{error:{code, message}}`: Langdock documents its statuses but not an error body to copy.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { z } from 'zod'
import { canReach, ownerAuth, reachesAll, requireReach } from '../../auth/owner-auth.ts'
import { type Limit, type LimiterFactory, memoryLimiters, takePoint } from '../../auth/rate-limits.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { readJson, readQuery } from '../../http/validate.ts'
import type { AgentRecord, Store } from '../../store/store.ts'
import { agentState } from '../owner/present.ts'
import type { Publisher } from '../owner/publishing.ts'
import { compatBodyLimit } from './body-limit.ts'
import {
  agentPatchFrom,
  decodeCursor,
  encodeCursor,
  isAfter,
  LangdockCreateSchema,
  LangdockListQuerySchema,
  LangdockPublishSchema,
  LangdockUpdateSchema,
  langdockAgent,
  newAgentFrom,
} from './langdock-agent.ts'

/** Requests per key (or for the admin token) per window. */
export const LANGDOCK_RATE_LIMIT: Limit = { points: 120, durationSeconds: 60 }

export type LangdockRoutesDeps = {
  store: Store
  publisher: Publisher
  adminTokenHash: string
  rateLimit?: Limit
  /** Where the per-key counts are kept (this process, or Redis shared by every host). */
  limiter?: LimiterFactory
}

export const AgentIdQuerySchema = z.object({ agentId: z.uuid() })

export function langdockRoutes({ store, publisher, adminTokenHash, rateLimit = LANGDOCK_RATE_LIMIT, limiter = memoryLimiters }: LangdockRoutesDeps) {
  const loadAgent = async (c: Context<OwnerEnv>, id: string): Promise<AgentRecord> => {
    const agent = await store.getAgent(id)
    if (!agent) throw notFound('Agent')
    requireReach(c.get('principal'), agent.id)
    return agent
  }
  const present = async (agent: AgentRecord, shown: 'draft' | 'active') => langdockAgent(agent, await agentState(store, agent), shown)

  return (
    new Hono<OwnerEnv>()
      // Origin refusal, 401, and editor-or-above for everything but GET: the owner API's own rules.
      .use('/agent/v1/*', ownerAuth({ adminTokenHash, store }), perKeyRateLimit(limiter('langdock-key', rateLimit)))
      .post('/agent/v1/create', compatBodyLimit(), async (c) => {
        if (!reachesAll(c.get('principal'))) throw new ApiError(403, 'forbidden', 'A key limited to some agents cannot create agents.')
        const agent = await store.createAgent(newAgentFrom(await readJson(c, LangdockCreateSchema)))
        return c.json({ status: 'success', message: 'Agent created successfully', agent: await present(agent, 'draft') }, 201)
      })
      .patch('/agent/v1/update', compatBodyLimit(), async (c) => {
        const { agentId, ...fields } = await readJson(c, LangdockUpdateSchema)
        const agent = await store.updateAgent((await loadAgent(c, agentId)).id, agentPatchFrom(fields))
        if (!agent) throw notFound('Agent')
        return c.json({ status: 'success', message: 'Agent updated successfully', agent: await present(agent, 'draft') }, 200)
      })
      .get('/agent/v1/get', async (c) => {
        const agent = await loadAgent(c, readQuery(c, AgentIdQuerySchema).agentId)
        return c.json({ status: 'success', agent: await present(agent, 'active') }, 200)
      })
      .get('/agent/v1/list', async (c) => {
        const { limit, cursor } = readQuery(c, LangdockListQuerySchema)
        const after = cursor === undefined ? null : decodeCursor(cursor)
        const principal = c.get('principal')
        const reachable = (await store.listAgents())
          .filter((agent) => canReach(principal, agent.id))
          .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? 1 : -1))
        const rest = after === null ? reachable : reachable.filter((agent) => isAfter(agent, after))
        const page = rest.slice(0, limit)
        const nextCursor = rest.length > limit ? encodeCursor(page.at(-1)!) : null
        return c.json({ agents: await Promise.all(page.map((agent) => present(agent, 'active'))), nextCursor }, 200)
      })
      .post('/agent/v1/publish', compatBodyLimit(), async (c) => {
        const { agentId, description } = await readJson(c, LangdockPublishSchema)
        const agent = await loadAgent(c, agentId)
        return c.json(await publisher.publish(agent, { description }), 200)
      })
  )
}

/** A fixed window of `points` requests per key; the admin token counts as one key. */
function perKeyRateLimit(limiter: RateLimiterAbstract): MiddlewareHandler<OwnerEnv> {
  return async function perKeyRateLimitMiddleware(c, next) {
    await takePoint([[limiter, c.get('principal').keyId ?? 'admin']], 'Too many requests for this key. Please wait a moment.')
    await next()
  }
}
