/**
 * OpenAI compat: `POST /v1/chat/completions` with `model` = the agent id and a chat API key as
 * the bearer, so the official SDKs work with `baseURL: <host>/v1, apiKey: 'key_….SECRET'`.
 * `GET /v1/models` lists the key's agent, for tools that pick a model from the list.
 *
 * OpenAI clients resend the whole conversation on every call, while Porch keeps the
 * conversation on the server and runs only the agent's own instructions. So only the LAST user
 * message is sent to the agent; system messages and earlier turns from the client are ignored.
 * The conversation continues through the `X-Porch-Session-Id` header: every reply carries it,
 * and a request that sends it back continues that session (in the key's scope, `key:<key id>`).
 * Without it, each call starts a new session. (Not the body's `user` field: OpenAI defines that
 * as an end-user id for abuse monitoring, which one user's many conversations share.)
 *
 * Errors use OpenAI's shape `{error:{message, type, param, code}}`: 400 type
 * invalid_request_error, 401 code invalid_api_key, 403 browser Origin, 404 code model_not_found
 * (not the key's agent, or not published), 429 code rate_limit_exceeded, 502 type server_error
 * when the run fails. A failure after a stream opened sends
 * `data: {"error":{…}}` and closes without [DONE], which the SDKs raise as an APIError.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { ClientIdSchema, LIMITS } from '../../../shared/index.ts'
import { authenticateChatKey } from '../../auth/chat-key-auth.ts'
import { visitorIdentity } from '../../auth/visitor-identity.ts'
import { ApiError, toApiError } from '../../http/errors.ts'
import { readJson } from '../../http/validate.ts'
import { type ChatService, collectReply, type ReplyFold } from '../../runtime/runs/index.ts'
import type { SecretBox } from '../../runtime/tools/index.ts'
import type { Store } from '../../store/store.ts'
import { compatBodyLimit } from './body-limit.ts'
import { DONE, streamReply } from './stream-reply.ts'

export type OpenAiRoutesDeps = {
  store: Store
  /** Opens agents' identity secrets: a user token (`X-Porch-User-Token`) is checked as on the visitor API. */
  secretBox: SecretBox
  chat: ChatService
  heartbeatMs: number
  /** Rate limits for a new chat through this key; throws a 429 to refuse it. */
  admitKey?: (keyId: string, agentId: string) => Promise<void>
}

export const SESSION_HEADER = 'X-Porch-Session-Id'

const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() })

// Lenient like OpenAI's own API: parameters Porch does not use (temperature, tools, n…) are ignored.
export const ChatCompletionSchema = z.object({
  model: z.string().min(1).max(200),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
      }),
    )
    .min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().max(256).optional(),
})

