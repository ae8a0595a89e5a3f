/**
 * Auto Agents compat, with a chat API key (`Authorization: Bearer KEY.SECRET`), so Auto Agents
 * clients work against Porch unchanged but for the host name. The official SDKs
 * (AutoAgents-Algorithm-Group's Python `ChatClient` and the TypeScript `AgentClient`) call the
 * plural paths; the singular one is Porch's first spelling, kept:
 *   POST /openapi/agents/chat/completions/v1  (and /openapi/agent/chat/completions/v1): one reply
 *   POST /openapi/agents/chat/stream/v1: the Auto Agents stream
 *
 * Request: `{agentId, chatId?, userChatInput, stream?, images?, files?, state?, buttonKey?,
 * debug?}`. `chatId` is the Porch session id in the key's scope (`key:<key id>`); absent, null
 * or "" starts a new conversation. `images: [{url}]` become attachments when the agent accepts
 * them (auto-agents-images.ts), and are ignored when it does not; `files` (ids of files uploaded
 * to Auto Agents' own storage), `state`, `buttonKey`, `debug` and any other field are accepted
 * and ignored, never refused.
 *
 * Reply (`stream` not true): `{chatId, choices:[{role:"assistant", content}], usage:{prompt_tokens,
 * completion_tokens, total_tokens}}`; a run that fails answers 502 with the error body, its
 * `details.chatId` naming the conversation (the question is kept in it).
 *
 * Completions with `stream: true`: SSE `data:` chunks in the OpenAI manner, every one naming the chatId:
 *   data: {"chatId":"…","choices":[{"index":0,"delta":{"role":"assistant","content":"…"},"finish_reason":null}]}
 *   data: {"chatId":"…","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{…}}
 *   data: [DONE]
 * A failure after the stream opened sends `data: {"chatId":"…","error":{"code","message"}}` and
 * closes without [DONE].
 *
 * The stream path answers as the SDKs read it: every chunk `data: {chatId, content,
 * reasoningContent, complete, finish}`, where `content` is the next piece of the answer,
 * `complete: true` closes a reply bubble and `finish: true` ends the conversation turn; the
 * SDKs stop reading at `finish` (the older Python client at `complete` or `finish`). Matched
 * against the official clients' readers: autoagentsai `api/ChatAPI.py` `chat_stream_api`
 * (yields content, reasoning_content, chat_id, complete, finish per chunk; returns on finish)
 * and AutoAgents-Python `client/chat_client.py` `chat_stream`. A Porch answer is one bubble
 * (tool turns joined by a blank line, as in the whole reply), so the stream is the content
 * chunks and then one chunk with `complete` and `finish` both true. Porch's runs carry no
 * reasoning, so `reasoningContent` is always "". A failure after the stream opened sends
 * `{chatId, content: "", reasoningContent: "", complete: false, finish: false, error: {code,
 * message}}` and closes without `finish`.
 *
 * Errors before a stream opens use the host's body `{error:{code, message}}`: 400 bad body or an
 * image that cannot be fetched, 401 no or invalid key, 403 browser Origin or another agent's id,
 * 404 agent not published, 413/415 an image too large or not an image, 429 rate or budget.
 */

import { randomUUID } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { ApiErrorCode } from '../../../shared/errors.ts'
import { ChatRequestSchema, ClientIdSchema } from '../../../shared/index.ts'
import { authenticateChatKey } from '../../auth/chat-key-auth.ts'
import { visitorIdentity } from '../../auth/visitor-identity.ts'
import type { UploadLimits } from '../../config.ts'
import { ApiError } from '../../http/errors.ts'
import { readJson } from '../../http/validate.ts'
import type { AllowPrivate } from '../../runtime/network/index.ts'
import { type ChatService, collectReply, type ReplyFold } from '../../runtime/runs/index.ts'
import type { SecretBox } from '../../runtime/tools/index.ts'
import type { Store } from '../../store/store.ts'
import { attachImages, imageUrls } from './auto-agents-images.ts'
import { compatBodyLimit } from './body-limit.ts'
import { type ChunkRenderer, DONE, streamReply } from './stream-reply.ts'

export type AutoAgentsRoutesDeps = {
  store: Store
  /** Opens agents' identity secrets: a user token (`X-Porch-User-Token`) is checked as on the visitor API. */
  secretBox: SecretBox
  chat: ChatService
  heartbeatMs: number
  /** Rate limits for a new chat through this key; throws a 429 to refuse it. */
  admitKey?: (keyId: string, agentId: string) => Promise<void>
  /** The attachment budgets images fetched by URL count against, as uploads do. */
  uploads: Pick<UploadLimits, 'sessionBytes' | 'agentDayBytes'>
  /** Whether image URLs may point to loopback or private addresses: the tools' setting (PORCH_TOOLS_ALLOW_PRIVATE). */
  allowPrivate: AllowPrivate
}

