/**
 * The public chat API of published agents (compatible with Skill Compose's published-agent API):
 * only the active version, in the `public` session scope, from the agent's allowed origins.
 */
import type { Context } from 'hono'
import { clientIp } from '../auth/client-ip.ts'
import { type RateLimits, takePoint } from '../auth/rate-limits.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { agentIdParam } from '../http/ids.ts'
import { publicScope } from '../store/scope.ts'
import { type ChatApiDeps, type ChatResolver, chatApi } from './chat-api.ts'

export type PublishedRoutesDeps = ChatApiDeps & { limits: RateLimits; trustProxyHops: number }

export function publishedRoutes(deps: PublishedRoutesDeps) {
  const resolve: ChatResolver = async (c: Context, id: string) => {
    const published = await deps.store.getPublishedAgent(agentIdParam(id, 'Published agent'))
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
