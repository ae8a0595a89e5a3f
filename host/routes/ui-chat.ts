/**
 * The Vercel AI SDK's chat transport on the visitor API: `POST {base}/ui-chat` takes what
 * `useChat` (DefaultChatTransport) sends and answers the UI message stream
 * (compat/ui-message-stream.ts); `GET {base}/ui-chat/{chatId}/stream` resumes it
 * (`useChat({resume: true})`) and `POST {base}/ui-chat/{chatId}/stop` stops it. `{base}` is a
 * published agent or a share link; each runs through the same chat service as `…/chat`, with its
 * resolver's auth, origins, rate limits and quotas. The chat id is Porch's session id; Porch
 * keeps the history, so only the last user message is read.
 */
import { randomUUID } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { type ChatRequest, LIMITS, type UiChatRequest, UiChatRequestSchema, type UiMessagePart, UiMessagePartSchema } from '../../shared/index.ts'
import { bodyLimit, refusedBodyHeaders } from '../fast-paths/body-limit.ts'
import { runToSse } from '../fast-paths/sse.ts'
import { checkAttachment, overBudget } from '../http/attachments.ts'
import { ApiError, errorBody, notFound } from '../http/errors.ts'
import { sessionIdParam } from '../http/ids.ts'
import { check, readJson } from '../http/validate.ts'
import type { RunFeed } from '../runtime/runs/index.ts'
import { safeFilename } from '../runtime/tools/index.ts'
import type { SessionKey } from '../store/store.ts'
import { utcDay } from '../store/utc-day.ts'
import type { ChatAccess, ChatApiDeps, Purpose } from './chat-api.ts'
import { UI_MESSAGE_STREAM_HEADERS, UI_STREAM_DONE, UiMessageStreamFold, uiChunkFrame } from './compat/ui-message-stream.ts'

