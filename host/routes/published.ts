/**
 * The public chat API (compatible with Skill Compose's published-agent API). It runs only the
 * active version of a published agent, in the `public` session scope.
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { ChatRequestSchema, ClientIdSchema, HEADERS, type PublishedAgentInfo, type SessionHistory } from '../../shared/index.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { agentIdParam, sessionIdParam } from '../http/ids.ts'
import { runToSse } from '../http/sse.ts'
import { readJson } from '../http/validate.ts'
import { collectSyncReply, type ChatService } from '../runtime/chat.ts'
import type { PublishedAgent, Store } from '../store/store.ts'

export type PublishedRoutesDeps = { store: Store; chat: ChatService; heartbeatMs: number }

const SCOPE = 'public'

const StopRequestSchema = z.object({ request_id: ClientIdSchema })

export function publishedRoutes({ store, chat, heartbeatMs }: PublishedRoutesDeps) {
  const loadPublished = async (c: Context): Promise<PublishedAgent> => {
    const published = await store.getPublishedAgent(agentIdParam(c.req.param('agentId')!, 'Published agent'))
    if (!published) throw notFound('Published agent')
    if (published.agent.access !== 'public') {
      throw new ApiError(403, 'link_only', 'This agent is shared only through its links.')
    }
    return published
  }

  const requireMode = (published: PublishedAgent, mode: 'streaming' | 'non_streaming') => {
    if (published.agent.apiResponseMode === mode) return
    const base = `/api/v1/published/${published.agent.id}`
    const right = mode === 'streaming' ? `${base}/chat/sync` : `${base}/chat`
    throw new ApiError(400, 'wrong_mode', `This agent answers in ${published.agent.apiResponseMode} mode: POST ${right} instead.`)
  }

  return new Hono()
    .get('/published/:agentId', async (c) => {
      const { agent, version } = await loadPublished(c)
      const info: PublishedAgentInfo = {
        id: agent.id,
        name: version.name,
        description: version.agentDescription,
        api_response_mode: agent.apiResponseMode,
        welcome_message: version.config.welcome_message,
        starters: version.config.starters,
        requires_password: false,
      }
      return c.json(info, 200)
    })
    .post('/published/:agentId/chat', async (c) => {
      const published = await loadPublished(c)
      requireMode(published, 'streaming')
      const request = await readJson(c, ChatRequestSchema)
      const afterId = lastEventId(c.req.header(HEADERS.lastEventId))
      const started = await chat.start({ published, scope: SCOPE, request, streaming: true, resumeAfter: afterId })
      return runToSse(started.run, afterId, { heartbeatMs, signal: c.req.raw.signal })
    })
    .post('/published/:agentId/chat/sync', async (c) => {
      const published = await loadPublished(c)
      requireMode(published, 'non_streaming')
      const request = await readJson(c, ChatRequestSchema)
      const started = await chat.start({ published, scope: SCOPE, request, streaming: false })
      return c.json(await collectSyncReply(started.run, started.sessionId, c.req.raw.signal), 200)
    })
    .post('/published/:agentId/chat/stop', async (c) => {
      const { agent } = await loadPublished(c)
      const { request_id } = await readJson(c, StopRequestSchema)
      if (!chat.stop(agent.id, SCOPE, request_id)) throw notFound('Running request')
      return c.body(null, 204)
    })
    .get('/published/:agentId/sessions/:sessionId', async (c) => {
      const { agent } = await loadPublished(c)
      const key = { agentId: agent.id, scope: SCOPE, sessionId: sessionIdParam(c.req.param('sessionId')) }
      const session = await store.getSession(key)
      if (!session) throw notFound('Session')
      const history: SessionHistory = {
        session_id: session.sessionId,
        agent_id: agent.id,
        messages: (await store.getMessages(key)).map(({ role, content, status, created_at }) => ({ role, content, status, created_at })),
        created_at: session.createdAt,
        updated_at: session.updatedAt,
      }
      return c.json(history, 200)
    })
}

function lastEventId(header: string | undefined): number {
  if (header === undefined || header.trim() === '') return 0
  if (!/^\d{1,9}$/.test(header.trim())) throw new ApiError(400, 'invalid_request', `${HEADERS.lastEventId} must be a whole number`)
  return Number(header.trim())
}
