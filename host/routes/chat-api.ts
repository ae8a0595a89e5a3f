/**
 * The visitor chat API, once, for every way in: a published agent (`/published/{agent_id}`) and
 * a share link (`/links/{token}`) resolve to the same handlers: info, SSE chat, sync chat,
 * stop, and session history. A resolver decides who may chat, in which session scope, from which
 * origins, and what a new message costs (quotas, limits).
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { ChatRequestSchema, ClientIdSchema, HEADERS, type PublishedAgentInfo, type SessionHistory } from '../../shared/index.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { sessionIdParam } from '../http/ids.ts'
import { applyOrigin, preflight } from '../http/origins.ts'
import { runToSse } from '../http/sse.ts'
import { readJson } from '../http/validate.ts'
import { collectSyncReply, type ChatService } from '../runtime/chat.ts'
import type { PublishedAgent, Store } from '../store/store.ts'

export type ChatAccess = {
  published: PublishedAgent
  /** `public` or `link:<id>`: sessions never cross scopes. */
  scope: string
  allowedOrigins: string[]
  requiresPassword: boolean
  /** Runs once per new message (never for a resume): rate limits and quotas; throws to refuse. */
  admit(): Promise<void>
}

/** What a request is for: reading the public info needs less than chatting does. */
export type Purpose = 'preflight' | 'info' | 'chat'

export type ChatResolver = (c: Context, id: string, purpose: Purpose) => Promise<ChatAccess>

export type ChatApiDeps = { store: Store; chat: ChatService; heartbeatMs: number }

const StopRequestSchema = z.object({ request_id: ClientIdSchema })

/** A chat that no longer exists has no allowlist left to protect: any site may read that it is gone. */
const gone = (error: unknown) => error instanceof ApiError && (error.status === 404 || error.status === 410)

export function chatApi(resolve: ChatResolver, { store, chat, heartbeatMs }: ChatApiDeps, base: (id: string) => string) {
  const access = async (c: Context, purpose: Purpose) => {
    const granted = await resolve(c, c.req.param('id')!, purpose).catch((error: unknown) => {
      if (gone(error)) applyOrigin(c, [])
      throw error
    })
    applyOrigin(c, granted.allowedOrigins)
    return granted
  }
  const preflightFor = async (c: Context) => {
    const allowed = await resolve(c, c.req.param('id')!, 'preflight').then(
      (granted) => granted.allowedOrigins,
      (error: unknown) => {
        if (gone(error)) return []
        throw error
      },
    )
    return preflight(c, allowed)
  }

  const requireMode = (granted: ChatAccess, id: string, mode: 'streaming' | 'non_streaming') => {
    const current = granted.published.agent.apiResponseMode
    if (current === mode) return
    const right = mode === 'streaming' ? `${base(id)}/chat/sync` : `${base(id)}/chat`
    throw new ApiError(400, 'wrong_mode', `This agent answers in ${current} mode: POST ${right} instead.`)
  }

  return new Hono()
    .options('/:id', preflightFor)
    .options('/:id/*', preflightFor)
    .get('/:id', async (c) => {
      const granted = await access(c, 'info')
      const { agent, version } = granted.published
      const info: PublishedAgentInfo = {
        id: agent.id,
        name: version.name,
        description: version.agentDescription,
        api_response_mode: agent.apiResponseMode,
        welcome_message: version.config.welcome_message,
        starters: version.config.starters,
        requires_password: granted.requiresPassword,
      }
      return c.json(info, 200)
    })
    .post('/:id/chat', async (c) => {
      const granted = await access(c, 'chat')
      requireMode(granted, c.req.param('id'), 'streaming')
      const request = await readJson(c, ChatRequestSchema)
      const afterId = lastEventId(c.req.header(HEADERS.lastEventId))
      const started = await chat.start({ published: granted.published, scope: granted.scope, request, streaming: true, resumeAfter: afterId, admit: granted.admit })
      return runToSse(started.run, afterId, { heartbeatMs, signal: c.req.raw.signal, headers: Object.fromEntries(c.res.headers) })
    })
    .post('/:id/chat/sync', async (c) => {
      const granted = await access(c, 'chat')
      requireMode(granted, c.req.param('id'), 'non_streaming')
      const request = await readJson(c, ChatRequestSchema)
      const started = await chat.start({ published: granted.published, scope: granted.scope, request, streaming: false, admit: granted.admit })
      return c.json(await collectSyncReply(started.run, started.sessionId, c.req.raw.signal), 200)
    })
    .post('/:id/chat/stop', async (c) => {
      const granted = await access(c, 'chat')
      const { request_id } = await readJson(c, StopRequestSchema)
      if (!chat.stop(granted.published.agent.id, granted.scope, request_id)) throw notFound('Running request')
      return c.body(null, 204)
    })
    .get('/:id/sessions/:sessionId', async (c) => {
      const granted = await access(c, 'chat')
      const agentId = granted.published.agent.id
      const key = { agentId, scope: granted.scope, sessionId: sessionIdParam(c.req.param('sessionId')) }
      const session = await store.getSession(key)
      if (!session) throw notFound('Session')
      const history: SessionHistory = {
        session_id: session.sessionId,
        agent_id: agentId,
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
