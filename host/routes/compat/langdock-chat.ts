/**
 * Langdock's agent chat, so a Langdock client (or `useChat` pointed at it) works unchanged but
 * for the host name. Matched against Langdock's Agents API docs
 * (docs.langdock.com/api-endpoints/agent/agent and …/agent/agent-models):
 *
 * - `POST /agent/v1/chat/completions` `{agentId, messages: UIMessage[], stream?: false}` →
 *   `stream: false` (the default): the assistant UI message itself, `{id, role: "assistant",
 *   parts}`, no wrapper (Langdock adds `output` only for structured output, which Porch does not
 *   offer); `stream: true`: the AI SDK's UI message stream, the same as `…/ui-chat`
 *   (compat/ui-message-stream.ts). `maxSteps` and `imageResponseFormat` are accepted and
 *   ignored (the agent's own settings rule); `agent` (a temporary agent) and `output`
 *   (structured output) are a 400 naming them: Porch cannot honour them.
 * - `GET /agent/v1/models` → `{object: "list", data: [{id, object: "model", created, owned_by}]}`:
 *   the model ids an agent on this host can use (`model` of `/agent/v1/create`).
 *
 * Who may chat: a chat key (`key_….SECRET`) with its one agent, or an owner key (`own_….SECRET`,
 * any role: Langdock's workspace keys) or the admin token with the agents it reaches. A chat
 * runs in the session scope of its key (`key:<key id>`, `key:admin` for the admin token), so two
 * keys never share a session.
 *
 * Sessions: Langdock resends the whole chat and has no chat id; Porch keeps the history and
 * reads only the last user message (as `…/ui-chat` does). The session is the body's `id` (the
 * chat id `useChat` sends), else the `X-Porch-Session-Id` header, else a new one per request;
 * every reply carries `X-Porch-Session-Id` to send back.
 *
 * Files: a tool's file comes as a `file` part whose URL is
 * `/agent/v1/files/{agentId}/{keyId}/{sessionId}/{fileId}`, a cited upload or pasted text as a
 * `source-url` to `/agent/v1/knowledge/{agentId}/{sourceId}/file` (absolute with
 * PORCH_PUBLIC_URL). As for visitors, the random file or source id is the credential: a plain
 * GET downloads it while the agent is published, and only within its own session and key.
 *
 * Statuses: 400 bad body, 401 no or unknown key, 403 a browser Origin or an agent outside the
 * key's reach, 404 unknown or unpublished agent, 413 body too large, 429 the key's chat rate
 * limit (with Retry-After), 502 the run failed (non-streaming). Error bodies are the host's
 * `{error: {code, message}}`.
 */
import { randomUUID } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { ClientIdSchema, LIMITS, UiChatRequestSchema, UiMessageSchema } from '../../../shared/index.ts'
import { bearer, parseCredential, secretMatches } from '../../auth/key-pair.ts'
import { browserRefused, ownerPrincipal, unauthorized } from '../../auth/owner-auth.ts'
import { visitorIdentity } from '../../auth/visitor-identity.ts'
import { ApiError, errorBody, notFound } from '../../http/errors.ts'
import { knowledgeSourceIdParam, sessionIdParam } from '../../http/ids.ts'
import { readJson } from '../../http/validate.ts'
import { MODEL_SUGGESTIONS, type ModelRegistry } from '../../runtime/providers/index.ts'
import { collectEvents } from '../../runtime/runs/index.ts'
import { plainContentType, safeFilename } from '../../runtime/tools/index.ts'
import { keyScope, type Scope } from '../../store/scope.ts'
import type { PublishedAgent } from '../../store/store.ts'
import { downloadHeaders, type VisitorApiDeps } from '../chat-api.ts'
import { uiChatTurns } from '../ui-chat-turn.ts'
import { compatBodyLimit } from './body-limit.ts'
import { SESSION_HEADER } from './openai.ts'
import { assembleUiMessage } from './ui-message.ts'
import { UiMessageStreamFold } from './ui-message-stream.ts'

