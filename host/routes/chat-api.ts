/**
 * The visitor chat API, once, for every way in: a published agent (`/published/{agent_id}`) and
 * a share link (`/links/{token}`) resolve to the same handlers: info, SSE chat, sync chat,
 * stop, session history, and feedback on its answers (feedback.ts). A resolver decides who may chat, in which session scope, from which
 * origins, and what a new message costs (quotas, limits).
 */
import { randomUUID } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { ChatRequestSchema, ClientIdSchema, LIMITS, type PublishedAgentInfo, type SessionHistory, type UploadedAttachment } from '../../shared/index.ts'
import type { RefusalCounter } from '../auth/refusal-counts.ts'
import type { UploadLimits } from '../config.ts'
import { bodyLimit, refusedBodyHeaders } from '../fast-paths/body-limit.ts'
import { runToSse } from '../fast-paths/sse.ts'
import { attachmentDisposition, checkAttachment, overBudget } from '../http/attachments.ts'
import { ApiError, errorBody, notFound } from '../http/errors.ts'
import { knowledgeSourceIdParam, sessionIdParam } from '../http/ids.ts'
import { applyOrigin, preflight, shareWithAllowedOrigin } from '../http/origins.ts'
import { lastEventId, readJson } from '../http/validate.ts'
import { type ChatService, collectSyncReply, withFileUrls } from '../runtime/runs/index.ts'
import { plainContentType, safeFilename } from '../runtime/tools/index.ts'
import type { Scope } from '../store/scope.ts'
import type { PublishedAgent, Store } from '../store/store.ts'
import { utcDay } from '../store/utc-day.ts'
import { feedbackRoutes, toMessageFeedback } from './feedback.ts'
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
}

export const StopRequestSchema = z.object({ request_id: ClientIdSchema })
const FileIdSchema = z.uuid()

/** A chat that no longer exists has no allowlist left to protect: any site may read that it is gone. */
const gone = (error: unknown) => error instanceof ApiError && (error.status === 404 || error.status === 410)

export function chatApi(resolve: ChatResolver, deps: ChatApiDeps, base: (id: string) => string) {
  /** Admits a new message; a refusal by a limit or quota (429) is counted for the owner's analytics. */
  const admit = async (granted: ChatAccess) => {
    try {
      await granted.admit()
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) deps.refusals?.count(granted.published.agent.id)
      throw error
    }
  }
  const { store, chat, heartbeatMs, uploads } = deps
  const access = async (c: Context, purpose: Purpose) => {
    const granted = await resolve(c, c.req.param('id')!, purpose).catch((error: unknown) => {
      if (gone(error) && purpose !== 'download') applyOrigin(c, [])
      throw error
    })
    if (purpose !== 'download') applyOrigin(c, granted.allowedOrigins)
    else shareWithAllowedOrigin(c, granted.allowedOrigins)
    return granted
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

  return new Hono()
    .options('/:id', preflightFor)
    .options('/:id/*', preflightFor)
    .route('/', uiChatRoutes({ ...deps, access, fileUrl, knowledgeFileUrl }))
    .route('/', feedbackRoutes({ store, access }))
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
          }
      return c.json(info, 200)
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
      const key = { agentId, scope: granted.scope, sessionId: sessionIdParam(c.req.param('sessionId')) }
      const session = await store.getSession(key)
      if (!session) throw notFound('Session')
      const withUrls = fileUrl(c.req.param('id'))
      const sourceFileUrl = knowledgeFileUrl(c.req.param('id'))
      const [messages, ratings] = await Promise.all([store.getMessages(key), store.listFeedback(key)])
      const feedbackOf = new Map(ratings.map((rating) => [rating.seq, toMessageFeedback(rating)]))
      const history: SessionHistory = {
        session_id: session.sessionId,
        agent_id: agentId,
        messages: messages.map(({ seq, role, content, status, created_at, sources }) => ({
          role,
          content: content.map((block) => (block.type === 'output_file' ? { ...block, download_url: withUrls(session.sessionId, block.file_id) } : block)),
          status,
          created_at,
          ...(sources && { sources: withFileUrls(sources, sourceFileUrl) }),
          seq,
          ...(feedbackOf.has(seq) && { feedback: feedbackOf.get(seq) }),
        })),
        created_at: session.createdAt,
        updated_at: session.updatedAt,
      }
      return c.json(history, 200)
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