export type UiChatDeps = ChatApiDeps & {
  access: (c: Context, purpose: Purpose) => Promise<ChatAccess>
  /** The visitor download URL (a path) of a file in a session of this agent or link. */
  fileUrl: (id: string) => (sessionId: string, fileId: string) => string
  /** The visitor download URL (a path) of a cited knowledge file of this agent or link. */
  knowledgeFileUrl: (id: string) => (sourceId: string) => string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/

const invalid = (message: string) => new ApiError(400, 'invalid_request', message)

function percentDecoded(payload: string): Uint8Array {
  try {
    return new TextEncoder().encode(decodeURIComponent(payload))
  } catch {
    throw invalid('messages: a file part’s data: URL is not correctly percent-encoded.')
  }
}

export function uiChatRoutes(deps: UiChatDeps) {
  const { store, chat, access, fileUrl, knowledgeFileUrl, heartbeatMs } = deps
  const absolute = (path: string) => `${deps.publicUrl?.() ?? ''}${path}`

  const stream = (c: Context, run: RunFeed) => {
    const fold = new UiMessageStreamFold(absolute)
    return runToSse(
      c,
      run,
      0,
      { heartbeatMs, headers: UI_MESSAGE_STREAM_HEADERS },
      {
        event: ({ event }) => fold.add(event).map(uiChunkFrame).join(''),
        end: () => fold.end().map(uiChunkFrame).join('') + UI_STREAM_DONE,
      },
    )
  }

  /** The request for a new message: the last UI message, its files stored as this session's attachments. */
  async function submitted(granted: ChatAccess, body: UiChatRequest, session: SessionKey): Promise<ChatRequest> {
    const last = body.messages.at(-1)
    if (last?.role !== 'user') throw invalid('messages: the last message must be the user’s new message (role "user").')
    const parts = check(UiMessagePartSchema.array(), last.parts)
    const text = parts.flatMap((part) => (part.type === 'text' && part.text ? [part.text] : [])).join('\n')
    if (text.trim() === '') throw invalid('messages: the last user message has no text.')
    if (text.length > LIMITS.requestChars) throw invalid(`messages: the last user message is longer than ${LIMITS.requestChars} characters.`)
    const files = parts.filter((part) => part.type === 'file')
    return { request: text, session_id: session.sessionId, ...(files.length > 0 && { attachments: await attachments(granted, files, session) }) }
  }

  /**
   * File parts as attachment ids: an upload's `file_id` as is, a `data:` URL checked and stored
   * like an upload. Every part is checked before any is stored, so a bad one stores nothing.
   */
  async function attachments(granted: ChatAccess, parts: UiMessagePart[], session: SessionKey): Promise<string[]> {
    if (!granted.published.version.config.attachments) throw new ApiError(400, 'attachments_disabled', 'This agent does not accept attachments.')
    if (parts.length > LIMITS.attachmentsPerMessage) throw invalid(`messages: at most ${LIMITS.attachmentsPerMessage} files per message.`)
    const decoded = parts.map((part) => {
      const url = part.url ?? ''
      if (UUID.test(url)) return { id: url.toLowerCase(), file: undefined }
      const match = DATA_URL.exec(url)
      if (!match) throw invalid('messages: a file part’s url must be a data: URL or the file_id of an upload to this session.')
      const payload = url.slice(match[0].length)
      const base64 = match[2]!.split(';').includes('base64')
      const data = base64 ? new Uint8Array(Buffer.from(payload, 'base64')) : percentDecoded(payload)
      const contentType = checkAttachment(part.mediaType ?? match[1], data)
      return { id: undefined, file: { filename: safeFilename(part.filename ?? '', 'attachment'), contentType, data } }
    })
    const ids: string[] = []
    for (const item of decoded) {
      if (item.id !== undefined) {
        ids.push(item.id)
        continue
      }
      const now = Date.now()
      const budget = { sessionBytes: deps.uploads.sessionBytes, agentDayBytes: deps.uploads.agentDayBytes, day: utcDay(now) }
      const file = item.file!
      const outcome = await store.saveAttachment({ id: randomUUID(), ...session, ...file, size: file.data.byteLength }, budget)
      if (outcome.kind !== 'saved') throw overBudget(outcome, budget, now)
      ids.push(outcome.file.id)
    }
    return ids
  }

  /** The session's last user message, asked again: its request, and the number its turn starts at (dropped before the new run). */
  async function regenerated(session: SessionKey): Promise<{ request: ChatRequest; fromSeq: number }> {
    const last = (await store.getMessages(session)).findLast((message) => message.role === 'user')
    if (!last) throw invalid('regenerate-message: this chat has no message to answer again.')
    const text = last.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n')
    const ids = last.content.flatMap((block) => (block.type === 'attachment' ? [block.file_id] : []))
    return { request: { request: text, session_id: session.sessionId, ...(ids.length > 0 && { attachments: ids }) }, fromSeq: last.seq }
  }

  const sessionOf = (granted: ChatAccess, chatId: string): SessionKey => ({
    agentId: granted.published.agent.id,
    scope: granted.scope,
    sessionId: sessionIdParam(chatId),
  })

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
        const session = sessionOf(granted, body.id)
        const regenerate = body.trigger === 'regenerate-message' ? await regenerated(session) : null
        // A fresh request_id: the run can be resumed (by the session's running trace) and is kept for a dropped client to come back.
        const request = { ...(regenerate?.request ?? (await submitted(granted, body, session))), request_id: randomUUID() }
        const id = c.req.param('id')
        const opened = await chat.open({
          published: granted.published,
          scope: granted.scope,
          request,
          streaming: true,
          downloadUrl: fileUrl(id),
          knowledgeFileUrl: knowledgeFileUrl(id),
        })
        if (opened.isNew) await granted.admit()
        if (regenerate) await store.dropMessagesFrom(session, regenerate.fromSeq)
        const started = await opened.start()
        return stream(c, started.run)
      },
    )
    .get('/:id/ui-chat/:chatId/stream', async (c) => {
      const granted = await access(c, 'chat')
      const run = await chat.running(granted.published.agent.id, granted.scope, sessionIdParam(c.req.param('chatId')))
      return run ? stream(c, run) : c.body(null, 204)
    })
    .post('/:id/ui-chat/:chatId/stop', async (c) => {
      const granted = await access(c, 'chat')
      if (!(await chat.stopSession(granted.published.agent.id, granted.scope, sessionIdParam(c.req.param('chatId'))))) throw notFound('Running request')
      return c.body(null, 204)
    })
}
