/**
 * Owner API, signed visitor identity: an agent's identity secret (created and rotated here,
 * shown once, kept sealed with the host secret like HTTP tools' secret headers) and whether the
 * agent requires identity. Agent-level, not part of the draft: a leaked secret is rotated, and
 * identity required or not, at once, without publishing a version. Changing needs an editor
 * (owner-auth.ts refuses other methods than GET to viewers).
 */
import { Hono } from 'hono'
import { type IdentitySettings, type IssuedIdentitySecret, UpdateIdentitySchema } from '../../../shared/index.ts'
import { reachableAgent } from '../../auth/owner-auth.ts'
import { randomToken } from '../../auth/secrets.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { readJson } from '../../http/validate.ts'
import type { SecretBox } from '../../runtime/tools/index.ts'
import type { AgentIdentityRecord, Store } from '../../store/store.ts'

const settingsJson = (record: AgentIdentityRecord | null): IdentitySettings => ({
  has_secret: Boolean(record?.secret),
  require_identity: record?.requireIdentity ?? false,
  updated_at: record?.updatedAt ?? null,
})

export function ownerIdentityRoutes({ store, secretBox }: { store: Store; secretBox: SecretBox }) {
  return (
    new Hono<OwnerEnv>()
      .get('/agents/:id/identity', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        return c.json(settingsJson(await store.getAgentIdentity(agent.id)), 200)
      })
      .patch('/agents/:id/identity', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const { require_identity } = await readJson(c, UpdateIdentitySchema)
        if (require_identity && !(await store.getAgentIdentity(agent.id))?.secret)
          throw new ApiError(400, 'invalid_request', 'require_identity: create an identity secret first, or no visitor could chat')
        const updated = await store.updateAgentIdentity(agent.id, { requireIdentity: require_identity })
        if (!updated) throw notFound('Agent')
        return c.json(settingsJson(updated), 200)
      })
      // Creates the secret, or replaces it: tokens signed with the old one stop working at once.
      .post('/agents/:id/identity/secret', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const secret = randomToken('pid')
        const updated = await store.updateAgentIdentity(agent.id, { secret: secretBox.seal(secret) })
        if (!updated) throw notFound('Agent')
        const issued: IssuedIdentitySecret = { ...settingsJson(updated), secret }
        return c.json(issued, 201, { 'cache-control': 'no-store' })
      })
      .delete('/agents/:id/identity/secret', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const current = await store.getAgentIdentity(agent.id)
        if (current?.requireIdentity) throw new ApiError(400, 'invalid_request', 'require_identity is on: turn it off before deleting the secret')
        if (!current?.secret) throw notFound('Identity secret')
        await store.updateAgentIdentity(agent.id, { secret: null })
        return c.body(null, 204)
      })
  )
}
