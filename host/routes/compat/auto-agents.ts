/**
 * Auto Agents compat: `POST /openapi/agent/chat/completions/v1` with a chat API key
 * (`Authorization: Bearer KEY.SECRET`), so Auto Agents clients work against Porch unchanged.
 *
 * Request: `{agentId, chatId?, userChatInput, stream?}`; other Auto Agents fields (images,
 * files, state, buttonKey, debug) are accepted and ignored. `chatId` is the Porch session id in
 * the key's scope (`key:<key id>`); absent, null or "" starts a new conversation.
 *
 * Reply (`stream` not true): `{chatId, choices:[{role:"assistant", content}], usage:{prompt_tokens,
 * completion_tokens, total_tokens}}`; a run that fails answers 502 with the error body, its
 * `details.chatId` naming the conversation (the question is kept in it).
 *
 * Stream (`stream: true`): SSE `data:` chunks in the OpenAI manner, every one naming the chatId:
 *   data: {"chatId":"…","choices":[{"index":0,"delta":{"role":"assistant","content":"…"},"finish_reason":null}]}
 *   data: {"chatId":"…","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{…}}
 *   data: [DONE]
 * A failure after the stream opened sends `data: {"chatId":"…","error":{"code","message"}}` and
 * closes without [DONE].
 *
 * Errors before a stream opens use the host's body `{error:{code, message}}`: 400 bad body,
 * 401 no or invalid key, 403 browser Origin or another agent's id, 404 agent not published.
 */

import { Hono } from 'hono'
import { z } from 'zod'
import type { ApiErrorCode } from '../../../shared/errors.ts'
import { ChatRequestSchema, ClientIdSchema } from '../../../shared/index.ts'
import { authenticateChatKey } from '../../auth/chat-key-auth.ts'
import { ApiError } from '../../http/errors.ts'
import { readJson } from '../../http/validate.ts'
import { type ChatService, collectReply, type ReplyFold } from '../../runtime/runs/index.ts'
import type { Store } from '../../store/store.ts'
import { compatBodyLimit } from './body-limit.ts'
import { DONE, streamReply } from './stream-reply.ts'

export type AutoAgentsRoutesDeps = {
  store: Store
  chat: ChatService
  heartbeatMs: number
  /** Rate limits for a new chat through this key; throws a 429 to refuse it. */
  admitKey?: (keyId: string) => Promise<void>
}

export const AutoAgentsChatSchema = z.object({
  agentId: z.string().min(1).max(200),
  chatId: z.union([ClientIdSchema, z.literal(''), z.null()]).optional(),
  userChatInput: ChatRequestSchema.shape.request,
  stream: z.boolean().nullable().optional(),
})

export function autoAgentsRoutes({ store, chat, heartbeatMs, admitKey }: AutoAgentsRoutesDeps) {
  return new Hono().post('/openapi/agent/chat/completions/v1', compatBodyLimit(), async (c) => {
    const { key, published, scope } = await authenticateChatKey(c, store)
    const body = await readJson(c, AutoAgentsChatSchema)
    if (body.agentId !== key.agentId) throw new ApiError(403, 'forbidden', 'This API key belongs to another agent.')

    const streaming = body.stream === true
    const request = { request: body.userChatInput, ...(body.chatId && { session_id: body.chatId }) }
    const opened = await chat.open({ published, scope, request, streaming })
    // Admission (the key's rate limit): once per new message, after its body passed the checks.
    if (opened.isNew) await admitKey?.(key.id)
    const { run, sessionId: chatId } = await opened.start()

    if (streaming) {
      return streamReply(
        c,
        run,
        {
          text: (content) => ({ chatId, choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] }),
          end: (fold) =>
            fold.success
              ? [{ chatId, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: fold.usage }, DONE]
              : [{ chatId, error: failureOf(fold) }],
        },
        { heartbeatMs },
      )
    }
    const fold = await collectReply(run, c.req.raw.signal)
    // A run's failure code comes from its stream's error event; shared/errors.test.ts keeps those listed.
    if (!fold.success) throw new ApiError(502, failureOf(fold).code as ApiErrorCode, failureOf(fold).message, { chatId })
    return c.json({ chatId, choices: [{ role: 'assistant', content: fold.text }], usage: fold.usage }, 200)
  })
}

const failureOf = (fold: ReplyFold) => fold.failure ?? { code: 'run_failed', message: 'The agent could not answer.' }
