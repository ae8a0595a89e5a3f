/**
 * The public chat API of published agents (compatible with Skill Compose's published-agent API):
 * only the active version, in the `public` session scope, from the agent's allowed origins.
 * A request with a chat key (`Authorization: Bearer key_….SECRET`, servers only) chats in the
 * key's scope instead, under the key's rate limit, whether the agent is public or link-only.
 */
import type { Context } from 'hono'
import { authenticateChatKey } from '../auth/chat-key-auth.ts'
import { clientIp } from '../auth/client-ip.ts'
import { bearer } from '../auth/key-pair.ts'
import { type RateLimits, takePoint } from '../auth/rate-limits.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { agentIdParam } from '../http/ids.ts'
import { publicScope } from '../store/scope.ts'
import { type ChatAccess, type ChatResolver, chatApi, type VisitorApiDeps } from './chat-api.ts'

export type PublishedRoutesDeps = VisitorApiDeps & { limits: RateLimits; trustProxyHops: number }

export function publishedRoutes(deps: PublishedRoutesDeps) {
  const keyAccess = async (c: Context, agentId: string): Promise<ChatAccess> => {
    const { key, published, scope } = await authenticateChatKey(c, deps.store, agentId)
    const admit = () => takePoint([[deps.limits.chatPerKey, key.id]])
    return { published, scope, allowedOrigins: [], requiresPassword: false, locked: false, admit, admitUpload: admit }
  }
  const resolve: ChatResolver = async (c: Context, id: string, purpose) => {
    const agentId = agentIdParam(id, 'Published agent')
    if (purpose !== 'preflight' && bearer(c.req.header('authorization'))?.startsWith('key_')) return keyAccess(c, agentId)
    const published = await deps.store.getPublishedAgent(agentId)
    if (!published) throw notFound('Published agent')
    if (published.agent.access !== 'public') throw new ApiError(403, 'link_only', 'This agent is shared only through its links.')
    return {
      published,
      scope: publicScope(),
      allowedOrigins: published.agent.allowedOrigins,
      requiresPassword: false,
      locked: false,
      admit: () => takePoint([[deps.limits.chatPerIp, `${published.agent.id}|${clientIp(c, deps.trustProxyHops)}`]]),
      // An upload costs a request against the same per-IP limit, so files cannot be pushed faster than messages.
      admitUpload: () => takePoint([[deps.limits.chatPerIp, `${published.agent.id}|${clientIp(c, deps.trustProxyHops)}`]]),
    }
  }
  return chatApi(resolve, deps, (id) => `/api/v1/published/${id}`)
}