export type LangdockChatDeps = VisitorApiDeps & {
  adminTokenHash: string
  models: Pick<ModelRegistry, 'configured'>
  /** Rate limits for a new chat through this key (its id, or `admin`); throws a 429 to refuse it. */
  admitKey?: (keyId: string, agentId: string) => Promise<void>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** The key part of a session scope this API chats in: a chat key's id, an owner key's, or `admin`. */
const KEY_ID = /^(?:(?:key|own)_[A-Za-z0-9_-]{8,32}|admin)$/

/** Langdock's request fields, plus what `useChat` adds (`id`, `trigger`, `messageId`). Unknown fields are ignored, as `useChat`'s extra `body` fields are. */
export const LangdockChatSchema = z.object({
  agentId: z.string().min(1).max(200).optional(),
  agent: z.unknown().optional(),
  messages: z.array(UiMessageSchema).min(1).max(10_000),
  stream: z.boolean().default(false),
  output: z.unknown().optional(),
  maxSteps: z.number().int().min(1).max(20).optional(),
  imageResponseFormat: z.enum(['url', 'b64_json']).optional(),
  id: ClientIdSchema.optional(),
  trigger: UiChatRequestSchema.shape.trigger,
  messageId: UiChatRequestSchema.shape.messageId,
})

/** Who is calling: the agents it may chat with (null: every agent), its session scope, and its key's id (`admin` for the admin token), which its rate limit counts under. */
type Caller = { agentIds: string[] | null; scope: Scope; keyId: string }

const invalid = (message: string) => new ApiError(400, 'invalid_request', message)

export function langdockChatRoutes(deps: LangdockChatDeps) {
  const { store, adminTokenHash, models, admitKey } = deps
  const turns = uiChatTurns(deps)

  async function caller(c: Context): Promise<Caller> {
    if (c.req.header('origin') !== undefined) throw browserRefused()
    const credential = bearer(c.req.header('authorization'))
    if (!credential) throw unauthorized('Send a chat key (KEY.SECRET), an owner key or the admin token as Authorization: Bearer <key>.')
    const chatKey = parseCredential(credential, 'key')
    if (chatKey) {
      const key = await store.getApiKey(chatKey.id)
      if (!key || !secretMatches(chatKey.secret, key.secretHash)) throw unauthorized('The API key is not valid.')
      void store.touchApiKey(key.id)
      return { agentIds: [key.agentId], scope: keyScope(key.id), keyId: key.id }
    }
    const principal = await ownerPrincipal(credential, { adminTokenHash, store })
    if (!principal) throw unauthorized('The API key is not valid.')
    const id = principal.keyId ?? 'admin'
    return { agentIds: principal.agentIds, scope: keyScope(id), keyId: id }
  }

  async function liveAgent(agentId: string): Promise<PublishedAgent> {
    const published = UUID.test(agentId) ? await store.getPublishedAgent(agentId.toLowerCase()) : null
    if (!published) throw notFound('Agent')
    return published
  }

  /** The published agent the body names: 404 unknown or unpublished, then 403 outside the caller's reach. */
  async function publishedFor(who: Caller, agentId: string): Promise<PublishedAgent> {
    const published = await liveAgent(agentId)
    if (who.agentIds !== null && !who.agentIds.includes(published.agent.id)) throw new ApiError(403, 'forbidden', 'This key may not chat with that agent.')
    return published
  }

  function sessionFrom(bodyId: string | undefined, header: string | undefined): string {
    if (bodyId !== undefined) return bodyId
    if (header === undefined) return randomUUID()
    if (!ClientIdSchema.safeParse(header).success) throw invalid(`${SESSION_HEADER}: 1 to ${LIMITS.idChars} letters, digits and . _ : -`)
    return header
  }

  return new Hono()
    .get('/agent/v1/models', async (c) => {
      await caller(c)
      const configured = new Set<string>(models.configured())
      const data = MODEL_SUGGESTIONS.map((id) => ({ id, owned_by: id.split(':')[0]! }))
        .filter((model) => configured.has(model.owned_by))
        .map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.owned_by }))
      return c.json({ object: 'list', data }, 200)
    })
    .post('/agent/v1/chat/completions', compatBodyLimit(LIMITS.uiChatBodyBytes), async (c) => {
      const who = await caller(c)
      const body = await readJson(c, LangdockChatSchema)
      if (body.agent !== undefined)
        throw invalid('agent: temporary agents are not supported; create one with /agent/v1/create, publish it and send its agentId.')
      if (body.output !== undefined) throw invalid('output: structured output is not supported.')
      if (body.agentId === undefined) throw invalid('agentId: required.')
      const published = await publishedFor(who, body.agentId)
      const sessionId = sessionFrom(body.id, c.req.header(SESSION_HEADER))
      // The signed-in user the caller names with a user token, as on the visitor API (required when the agent requires identity).
      const visitor = await visitorIdentity(c, deps, published.agent.id, true)
      const granted = { published, scope: who.scope, visitor, admit: async () => admitKey?.(who.keyId, published.agent.id) }
      const agent = published.agent.id
      const started = await turns.start(granted, body, sessionId, {
        downloadUrl: (session, fileId) => `/agent/v1/files/${agent}/${encodeURIComponent(who.keyId)}/${encodeURIComponent(session)}/${fileId}`,
        knowledgeFileUrl: (sourceId) => `/agent/v1/knowledge/${agent}/${encodeURIComponent(sourceId)}/file`,
      })
      if (body.stream) return turns.stream(c, started.run, { [SESSION_HEADER]: sessionId })

      const fold = new UiMessageStreamFold(turns.absolute)
      const chunks = [...(await collectEvents(started.run, c.req.raw.signal)).flatMap((event) => fold.add(event)), ...fold.end()]
      const { message, error } = assembleUiMessage(chunks)
      c.header(SESSION_HEADER, sessionId)
      if (error !== null) return c.json(errorBody('run_failed', error), 502)
      return c.json(message, 200)
    })
    .get('/agent/v1/files/:agentId/:keyId/:sessionId/:fileId', async (c) => {
      const keyId = c.req.param('keyId')
      const published = await liveAgent(c.req.param('agentId'))
      if (!KEY_ID.test(keyId)) throw notFound('File')
      const session = { agentId: published.agent.id, scope: keyScope(keyId), sessionId: sessionIdParam(c.req.param('sessionId')) }
      const fileId = c.req.param('fileId')
      const file = UUID.test(fileId) ? await store.getFile(session, fileId.toLowerCase()) : null
      if (!file) throw notFound('File')
      return c.body(file.data as Uint8Array<ArrayBuffer>, 200, downloadHeaders(file.contentType, file.size, file.filename))
    })
    .get('/agent/v1/knowledge/:agentId/:sourceId/file', async (c) => {
      const { agent, version } = await liveAgent(c.req.param('agentId'))
      // Only the knowledge of the version the agent answers from: not the draft, not another agent's.
      const file = await store.getKnowledgeFile(agent.id, knowledgeSourceIdParam(c.req.param('sourceId')), version.version)
      if (!file) throw notFound('Knowledge file')
      return c.body(
        file.data as Uint8Array<ArrayBuffer>,
        200,
        downloadHeaders(plainContentType(file.contentType), file.data.byteLength, safeFilename(file.filename)),
      )
    })
}
