/**
 * One turn of a UI message chat, for every route that speaks it (`…/ui-chat` of a published
 * agent or link, and Langdock's `/agent/v1/chat/completions`): the UI messages read into a chat
 * request (the last user message's text, its file parts stored as attachments; or the last
 * answer asked again), the run opened, admitted and started through the one chat service, and
 * the run written as the UI message stream (compat/ui-message-stream.ts).
 */
import { randomUUID } from 'node:crypto'
import type { Context } from 'hono'
import { type ChatRequest, LIMITS, type UiChatRequest, type UiMessagePart, UiMessagePartSchema } from '../../shared/index.ts'
import { runToSse } from '../fast-paths/sse.ts'
import { checkAttachment, overBudget } from '../http/attachments.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { check } from '../http/validate.ts'
import type { Visitor } from '../runtime/agent/index.ts'
import { type RunFeed, type StartedChat, sessionOwnedBy } from '../runtime/runs/index.ts'
import { safeFilename } from '../runtime/tools/index.ts'
import type { SessionKey } from '../store/store.ts'
import { utcDay } from '../store/utc-day.ts'
import type { ChatAccess, ChatApiDeps } from './chat-api.ts'
import { UI_MESSAGE_STREAM_HEADERS, UI_STREAM_DONE, UiMessageStreamFold, uiChunkFrame } from './compat/ui-message-stream.ts'

/** What a turn needs of the caller's access: the version it chats with, its session scope, and its admission. */
export type TurnAccess = Pick<ChatAccess, 'published' | 'scope' | 'admit'> & { visitor?: Visitor | null }

/** The UI chat body as a turn reads it: the messages, and what to do with them. */
export type TurnBody = Pick<UiChatRequest, 'messages' | 'trigger'>

export type TurnUrls = {
  /** The download URL (a path) of a tool's file in a session; absent, files are kept but not announced. */
  downloadUrl?: (sessionId: string, fileId: string) => string
  /** The download URL (a path) of a cited knowledge file; absent, such sources go out without one. */
  knowledgeFileUrl?: (sourceId: string) => string
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

export function uiChatTurns(deps: ChatApiDeps) {
  const { store, chat, heartbeatMs } = deps
  const absolute = (path: string) => `${deps.publicUrl?.() ?? ''}${path}`

  /** The run as a UI message stream response; `headers` join the SDK's own. */
  const stream = (c: Context, run: RunFeed, headers: Record<string, string> = {}) => {
    const fold = new UiMessageStreamFold(absolute)
    return runToSse(
      c,
      run,
      0,
      { heartbeatMs, headers: { ...UI_MESSAGE_STREAM_HEADERS, ...headers } },
      {
        event: ({ event }) => fold.add(event).map(uiChunkFrame).join(''),
        end: () => fold.end().map(uiChunkFrame).join('') + UI_STREAM_DONE,
      },
    )
  }

  /** The request for a new message: the last UI message, its files stored as this session's attachments. */
  async function submitted(granted: TurnAccess, body: TurnBody, session: SessionKey): Promise<ChatRequest> {
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
  async function attachments(granted: TurnAccess, parts: UiMessagePart[], session: SessionKey): Promise<string[]> {
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

  /** Opens, admits and starts the turn the body asks for, in session `sessionId` of the caller's scope. */
  async function start(granted: TurnAccess, body: TurnBody, sessionId: string, urls: TurnUrls): Promise<StartedChat> {
    const session: SessionKey = { agentId: granted.published.agent.id, scope: granted.scope, sessionId }
    // Before the session is read (regenerate) or written (a data: file part is stored in it).
    const stored = await store.getSession(session)
    if (stored && !sessionOwnedBy(stored, granted.visitor?.user.id ?? null)) throw notFound('Session')
    const regenerate = body.trigger === 'regenerate-message' ? await regenerated(session) : null
    // A fresh request_id: the run can be resumed (by the session's running trace) and is kept for a dropped client to come back.
    const request = { ...(regenerate?.request ?? (await submitted(granted, body, session))), request_id: randomUUID() }
    const opened = await chat.open({ published: granted.published, scope: granted.scope, request, streaming: true, visitor: granted.visitor, ...urls })
    if (opened.isNew) await granted.admit()
    if (regenerate) await store.dropMessagesFrom(session, regenerate.fromSeq)
    return opened.start()
  }

  return { start, stream, absolute }
}
