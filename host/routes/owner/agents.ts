/** Owner API: agents, their drafts, publishing, versions, and what visitors did with them. */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { CreateAgentSchema, PublishSchema, UpdateAgentSchema, type ToolSpec } from '../../../shared/index.ts'
import { canReach, requireReach } from '../../auth/owner-auth.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { positiveIntParam, sessionIdParam } from '../../http/ids.ts'
import { check, readJson, readQuery } from '../../http/validate.ts'
import { sealToolSecrets, ToolSecretError } from '../../runtime/http-tools.ts'
import { keepFrozenMcpTools } from '../../runtime/mcp-tools.ts'
import type { SecretBox } from '../../runtime/secret-box.ts'
import type { AgentRecord, Store } from '../../store/store.ts'
import type { WidgetAssets } from '../../widget-assets.ts'
import { reachableAgent } from './load.ts'
import { requireKnownModel, type Publisher } from './publishing.ts'
import { embedSnippets } from './snippets.ts'
import { agentJson, messageJson, sessionJson, traceJson, versionJson } from './present.ts'

export type OwnerRoutesDeps = { store: Store; publisher: Publisher; assets: WidgetAssets; publicUrl: () => string; secretBox: SecretBox }

const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime().optional(),
})

const ScopeQuerySchema = z.object({
  scope: z.string().regex(/^(public|link:[A-Za-z0-9_-]{1,64}|key:[A-Za-z0-9_-]{1,64})$/, 'is public, link:<id> or key:<id>').default('public'),
})

/** Tool header secrets are sealed before they are stored; `********` keeps the one stored. */
function sealTools<T extends { tools?: ToolSpec[] }>(config: T, previous: ToolSpec[], box: SecretBox): T {
  if (!config.tools) return config
  try {
    return { ...config, tools: keepFrozenMcpTools(sealToolSecrets(config.tools, previous, box), previous) }
  } catch (error) {
    if (error instanceof ToolSecretError) throw new ApiError(400, 'invalid_request', `tools: ${error.message}`)
    throw error
  }
}

export function ownerAgentRoutes({ store, publisher, assets, publicUrl, secretBox }: OwnerRoutesDeps) {
  const loadAgent = (c: Context<OwnerEnv>, id: string) => reachableAgent(store, c, id)
  const present = async (agent: AgentRecord) =>
    agentJson(agent, agent.activeVersion === null ? null : await store.getVersion(agent.id, agent.activeVersion))

  return new Hono<OwnerEnv>()
    .post('/agents', async (c) => {
      if (c.get('principal').agentIds !== null) throw new ApiError(403, 'forbidden', 'A key limited to some agents cannot create agents.')
      const { name, description, ...config } = await readJson(c, CreateAgentSchema)
      requireKnownModel(config.model)
      const agent = await store.createAgent({ name, description, config: sealTools(config, [], secretBox) })
      return c.json(await present(agent), 201)
    })
    .get('/agents', async (c) => {
      const agents = (await store.listAgents()).filter((agent) => canReach(c.get('principal'), agent.id))
      return c.json({ agents: await Promise.all(agents.map(present)) }, 200)
    })
    .get('/agents/:id', async (c) => c.json(await present(await loadAgent(c, c.req.param('id'))), 200))
    .patch('/agents/:id', async (c) => {
      const current = await loadAgent(c, c.req.param('id'))
      const { name, description, allowed_origins, ...config } = await readJson(c, UpdateAgentSchema)
      requireKnownModel(config.model)
      const agent = await store.updateAgent(current.id, { name, description, config: sealTools(config, current.config.tools, secretBox), allowedOrigins: allowed_origins })
      if (!agent) throw notFound('Agent')
      return c.json(await present(agent), 200)
    })
    .delete('/agents/:id', async (c) => {
      if (!(await store.deleteAgent((await loadAgent(c, c.req.param('id'))).id))) throw notFound('Agent')
      return c.body(null, 204)
    })

    .post('/agents/:id/publish', async (c) => {
      const agent = await loadAgent(c, c.req.param('id'))
      const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined
      const body = hasBody ? await readJson(c, PublishSchema) : check(PublishSchema, {})
      const { reply, created } = await publisher.publish(agent, body)
      return c.json(reply, created ? 201 : 200)
    })
    .post('/agents/:id/unpublish', async (c) => {
      const agent = await store.unpublish((await loadAgent(c, c.req.param('id'))).id)
      if (!agent) throw notFound('Agent')
      return c.json(await present(agent), 200)
    })
    .get('/agents/:id/embed', async (c) => {
      const agent = await loadAgent(c, c.req.param('id'))
      return c.json(embedSnippets(publicUrl(), assets, { agent: agent.id }), 200)
    })
    .get('/agents/:id/versions', async (c) => {
      const agent = await loadAgent(c, c.req.param('id'))
      const versions = await store.listVersions(agent.id)
      return c.json({ versions: versions.map((version) => versionJson(version, agent)) }, 200)
    })
    .post('/agents/:id/versions/:n/activate', async (c) => {
      const agent = await loadAgent(c, c.req.param('id'))
      const updated = await store.activateVersion(agent.id, positiveIntParam(c.req.param('n'), 'version'))
      if (!updated) throw notFound('Version')
      return c.json(await present(updated), 200)
    })

    .get('/agents/:id/sessions', async (c) => {
      const agent = await loadAgent(c, c.req.param('id'))
      const { limit, before } = readQuery(c, PageQuerySchema)
      const sessions = await store.listSessions(agent.id, { limit, before })
      const next = sessions.length === limit ? sessions.at(-1)!.updatedAt : null
      return c.json({ sessions: sessions.map(sessionJson), next_before: next }, 200)
    })
    .get('/agents/:id/sessions/:sid', async (c) => {
      const agent = await loadAgent(c, c.req.param('id'))
      const { scope } = readQuery(c, ScopeQuerySchema)
      const key = { agentId: agent.id, scope, sessionId: sessionIdParam(c.req.param('sid')) }
      const session = await store.getSession(key)
      if (!session) throw notFound('Session')
      const messages = await store.getMessages(key)
      // What the model was given instead of the older messages, when the session was compressed.
      const summaries = (await store.listContextSummaries(key)).map((summary) => ({
        through_seq: summary.throughSeq,
        summary: summary.summary,
        tokens_before: summary.tokensBefore,
        created_at: summary.createdAt,
      }))
      return c.json({ ...sessionJson(session), agent_id: agent.id, messages: messages.map(messageJson), context_summaries: summaries }, 200)
    })
    .get('/traces', async (c) => {
      const { agent_id, limit, before } = readQuery(c, PageQuerySchema.extend({ agent_id: z.uuid().optional() }))
      if (agent_id) requireReach(c.get('principal'), agent_id)
      else if (c.get('principal').agentIds !== null) throw new ApiError(400, 'invalid_request', 'agent_id: a key limited to some agents must name one')
      const traces = await store.listTraces({ agentId: agent_id, limit, before })
      const next = traces.length === limit ? traces.at(-1)!.startedAt : null
      return c.json({ traces: traces.map(traceJson), next_before: next }, 200)
    })
}
