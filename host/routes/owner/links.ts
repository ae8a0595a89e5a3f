/** Owner API: share links. The URL token is shown once, at creation or rotation; only its hash is kept. */
import { randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import type { LinkWarning } from '../../../shared/console.ts'
import { CreateLinkSchema, UpdateLinkSchema } from '../../../shared/index.ts'
import { reachableAgent, requireReach } from '../../auth/owner-auth.ts'
import { hashPassword } from '../../auth/passwords.ts'
import { sha256Hex } from '../../auth/secrets.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { notFound } from '../../http/errors.ts'
import { readJson } from '../../http/validate.ts'
import type { AgentRecord, LinkPatch, LinkRecord, Store } from '../../store/store.ts'
import type { WidgetAssets } from '../../widget-assets.ts'
import { embedSnippets } from './snippets.ts'

export type LinkOwnerDeps = { store: Store; assets: WidgetAssets; publicUrl: () => string }

const LINK_ID = /^lnk_[A-Za-z0-9_-]{16}$/

export const linkJson = (link: LinkRecord) => ({
  id: link.id,
  agent_id: link.agentId,
  name: link.name,
  expires_at: link.expiresAt,
  expired: link.expiresAt !== null && Date.parse(link.expiresAt) <= Date.now(),
  has_password: link.passwordHash !== null,
  enabled: link.enabled,
  quota_per_visitor_per_day: link.quotaPerVisitor,
  quota_total: link.quotaTotal,
  used_total: link.usedTotal,
  allowed_origins: link.allowedOrigins,
  created_at: link.createdAt,
  updated_at: link.updatedAt,
})

/** A password protects nothing while the agent's own id opens it too: say so, with the fix. */
export function linkWarnings(agent: AgentRecord, link: LinkRecord): LinkWarning[] {
  if (link.passwordHash === null || agent.access !== 'public') return []
  return [
    {
      code: 'agent_is_public',
      message: `The agent "${agent.name}" is public: anyone with its id can chat without this link's password. Make it link-only to keep the password meaningful.`,
      fix: { method: 'PATCH', path: `/api/v1/agents/${agent.id}`, body: { access: 'link' } },
    },
  ]
}

/** The expiry asked for: a validity from now, an absolute time, null for never, undefined to keep it. */
function expiry(body: { expires_at?: string | null; expires_in_seconds?: number }): string | null | undefined {
  if (body.expires_in_seconds !== undefined) return new Date(Date.now() + body.expires_in_seconds * 1000).toISOString()
  if (body.expires_at === undefined) return undefined
  return body.expires_at === null ? null : new Date(body.expires_at).toISOString()
}

export function ownerLinkRoutes({ store, assets, publicUrl }: LinkOwnerDeps) {
  /** The new URL token with everything an owner pastes: the link URL and the snippets. */
  const withToken = (link: LinkRecord, token: string) => ({ ...linkJson(link), token, ...embedSnippets(publicUrl(), assets, { link: token }) })

  return new Hono<OwnerEnv>()
    .post('/agents/:id/links', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      const body = await readJson(c, CreateLinkSchema)
      const token = randomBytes(32).toString('base64url')
      const link = await store.createLink({
        agentId: agent.id,
        name: body.name,
        tokenHash: sha256Hex(token),
        expiresAt: expiry(body) ?? null,
        passwordHash: body.password ? await hashPassword(body.password) : null,
        enabled: body.enabled,
        quotaPerVisitor: body.quota_per_visitor_per_day ?? null,
        quotaTotal: body.quota_total ?? null,
        allowedOrigins: body.allowed_origins,
      })
      return c.json({ ...withToken(link, token), warnings: linkWarnings(agent, link) }, 201)
    })
    .get('/agents/:id/links', async (c) => {
      const agent = await reachableAgent(store, c, c.req.param('id'))
      return c.json({ links: (await store.listLinks(agent.id)).map(linkJson) }, 200)
    })
    .patch('/links/:id', async (c) => {
      const id = c.req.param('id')
      const existing = LINK_ID.test(id) ? await store.getLink(id) : null
      if (!existing) throw notFound('Link')
      requireReach(c.get('principal'), existing.agentId)
      const body = await readJson(c, UpdateLinkSchema)
      const token = body.rotate_token ? randomBytes(32).toString('base64url') : null
      const patch: LinkPatch = {
        name: body.name,
        enabled: body.enabled,
        allowedOrigins: body.allowed_origins,
        ...(token && { tokenHash: sha256Hex(token) }),
        ...(expiry(body) !== undefined && { expiresAt: expiry(body) }),
        ...(body.password !== undefined && { passwordHash: body.password === null ? null : await hashPassword(body.password) }),
        ...(body.quota_per_visitor_per_day !== undefined && { quotaPerVisitor: body.quota_per_visitor_per_day }),
        ...(body.quota_total !== undefined && { quotaTotal: body.quota_total }),
      }
      const link = await store.updateLink(existing.id, patch)
      const agent = link && (await store.getAgent(link.agentId))
      if (!link || !agent) throw notFound('Link')
      return c.json({ ...(token ? withToken(link, token) : linkJson(link)), warnings: linkWarnings(agent, link) }, 200)
    })
    .delete('/links/:id', async (c) => {
      const id = c.req.param('id')
      const existing = LINK_ID.test(id) ? await store.getLink(id) : null
      if (!existing) throw notFound('Link')
      requireReach(c.get('principal'), existing.agentId)
      await store.deleteLink(existing.id)
      return c.body(null, 204)
    })
}
