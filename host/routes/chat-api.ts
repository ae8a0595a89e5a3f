/**
 * The visitor chat API, once, for every way in: a published agent (`/published/{agent_id}`) and
 * a share link (`/links/{token}`) resolve to the same handlers: info, SSE chat, sync chat,
 * stop, session history, the session's events (human takeover, session-events.ts), and feedback on its answers (feedback.ts). A resolver decides who may chat, in which session scope, from which
 * origins, and what a new message costs (quotas, limits).
 */
import { randomUUID } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import {
  ChatRequestSchema,
  ClientIdSchema,
  type ConversationList,
  ConversationListQuerySchema,
  LIMITS,
  type PublishedAgentInfo,
  type SessionHistory,
  type UploadedAttachment,
} from '../../shared/index.ts'
import { admitCounted, type RefusalCounter } from '../auth/refusal-counts.ts'
import { identityOf, type Visitor } from '../auth/visitor-identity.ts'
import type { UploadLimits } from '../config.ts'
import { bodyLimit, refusedBodyHeaders } from '../fast-paths/body-limit.ts'
import { runToSse } from '../fast-paths/sse.ts'
import { attachmentDisposition, checkAttachment, overBudget } from '../http/attachments.ts'
import { ApiError, errorBody, notFound } from '../http/errors.ts'
import { knowledgeSourceIdParam, sessionIdParam } from '../http/ids.ts'
import { applyOrigin, preflight, shareWithAllowedOrigin } from '../http/origins.ts'
import { lastEventId, readJson, readQuery } from '../http/validate.ts'
import { type ChatService, collectSyncReply, sessionOwnedBy, withFileUrls } from '../runtime/runs/index.ts'
import type { SessionEventBus } from '../runtime/takeover/index.ts'
import { plainContentType, type SecretBox, safeFilename } from '../runtime/tools/index.ts'
import type { Scope } from '../store/scope.ts'
import { InvalidCursorError, type PublishedAgent, type Store } from '../store/store.ts'
import { utcDay } from '../store/utc-day.ts'
import { feedbackRoutes, toMessageFeedback } from './feedback.ts'
import { type EventStreamLimits, sessionEventsToSse } from './session-events.ts'
import { uiChatRoutes } from './ui-chat.ts'

export type ChatAccess = {
  published: PublishedAgent
  /** `public` or `link:<id>`: sessions never cross scopes. */
  scope: Scope
  allowedOrigins: string[]
  requiresPassword: boolean
  /**
   * A password link whose visitor has not shown a valid visitor token: its info answers only
   * what the password form needs, never the agent's id (which may open a public agent without
   * the password), its welcome message or its starters.
   */
  locked: boolean
  /**
   * Rate limits and quotas; throws to refuse. The chat routes call it once per new message,
   * between `chat.open` (body and attachments checked) and `start`; never for a resume.
   */
  admit(): Promise<void>
  /** Runs once per attachment upload: rate limits (an upload is not a message, so no quota). */
  admitUpload(): Promise<void>
}

/**
 * What a request is for: reading the public info needs less than chatting does. A download
 * needs only a live chat: the file's random id, shown only in its session, is the credential,
 * so a plain link (no Origin, no Authorization header) can fetch it. The same holds for a cited
 * knowledge file: its source's random id is shown only in answers that cite it, and only a
 * source the serving version searches is served.
 */
export type Purpose = 'preflight' | 'info' | 'chat' | 'download'

export type ChatResolver = (c: Context, id: string, purpose: Purpose) => Promise<ChatAccess>

/** What a visitor's request may do, and who they are: the verified user of their token, or null (anonymous). */
export type VisitorAccess = ChatAccess & { visitor: Visitor | null; requireIdentity: boolean }

export type ChatApiDeps = {
  store: Store
  /** Counts messages refused by a limit, for analytics (absent: not counted). */
  refusals?: RefusalCounter
  chat: ChatService
  heartbeatMs: number
  /** The bytes visitors' attachments may take per session and per agent per UTC day. */
  uploads: Pick<UploadLimits, 'sessionBytes' | 'agentDayBytes'>
  /** The host's public base URL, which makes the UI chat stream's file URLs absolute (else they stay paths). */
  publicUrl?: () => string
  /** A session's events (human takeover), followed at …/sessions/{session_id}/events; without them that route answers 404. */
  sessionEvents?: VisitorSessionEvents
}

