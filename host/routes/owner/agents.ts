/** Owner API: agents, their drafts, publishing and versions (what visitors did with them: watch.ts). */
import { type Context, Hono } from 'hono'
import { CreateAgentSchema, PublishSchema, type ToolSpec, UpdateAgentSchema } from '../../../shared/index.ts'
import { canReach, reachableAgent, reachesAll } from '../../auth/owner-auth.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { positiveIntParam } from '../../http/ids.ts'
import { check, readJson } from '../../http/validate.ts'
import { keepFrozenMcpTools, type SecretBox, sealToolSecrets, ToolSecretError } from '../../runtime/tools/index.ts'
import type { AgentRecord, Store } from '../../store/store.ts'
import type { WidgetAssets } from '../../widget-assets.ts'
import { agentJson, agentState, versionJson } from './present.ts'
import { type Publisher, requireKnownModel } from './publishing.ts'
import { embedSnippets } from './snippets.ts'

export type OwnerRoutesDeps = { store: Store; publisher: Publisher; assets: WidgetAssets; publicUrl: () => string; secretBox: SecretBox }

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
  const present = async (agent: AgentRecord) => agentJson(agent, await agentState(store, agent))

  return new Hono<OwnerEnv>()
    .post('/agents', async (c) => {
      if (!reachesAll(c.get('principal'))) throw new ApiError(403, 'forbidden', 'A key limited to some agents cannot create agents.')
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
      const { name, description, allowed_origins, access, ...config } = await readJson(c, UpdateAgentSchema)
      requireKnownModel(config.model)
      const agent = await store.updateAgent(current.id, {
        name,
        description,
        config: sealTools(config, current.config.tools, secretBox),
        allowedOrigins: allowed_origins,
        access,
      })
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
      // 200 whether a new version was made or an equal one made active again (its `message` says which):
      // FastAPI's default status, the one Skill Compose and Langdock clients check for.
      return c.json(await publisher.publish(agent, body), 200)
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
}