export const AUTO_AGENTS_PATHS = {
  completions: ['/openapi/agents/chat/completions/v1', '/openapi/agent/chat/completions/v1'],
  stream: '/openapi/agents/chat/stream/v1',
} as const

export const AutoAgentsChatSchema = z.object({
  agentId: z.string().min(1).max(200),
  chatId: z.union([ClientIdSchema, z.literal(''), z.null()]).optional(),
  userChatInput: ChatRequestSchema.shape.request,
  stream: z.boolean().nullable().optional(),
  /** `[{url}]`; read leniently by imageUrls, never refused for its shape. */
  images: z.unknown().optional(),
})
export type AutoAgentsChat = z.infer<typeof AutoAgentsChatSchema>
// The SDKs' other fields (files, state, buttonKey, debug, conversationId) are dropped by the parse: accepted, ignored.

/** One chunk of the Auto Agents stream; every chunk has every field, so clients may read any of them unchecked. */
const streamChunk = (chatId: string, fields: { content?: string; complete?: boolean; finish?: boolean; error?: unknown }) => ({
  chatId,
  content: fields.content ?? '',
  reasoningContent: '',
  complete: fields.complete ?? false,
  finish: fields.finish ?? false,
  ...(fields.error !== undefined && { error: fields.error }),
})

const autoAgentsStream = (chatId: string): ChunkRenderer => ({
  text: (content) => streamChunk(chatId, { content }),
  end: (fold) => [fold.success ? streamChunk(chatId, { complete: true, finish: true }) : streamChunk(chatId, { error: failureOf(fold) })],
})

const openAiStyleStream = (chatId: string): ChunkRenderer => ({
  text: (content) => ({ chatId, choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] }),
  end: (fold) =>
    fold.success ? [{ chatId, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: fold.usage }, DONE] : [{ chatId, error: failureOf(fold) }],
})

export function autoAgentsRoutes(deps: AutoAgentsRoutesDeps) {
  const { store, chat, heartbeatMs, admitKey } = deps

  /** A message through a key: checked, admitted, its images attached, its run started (streamed when `streams` says so). */
  async function startChat(c: Context, streams: (body: AutoAgentsChat) => boolean) {
    const { key, published, scope } = await authenticateChatKey(c, store)
    const body = await readJson(c, AutoAgentsChatSchema)
    const streaming = streams(body)
    if (body.agentId !== key.agentId) throw new ApiError(403, 'forbidden', 'This API key belongs to another agent.')
    // The signed-in user the caller names with a user token, as on the visitor API (required when the agent requires identity).
    const visitor = await visitorIdentity(c, { store, secretBox: deps.secretBox }, published.agent.id, true)

    // Images count only for an agent that takes attachments; for any other they are ignored, never fetched.
    const urls = published.version.config.attachments ? imageUrls(body.images) : []
    let sessionId = body.chatId || undefined
    let admitted = false
    let attachments: string[] = []
    if (urls.length > 0) {
      // Admitted before fetching, so a key's rate limit also bounds the fetches it causes.
      await admitKey?.(key.id, published.agent.id)
      admitted = true
      // The images are stored in the session before the message names them: a new chat needs its id now.
      sessionId ??= randomUUID()
      const session = { agentId: published.agent.id, scope, sessionId }
      attachments = await attachImages(urls, session, { store, uploads: deps.uploads, allowPrivate: deps.allowPrivate, signal: c.req.raw.signal })
    }
    const request = {
      request: body.userChatInput,
      ...(sessionId && { session_id: sessionId }),
      ...(attachments.length > 0 && { attachments }),
    }
    const opened = await chat.open({ published, scope, request, streaming, visitor })
    // Admission (the key's rate limit): once per new message, after its body passed the checks.
    if (opened.isNew && !admitted) await admitKey?.(key.id, published.agent.id)
    return { streaming, ...(await opened.start()) }
  }

  const completions = async (c: Context) => {
    const { streaming, run, sessionId: chatId } = await startChat(c, (body) => body.stream === true)
    if (streaming) return streamReply(c, run, openAiStyleStream(chatId), { heartbeatMs })
    const fold = await collectReply(run, c.req.raw.signal)
    // A run's failure code comes from its stream's error event; shared/errors.test.ts keeps those listed.
    if (!fold.success) throw new ApiError(502, failureOf(fold).code as ApiErrorCode, failureOf(fold).message, { chatId })
    return c.json({ chatId, choices: [{ role: 'assistant', content: fold.text }], usage: fold.usage }, 200)
  }

  const app = new Hono()
  for (const path of AUTO_AGENTS_PATHS.completions) app.post(path, compatBodyLimit(), completions)
  app.post(AUTO_AGENTS_PATHS.stream, compatBodyLimit(), async (c) => {
    const { run, sessionId: chatId } = await startChat(c, () => true)
    return streamReply(c, run, autoAgentsStream(chatId), { heartbeatMs })
  })
  return app
}

const failureOf = (fold: ReplyFold) => fold.failure ?? { code: 'run_failed', message: 'The agent could not answer.' }