export type VisitorSessionEvents = {
  bus: SessionEventBus
  streams: EventStreamLimits
  /** Whose streams are counted together: the client's IP. */
  client: (c: Context) => string
  log: (message: string, error: unknown) => void
}

/** The visitor chat API's needs: the chat's, and the key that opens agents' sealed identity secrets (signed visitor identity). */
export type VisitorApiDeps = ChatApiDeps & { secretBox: SecretBox }

export const StopRequestSchema = z.object({ request_id: ClientIdSchema })
const FileIdSchema = z.uuid()

/** A chat that no longer exists has no allowlist left to protect: any site may read that it is gone. */
const gone = (error: unknown) => error instanceof ApiError && (error.status === 404 || error.status === 410)

export function chatApi(resolve: ChatResolver, deps: VisitorApiDeps, base: (id: string) => string) {
  /** Admits a new message; a refusal by a limit or quota (429) is counted for the owner's analytics. */
  const admit = (granted: ChatAccess) => admitCounted(deps.refusals, granted.published.agent.id, granted.admit)
  const { store, chat, heartbeatMs, uploads } = deps
  const access = async (c: Context, purpose: Purpose): Promise<VisitorAccess> => {
    const granted = await resolve(c, c.req.param('id')!, purpose).catch((error: unknown) => {
      if (gone(error) && purpose !== 'download') applyOrigin(c, [])
      throw error
    })
    if (purpose !== 'download') applyOrigin(c, granted.allowedOrigins)
    else shareWithAllowedOrigin(c, granted.allowedOrigins)
    // After the CORS headers, so the widget can read why it was refused. A download (a plain
    // link, no header) is not refused for want of a token; a token it does carry is checked.
    const { visitor, requireIdentity } = await identityOf(c, deps, granted.published.agent.id, purpose !== 'download')
    return { ...granted, visitor, requireIdentity }
  }
  /** The visitor's session of that id, if it exists and is theirs: a verified user's sessions are nobody else's, anonymous ones no user's. */
  const ownSession = async (granted: VisitorAccess, sessionId: string) => {
    const key = { agentId: granted.published.agent.id, scope: granted.scope, sessionId }
    const session = await store.getSession(key)
    const mine = session !== null && sessionOwnedBy(session, granted.visitor?.user.id ?? null)
    return { key, session: mine ? session : null, foreign: session !== null && !mine }
  }
  const fileUrl = (id: string) => (sessionId: string, fileId: string) => `${base(id)}/sessions/${encodeURIComponent(sessionId)}/files/${fileId}`
  const knowledgeFileUrl = (id: string) => (sourceId: string) => `${base(id)}/knowledge/${encodeURIComponent(sourceId)}/file`
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

  return (
    new Hono()
      .options('/:id', preflightFor)
      .options('/:id/*', preflightFor)
      .route('/', uiChatRoutes({ ...deps, access, ownSession, fileUrl, knowledgeFileUrl }))
      .route('/', feedbackRoutes({ store, access, ownSession }))
      .get('/:id', async (c) => {
        const granted = await access(c, 'info')
        const { agent, version } = granted.published
        // Every field stays (old widgets read them), empty until the password is given.
        const info: PublishedAgentInfo = granted.locked
          ? {
              id: '',
              name: version.name,
              description: '',
              api_response_mode: agent.apiResponseMode,
              welcome_message: '',
              starters: [],
              requires_password: true,
              accepts_attachments: false,
            }
          : {
              id: agent.id,
              name: version.name,
              description: version.agentDescription,
              api_response_mode: agent.apiResponseMode,
              welcome_message: version.config.welcome_message,
              starters: version.config.starters,
              requires_password: granted.requiresPassword,
              accepts_attachments: version.config.attachments,
              requires_identity: granted.requireIdentity,
            }
        return c.json(info, 200)
      })
      // A verified user's conversations with this agent in this scope (published, link, key), newest first.
      .get('/:id/conversations', async (c) => {
        const granted = await access(c, 'chat')
        if (!granted.visitor) throw new ApiError(401, 'identity_required', 'Only a signed-in user has conversations to list: send a user token.')
        const query = readQuery(c, ConversationListQuerySchema)
        const rows = await store
          .listSessions(granted.published.agent.id, { limit: query.limit + 1, scope: granted.scope, userId: granted.visitor.user.id, after: query.cursor })
          .catch((error: unknown) => {
            if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid_request', 'cursor: is not a next_cursor from this API')
            throw error
          })
        const page = rows.slice(0, query.limit)
        const list: ConversationList = {
          conversations: page.map((row) => ({
            session_id: row.sessionId,
            preview: row.preview,
            message_count: row.messageCount,
            created_at: row.createdAt,
            updated_at: row.updatedAt,
          })),
          next_cursor: rows.length > query.limit ? page.at(-1)!.cursor : null,
        }
        return c.json(list, 200)
      })
      .post('/:id/chat', async (c) => {
        const granted = await access(c, 'chat')
        requireMode(granted, c.req.param('id'), 'streaming')
        const request = await readJson(c, ChatRequestSchema)
        const afterId = lastEventId(c)
        const opened = await chat.open({
          published: granted.published,
          scope: granted.scope,
          request,
          streaming: true,
          resumeAfter: afterId,
          visitor: granted.visitor,
          downloadUrl: fileUrl(c.req.param('id')),
          knowledgeFileUrl: knowledgeFileUrl(c.req.param('id')),
        })
        // Admission (rate limits, link quotas): once per new message, after its body and attachments passed; never for a resume.
        if (opened.isNew) await admit(granted)
        const started = await opened.start()
        return runToSse(c, started.run, afterId, { heartbeatMs })
      })
      .post('/:id/chat/sync', async (c) => {
        const granted = await access(c, 'chat')
        requireMode(granted, c.req.param('id'), 'non_streaming')
        const request = await readJson(c, ChatRequestSchema)
        const opened = await chat.open({
          published: granted.published,
          scope: granted.scope,
          request,
          streaming: false,
          visitor: granted.visitor,
          downloadUrl: fileUrl(c.req.param('id')),
          knowledgeFileUrl: knowledgeFileUrl(c.req.param('id')),
        })
        // Admission, as for the stream: once per new message, never for a resume.
        if (opened.isNew) await admit(granted)
        const started = await opened.start()
        return c.json(await collectSyncReply(started.run, started.sessionId, c.req.raw.signal), 200)
      })
      .post('/:id/chat/stop', async (c) => {
        const granted = await access(c, 'chat')
        const { request_id } = await readJson(c, StopRequestSchema)
        if (!(await chat.stop(granted.published.agent.id, granted.scope, request_id))) throw notFound('Running request')
        return c.body(null, 204)
      })
      .get('/:id/sessions/:sessionId', async (c) => {
        const granted = await access(c, 'chat')
        const agentId = granted.published.agent.id
        const { key, session } = await ownSession(granted, sessionIdParam(c.req.param('sessionId')))
        if (!session) throw notFound('Session')
        const withUrls = fileUrl(c.req.param('id'))
        const sourceFileUrl = knowledgeFileUrl(c.req.param('id'))
        // The last event id is read before the messages: following the events from it may show a message twice, never miss one.
        const [lastEventId, takeover] = await Promise.all([store.lastSessionEventId(key), store.getTakeover(key)])
        const [messages, ratings] = await Promise.all([store.getMessages(key), store.listFeedback(key)])
        const feedbackOf = new Map(ratings.map((rating) => [rating.seq, toMessageFeedback(rating)]))
        const history: SessionHistory = {
          session_id: session.sessionId,
          agent_id: agentId,
          messages: messages.map(({ seq, role, content, status, created_at, sources, author }) => ({
            role,
            content: content.map((block) => (block.type === 'output_file' ? { ...block, download_url: withUrls(session.sessionId, block.file_id) } : block)),
            status,
            created_at,
            ...(sources && { sources: withFileUrls(sources, sourceFileUrl) }),
            seq,
            ...(feedbackOf.has(seq) && { feedback: feedbackOf.get(seq) }),
            ...(author && { author }),
          })),
          created_at: session.createdAt,
          updated_at: session.updatedAt,
          ...(takeover && { takeover: { name: takeover.name, since: takeover.since } }),
          last_event_id: lastEventId,
        }
        return c.json(history, 200)
      })
      .get('/:id/sessions/:sessionId/events', async (c) => {
        // Scoped exactly like the history: only the session the visitor owns (scope, session id and user).
        const granted = await access(c, 'chat')
        const { key, session } = await ownSession(granted, sessionIdParam(c.req.param('sessionId')))
        const afterId = lastEventId(c)
        if (!deps.sessionEvents || !session) throw notFound('Session')
        const { bus, streams, client, log } = deps.sessionEvents
        const slot = streams.acquire(`${key.agentId}|${client(c)}`)
        return sessionEventsToSse(c, { store, events: bus, key, afterId, heartbeatMs, slot, log })
      })
      .post(
        '/:id/sessions/:sessionId/attachments',
        bodyLimit({
          maxSize: LIMITS.attachmentBytes,
          onError: (c) =>
            c.json(errorBody('payload_too_large', `Attachments may be at most ${LIMITS.attachmentBytes / 1024 / 1024} MiB.`), 413, refusedBodyHeaders(c)),
        }),
        async (c) => {
          const granted = await access(c, 'chat')
          if (!granted.published.version.config.attachments) throw new ApiError(400, 'attachments_disabled', 'This agent does not accept attachments.')
          const sessionId = sessionIdParam(c.req.param('sessionId'))
          if ((await ownSession(granted, sessionId)).foreign) throw notFound('Session')
          const filename = safeFilename(c.req.query('filename') ?? '', 'attachment')
          await granted.admitUpload()
          const data = new Uint8Array(await c.req.arrayBuffer())
          const contentType = checkAttachment(c.req.header('content-type'), data)
          // Stored as unused until a message names it (the upload sweep deletes it otherwise), and only within the budgets.
          const now = Date.now()
          const budget = { sessionBytes: uploads.sessionBytes, agentDayBytes: uploads.agentDayBytes, day: utcDay(now) }
          const outcome = await store.saveAttachment(
            { id: randomUUID(), agentId: granted.published.agent.id, scope: granted.scope, sessionId, filename, contentType, size: data.byteLength, data },
            budget,
          )
          if (outcome.kind !== 'saved') throw overBudget(outcome, budget, now)
          const { file } = outcome
          const uploaded: UploadedAttachment = { file_id: file.id, filename: file.filename, size: file.size, content_type: file.contentType }
          return c.json(uploaded, 201)
        },
      )
      .get('/:id/knowledge/:sourceId/file', async (c) => {
        const granted = await access(c, 'download')
        const { agent, version } = granted.published
        // Only the knowledge of the version this chat answers from: not the draft, not another agent's.
        const file = await store.getKnowledgeFile(agent.id, knowledgeSourceIdParam(c.req.param('sourceId')), version.version)
        if (!file) throw notFound('Knowledge file')
        return c.body(
          file.data as Uint8Array<ArrayBuffer>,
          200,
          downloadHeaders(plainContentType(file.contentType), file.data.byteLength, safeFilename(file.filename)),
        )
      })
      .get('/:id/sessions/:sessionId/files/:fileId', async (c) => {
        const granted = await access(c, 'download')
        const key = { agentId: granted.published.agent.id, scope: granted.scope, sessionId: sessionIdParam(c.req.param('sessionId')) }
        const fileId = c.req.param('fileId')
        const file = FileIdSchema.safeParse(fileId).success ? await store.getFile(key, fileId) : null
        if (!file) throw notFound('File')
        return c.body(file.data as Uint8Array<ArrayBuffer>, 200, downloadHeaders(file.contentType, file.size, file.filename))
      })
  )
}

/** A visitor's download: saved, never rendered; whatever the file holds, it never runs as a page of this host. */
export const downloadHeaders = (contentType: string, size: number, filename: string) => ({
  'Content-Type': contentType.startsWith('text/') && !contentType.includes('charset') ? `${contentType}; charset=utf-8` : contentType,
  'Content-Length': String(size),
  'Content-Disposition': attachmentDisposition(filename),
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cache-Control': 'private, max-age=3600',
})
