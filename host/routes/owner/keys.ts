/** Owner API: chat API keys (per agent) and owner keys (owner role only). Secrets appear only in create/refresh replies. */
import { Hono } from 'hono'
import { CreateApiKeySchema, CreateOwnerKeySchema } from '../../../shared/index.ts'
import { issueKey } from '../../auth/key-pair.ts'
import { reachableAgent, requireKeyManager, requireReach } from '../../auth/owner-auth.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { notFound } from '../../http/errors.ts'
import { readJson } from '../../http/validate.ts'
import type { ApiKeyRecord, OwnerKeyRecord, Store } from '../../store/store.ts'

const apiKeyJson = (key: ApiKeyRecord) => ({
  id: key.id,
  agent_id: key.agentId,
  name: key.name,
  created_at: key.createdAt,
  refreshed_at: key.refreshedAt,
  last_used_at: key.lastUsedAt,
})

const ownerKeyJson = (key: OwnerKeyRecord) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  agent_ids: key.agentIds,
  created_at: key.createdAt,
  last_used_at: key.lastUsedAt,
})

const KEY_ID = /^(key|own)_[A-Za-z0-9_-]{8,32}$/

export function ownerKeyRoutes({ store }: { store: Store }) {
  const loadApiKey = async (principal: OwnerEnv['Variables']['principal'], id: string) => {
    const key = KEY_ID.test(id) ? await store.getApiKey(id) : null
    if (!key) throw notFound('API key')
    requireReach(principal, key.agentId)
    return key
  }

  return new Hono<OwnerEnv>()
    .post('/agents/:id/keys', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const { name } = await readJson(c, CreateApiKeySchema)
      const issued = issueKey('key')
      const key = await store.createApiKey({ id: issued.id, agentId: agent.id, name, secretHash: issued.secretHash })
      return c.json({ ...apiKeyJson(key), key: issued.credential }, 201)
    })
    .get('/agents/:id/keys', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      return c.json({ keys: (await store.listApiKeys(agent.id)).map(apiKeyJson) }, 200)
    })
    .post('/keys/:keyId/refresh', async (c) => {
      const key = await loadApiKey(c.get('principal'), c.req.param('keyId'))
      const issued = issueKey('key', key.id)
      const refreshed = await store.refreshApiKey(key.id, issued.secretHash)
      if (!refreshed) throw notFound('API key')
      return c.json({ ...apiKeyJson(refreshed), key: issued.credential }, 200)
    })
    .delete('/keys/:keyId', async (c) => {
      const key = await loadApiKey(c.get('principal'), c.req.param('keyId'))
      await store.deleteApiKey(key.id)
      return c.body(null, 204)
    })

    .post('/owner-keys', async (c) => {
      requireKeyManager(c.get('principal'))
      const body = await readJson(c, CreateOwnerKeySchema)
      const issued = issueKey('own')
      const key = await store.createOwnerKey({
        id: issued.id,
        name: body.name,
        role: body.role,
        agentIds: body.agent_ids ?? null,
        secretHash: issued.secretHash,
      })
      return c.json({ ...ownerKeyJson(key), key: issued.credential }, 201)
    })
    .get('/owner-keys', async (c) => {
      requireKeyManager(c.get('principal'))
      return c.json({ owner_keys: (await store.listOwnerKeys()).map(ownerKeyJson) }, 200)
    })
    .delete('/owner-keys/:keyId', async (c) => {
      requireKeyManager(c.get('principal'))
      const id = c.req.param('keyId')
      if (!KEY_ID.test(id) || !(await store.deleteOwnerKey(id))) throw notFound('Owner key')
      return c.body(null, 204)
    })
}
