/**
 * The Vercel AI SDK's chat transport on the visitor API: `POST {base}/ui-chat` takes what
 * `useChat` (DefaultChatTransport) sends and answers the UI message stream
 * (compat/ui-message-stream.ts); `GET {base}/ui-chat/{chatId}/stream` resumes it
 * (`useChat({resume: true})`) and `POST {base}/ui-chat/{chatId}/stop` stops it. `{base}` is a
 * published agent or a share link; each runs through the same chat service as `…/chat`, with its
 * resolver's auth, origins, rate limits and quotas. The chat id is Porch's session id; Porch
 * keeps the history, so only the last user message is read.
 */
import { type Context, Hono } from 'hono'
import { LIMITS, UiChatRequestSchema } from '../../shared/index.ts'
import { bodyLimit, refusedBodyHeaders } from '../fast-paths/body-limit.ts'
import { errorBody, notFound } from '../http/errors.ts'
import { sessionIdParam } from '../http/ids.ts'
import { readJson } from '../http/validate.ts'
import type { SessionKey } from '../store/store.ts'
import type { ChatApiDeps, Purpose, VisitorAccess } from './chat-api.ts'
import { uiChatTurns } from './ui-chat-turn.ts'

export type UiChatDeps = ChatApiDeps & {
  access: (c: Context, purpose: Purpose) => Promise<VisitorAccess>
  /** The session if it is the visitor's (`foreign`: another user's, or a user's to an anonymous visitor). */
  ownSession: (granted: VisitorAccess, sessionId: string) => Promise<{ key: SessionKey; foreign: boolean }>
  /** The visitor download URL (a path) of a file in a session of this agent or link. */
  fileUrl: (id: string) => (sessionId: string, fileId: string) => string
  /** The visitor download URL (a path) of a cited knowledge file of this agent or link. */
  knowledgeFileUrl: (id: string) => (sourceId: string) => string
}

export function uiChatRoutes(deps: UiChatDeps) {
  const { chat, access, ownSession, fileUrl, knowledgeFileUrl } = deps
  /** The chat id as a session id, refused as unknown when the session is someone else's. */
  const ownChat = async (granted: VisitorAccess, chatId: string) => {
    const sessionId = sessionIdParam(chatId)
    if ((await ownSession(granted, sessionId)).foreign) throw notFound('Session')
    return sessionId
  }
  const turns = uiChatTurns(deps)

  return new Hono()
    .post(
      '/:id/ui-chat',
      bodyLimit({
        maxSize: LIMITS.uiChatBodyBytes,
        onError: (c) => c.json(errorBody('payload_too_large', `The body is larger than ${LIMITS.uiChatBodyBytes} bytes.`), 413, refusedBodyHeaders(c)),
      }),
      async (c) => {
        const granted = await access(c, 'chat')
        const body = await readJson(c, UiChatRequestSchema)
        // turns.start refuses another user's session before it reads or writes it.
        const sessionId = sessionIdParam(body.id)
        const id = c.req.param('id')
        const started = await turns.start(granted, body, sessionId, { downloadUrl: fileUrl(id), knowledgeFileUrl: knowledgeFileUrl(id) })
        return turns.stream(c, started.run)
      },
    )
    .get('/:id/ui-chat/:chatId/stream', async (c) => {
      const granted = await access(c, 'chat')
      const sessionId = await ownChat(granted, c.req.param('chatId'))
      const run = await chat.running(granted.published.agent.id, granted.scope, sessionId)
      return run ? turns.stream(c, run) : c.body(null, 204)
    })
    .post('/:id/ui-chat/:chatId/stop', async (c) => {
      const granted = await access(c, 'chat')
      const sessionId = await ownChat(granted, c.req.param('chatId'))
      if (!(await chat.stopSession(granted.published.agent.id, granted.scope, sessionId))) throw notFound('Running request')
      return c.body(null, 204)
    })
}