export function openAiRoutes({ store, secretBox, chat, heartbeatMs, admitKey }: OpenAiRoutesDeps) {
  const authenticate = async (c: Context) => {
    try {
      return await authenticateChatKey(c, store)
    } catch (error) {
      // The key's agent is the one model it may use; unpublished, there is none.
      if (error instanceof ApiError && error.status === 404) throw modelNotFound(null)
      throw error
    }
  }

  return new Hono()
    .onError(openAiErrorHandler)
    .get('/v1/models', async (c) => {
      const { published } = await authenticate(c)
      const created = Math.floor(Date.parse(published.version.createdAt) / 1000)
      return c.json({ object: 'list', data: [{ id: published.agent.id, object: 'model', created, owned_by: 'porch' }] }, 200)
    })
    .post('/v1/chat/completions', compatBodyLimit(), async (c) => {
      const { key, published, scope } = await authenticate(c)
      const body = await readJson(c, ChatCompletionSchema)
      if (body.model !== key.agentId) throw modelNotFound(body.model)
      const request = { request: lastUserText(body.messages), ...sessionFrom(c.req.header(SESSION_HEADER)) }

      // The signed-in user the caller names with a user token, as on the visitor API (required when the agent requires identity).
      const visitor = await visitorIdentity(c, { store, secretBox }, published.agent.id, true)
      const streaming = body.stream === true
      const opened = await chat.open({ published, scope, request, streaming, visitor })
      // Admission (the key's rate limit): once per new message, after its body passed the checks.
      if (opened.isNew) await admitKey?.(key.id, published.agent.id)
      const { run, sessionId } = await opened.start()
      const created = Math.floor(Date.now() / 1000)
      const base = (fold: ReplyFold, object: string) => ({ id: `chatcmpl-${fold.traceId}`, object, created, model: body.model })

      if (streaming) {
        let roleSent = false
        const chunk = (fold: ReplyFold, delta: object, finish: string | null) => {
          const withRole = roleSent ? delta : { role: 'assistant', ...delta }
          roleSent = true
          return { ...base(fold, 'chat.completion.chunk'), choices: [{ index: 0, delta: withRole, logprobs: null, finish_reason: finish }] }
        }
        return streamReply(
          c,
          run,
          {
            text: (content, fold) => chunk(fold, { content }, null),
            end: (fold) => {
              if (!fold.success) return [{ error: runError(fold) }]
              const usage = body.stream_options?.include_usage ? [{ ...base(fold, 'chat.completion.chunk'), choices: [], usage: fold.usage }] : []
              return [chunk(fold, {}, 'stop'), ...usage, DONE]
            },
          },
          { heartbeatMs, headers: { [SESSION_HEADER]: sessionId } },
        )
      }

      const fold = await collectReply(run, c.req.raw.signal)
      c.header(SESSION_HEADER, sessionId)
      if (!fold.success) return c.json({ error: runError(fold) }, 502)
      return c.json(
        {
          ...base(fold, 'chat.completion'),
          choices: [{ index: 0, message: { role: 'assistant', content: fold.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: fold.usage,
        },
        200,
      )
    })
}

type ChatMessage = z.infer<typeof ChatCompletionSchema>['messages'][number]

function lastUserText(messages: ChatMessage[]): string {
  const last = messages.findLast((message) => message.role === 'user')
  if (!last) throw invalidRequest('messages: send at least one message with role "user"', 'messages')
  const content = last.content ?? ''
  if (typeof content !== 'string' && content.some((part) => part.type !== 'text')) {
    throw invalidRequest('messages: only text content is supported', 'messages')
  }
  const text = typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('\n')
  if (text.trim() === '') throw invalidRequest('messages: the last user message has no text', 'messages')
  if (text.length > LIMITS.requestChars) throw invalidRequest(`messages: the last user message is longer than ${LIMITS.requestChars} characters`, 'messages')
  return text
}

function sessionFrom(header: string | undefined): { session_id?: string } {
  if (header === undefined) return {}
  if (!ClientIdSchema.safeParse(header).success) {
    throw invalidRequest(`${SESSION_HEADER}: 1 to ${LIMITS.idChars} letters, digits and . _ : -`, SESSION_HEADER)
  }
  return { session_id: header }
}

const invalidRequest = (message: string, param: string) => new ApiError(400, 'invalid_request', message, { param })

const modelNotFound = (model: string | null) =>
  new ApiError(
    404,
    'model_not_found',
    model === null ? 'The agent of this API key is not published.' : `The model \`${model}\` does not exist or you do not have access to it.`,
  )

const runError = (fold: ReplyFold) => ({
  message: fold.failure?.message ?? 'The agent could not answer.',
  type: 'server_error',
  param: null,
  code: fold.failure?.code ?? 'run_failed',
})

/**
 * Porch's 4xx errors in OpenAI's shape (the SDKs pick their error class by status). Anything
 * else goes on to the host's handler, which logs it and answers 500.
 */
function openAiErrorHandler(error: Error, c: Context): Response {
  const known = toApiError(error)
  const status = known ? known.status : (error as { status?: unknown }).status
  if (typeof status !== 'number' || status < 400 || status >= 500) throw error
  for (const [name, value] of Object.entries(known?.headers ?? {})) c.header(name, value)
  // A 401 is the key's, unless it is the user token's (signed visitor identity): then its own code says which.
  const userToken = known?.code === 'invalid_identity' || known?.code === 'identity_required'
  const code = status === 401 && !userToken ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : (known?.code ?? 'invalid_request')
  const type = status === 429 ? 'requests' : 'invalid_request_error'
  const details = known?.details as { param?: string; issues?: { path: string }[] } | undefined
  const param = details?.param ?? (details?.issues?.[0]?.path || null)
  return c.json({ error: { message: error.message, type, param, code } }, status as 400)
}
