/**
 * The console's own API: cookie sign-in and sign-out, the model picker's list, and the try-it
 * chat that runs an agent's draft. Sign-in is throttled per IP like link passwords are; a
 * correct token gives its point back, so only guesses use the allowance up.
 */
import { type Context, Hono } from 'hono'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { ConsoleSignInSchema, type ModelsReply, TryRequestSchema, TryStopSchema } from '../../shared/console.ts'
import { clientIp } from '../auth/client-ip.ts'
import { type ConsoleSignIns, signInJson } from '../auth/console-sign-in.ts'
import { ownerPrincipal, reachableAgent } from '../auth/owner-auth.ts'
import { givePoint, takePoint } from '../auth/rate-limits.ts'
import { runToSse } from '../fast-paths/sse.ts'
import type { OwnerEnv } from '../http/env.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { lastEventId, readJson } from '../http/validate.ts'
import { MODEL_SUGGESTIONS, type ModelRegistry } from '../runtime/providers/index.ts'
import type { ChatService } from '../runtime/runs/index.ts'
import { discoverMcpTools, freezeMcpTools, type ToolContext } from '../runtime/tools/index.ts'
import { tryScope } from '../store/scope.ts'
import type { AgentRecord, PublishedAgent, Store } from '../store/store.ts'

export type ConsoleApiDeps = {
  store: Store
  models: ModelRegistry
  chat: ChatService
  tools: ToolContext
  signIns: ConsoleSignIns
  adminTokenHash: string
  heartbeatMs: number
  trustProxyHops: number
  /** Sign-in attempts per client IP (rate-limits.ts `signInPerIp`). */
  signInLimiter: RateLimiterAbstract
}

/**
 * The draft dressed as a version, so the one chat runtime runs it unchanged. Version 0 marks
 * its traces as draft runs. MCP servers are listed now, as publishing would freeze them (not for
 * a resume, which only re-attaches to the run already going: `tools` null).
 */
async function draftAsVersion(agent: AgentRecord, tools: ToolContext | null): Promise<PublishedAgent> {
  let config = agent.config
  if (tools && config.tools.some((tool) => tool.type === 'mcp')) {
    try {
      config = { ...config, tools: await freezeMcpTools(config.tools, (spec) => discoverMcpTools(spec, tools)) }
    } catch (error) {
      throw new ApiError(400, 'mcp_unavailable', `Cannot try the draft: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return {
    agent,
    version: {
      id: `draft:${agent.id}`,
      agentId: agent.id,
      version: 0,
      name: agent.name,
      agentDescription: agent.description,
      config,
      description: 'draft',
      createdAt: agent.updatedAt,
    },
  }
}

const noStore = (c: Context) => c.header('Cache-Control', 'no-store')

/** `/api/v1/console/session`: signing in and out. Mounted outside the owner auth. */
export function consoleSignInRoutes(deps: ConsoleApiDeps) {
  const { signIns } = deps
  const attempts = deps.signInLimiter
  const signedIn = async (c: Context) => {
    const current = await signIns.current(c)
    if (!current) throw new ApiError(401, 'unauthorized', 'Not signed in to the console.')
    return current
  }

  return new Hono()
    .post('/session', async (c) => {
      noStore(c)
      signIns.refuseCrossSite(c)
      const ip = clientIp(c, deps.trustProxyHops)
      // Throttle first, so a guesser learns nothing once the allowance is spent.
      await takePoint([[attempts, ip]], 'Too many sign-in attempts. Please wait before trying again.')
      const { token } = await readJson(c, ConsoleSignInSchema)
      const principal = await ownerPrincipal(token.trim(), { adminTokenHash: deps.adminTokenHash, store: deps.store })
      if (!principal) throw new ApiError(401, 'unauthorized', 'That token is not the admin token or an owner key.')
      await givePoint(attempts, ip)
      void deps.store.purgeConsoleSignIns()
      const signIn = await signIns.start(c, principal)
      const name = principal.keyId === null ? 'Admin token' : ((await deps.store.getOwnerKey(principal.keyId))?.name ?? principal.keyId)
      return c.json(signInJson({ signIn, principal, name }), 200)
    })
    .get('/session', async (c) => {
      noStore(c)
      return c.json(signInJson(await signedIn(c)), 200)
    })
    .delete('/session', async (c) => {
      noStore(c)
      const current = await signedIn(c)
      signIns.requireCsrf(c, current.signIn)
      await signIns.end(c, current.signIn)
      return c.body(null, 204)
    })
}

/** `/api/v1/models` and `/api/v1/agents/{id}/try…`: behind the owner auth (bearer or cookie). */
export function consoleApiRoutes(deps: ConsoleApiDeps) {
  const { store, chat, models } = deps
  return new Hono<OwnerEnv>()
    .get('/models', (c) => {
      const configured = new Set<string>(models.configured())
      const reply: ModelsReply = {
        providers: (['demo', 'openai', 'anthropic'] as const).map((id) => ({ id, configured: configured.has(id) })),
        suggestions: MODEL_SUGGESTIONS,
      }
      return c.json(reply, 200)
    })
    .post('/agents/:id/try', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const request = await readJson(c, TryRequestSchema)
      const afterId = lastEventId(c)
      const published = await draftAsVersion(agent, afterId > 0 ? null : deps.tools)
      // No admission: try-it spends no link quota and no visitor rate limit.
      const started = await (await chat.open({ published, scope: tryScope(), request, streaming: true, resumeAfter: afterId })).start()
      return runToSse(c, started.run, afterId, { heartbeatMs: deps.heartbeatMs })
    })
    .post('/agents/:id/try/stop', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const { request_id } = await readJson(c, TryStopSchema)
      if (!(await chat.stop(agent.id, tryScope(), request_id))) throw notFound('Running request')
      return c.body(null, 204)
    })
}
