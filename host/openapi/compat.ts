/**
 * The compat APIs (host/routes/compat/): each keeps its platform's paths, bodies and replies.
 * Their requests are the zod schemas the routes parse with; their replies, which no Porch
 * client parses, are described here by the fields the platforms' SDKs read.
 */
import { z } from 'zod'
import { AgentSchema, ClientIdSchema, PublishReplySchema } from '../../shared/index.ts'
import { AutoAgentsChatSchema } from '../routes/compat/auto-agents.ts'
import { AgentIdQuerySchema } from '../routes/compat/langdock.ts'
import { LangdockCreateSchema, LangdockListQuerySchema, LangdockPublishSchema, LangdockUpdateSchema } from '../routes/compat/langdock-agent.ts'
import { LangdockChatSchema } from '../routes/compat/langdock-chat.ts'
import { ChatCompletionSchema } from '../routes/compat/openai.ts'
import type { RouteSpec } from './route-spec.ts'

const Usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }).partial()

const AutoAgentsReplySchema = z.object({
  chatId: z.string(),
  choices: z.array(z.object({ role: z.literal('assistant'), content: z.string() })),
  usage: Usage,
})

const OpenAiCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: z.string(),
    }),
  ),
  usage: Usage,
})

const OpenAiModelsSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({ id: z.string().describe('The agent id: pass it as `model`.'), object: z.literal('model'), created: z.number().int(), owned_by: z.string() }),
  ),
})

/** OpenAI's error shape, which the OpenAI SDKs read; `code` is an ApiErrorCode or OpenAI's `invalid_api_key` / `rate_limit_exceeded`. */
const OpenAiErrorSchema = z.object({ error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string() }) })

/** An agent in Langdock's shape (host/routes/compat/langdock-agent.ts `langdockAgent`): Porch's fields, renamed. */
const porch = AgentSchema.shape
const LangdockAgentSchema = z.object({
  id: porch.id,
  name: porch.name,
  description: porch.description,
  instruction: porch.instructions,
  model: porch.model,
  creativity: porch.temperature,
  conversationStarters: porch.starters,
  published: porch.published,
  activeVersion: porch.active_version,
  hasUnpublishedChanges: porch.has_unpublished_changes,
  createdAt: porch.created_at,
  updatedAt: porch.updated_at,
})
const LangdockAgentReplySchema = z.object({ status: z.literal('success'), message: z.string().optional(), agent: LangdockAgentSchema })

/** Langdock's non-streaming chat reply: the assistant UI message itself (compat/ui-message.ts `assembleUiMessage`). */
const AssistantUiMessageSchema = z.object({
  id: z.string(),
  role: z.literal('assistant'),
  parts: z.array(z.object({ type: z.string().describe('`text`, `dynamic-tool`, `file`, `source-url`, …: the AI SDK UI message parts.') }).loose()),
})

const LangdockModelsSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string().describe('A model ref for `model` of /agent/v1/create.'),
      object: z.literal('model'),
      created: z.number().int(),
      owned_by: z.string(),
    }),
  ),
})

const chatKey = { auth: ['compatKey' as const] }
const autoAgentsCompletions = (path: string): RouteSpec => ({
  method: 'post',
  path,
  tag: 'Auto Agents',
  summary: 'Chat, answered whole (or as OpenAI-style chunks with `stream: true`)',
  description: '`images: [{url}]` become attachments when the agent accepts them; `files`, `state`, `buttonKey` and `debug` are accepted and ignored.',
  ...chatKey,
  body: AutoAgentsChatSchema,
  replies: {
    200: {
      description: 'The answer; with `stream: true`, SSE chunks.',
      body: AutoAgentsReplySchema,
      stream: {
        sse: 'compat-chunks',
        description:
          'With `stream: true`: `data: {chatId, choices: [{index, delta: {role, content}, finish_reason}]}` chunks in the OpenAI manner, the last with `usage`, then `data: [DONE]`.',
      },
    },
  },
  errors: [400, 401, 403, 404, 413, 429, 502],
})

export const compatRoutes: RouteSpec[] = [
  autoAgentsCompletions('/openapi/agents/chat/completions/v1'),
  { ...autoAgentsCompletions('/openapi/agent/chat/completions/v1'), summary: 'Chat (the singular spelling of the same route)' },
  {
    method: 'post',
    path: '/openapi/agents/chat/stream/v1',
    tag: 'Auto Agents',
    summary: 'Chat, streamed as the Auto Agents SDKs read it',
    ...chatKey,
    body: AutoAgentsChatSchema,
    replies: {
      200: {
        description: 'The answer as SSE chunks.',
        body: {
          sse: 'compat-chunks',
          description: 'Each `data:` is `{chatId, content, reasoningContent, complete, finish}`; the last has `complete` and `finish` true.',
        },
      },
    },
    errors: [400, 401, 403, 404, 413, 429],
  },
  {
    method: 'get',
    path: '/v1/models',
    tag: 'OpenAI',
    summary: "The key's agent, as OpenAI's model list",
    ...chatKey,
    replies: { 200: { description: 'One model: the agent.', body: OpenAiModelsSchema } },
    errors: [401, 404],
    errorBody: OpenAiErrorSchema,
  },
  {
    method: 'post',
    path: '/v1/chat/completions',
    tag: 'OpenAI',
    summary: 'OpenAI chat completions; `model` is the agent id',
    ...chatKey,
    body: ChatCompletionSchema,
    replies: {
      200: {
        description: 'The completion; with `stream: true`, `chat.completion.chunk` SSE chunks and `[DONE]`.',
        body: OpenAiCompletionSchema,
        stream: { sse: 'compat-chunks', description: 'With `stream: true`: `chat.completion.chunk` objects as `data:` lines, then `data: [DONE]`.' },
      },
    },
    errors: [400, 401, 403, 404, 413, 429, 502],
    errorBody: OpenAiErrorSchema,
  },
  {
    method: 'post',
    path: '/agent/v1/chat/completions',
    tag: 'Langdock',
    summary: 'Chat with UI messages: the assistant UI message, or the AI SDK UI message stream with `stream: true`',
    description: 'The session is the body `id`, else the `X-Porch-Session-Id` header, else new; every reply names it in `X-Porch-Session-Id`.',
    auth: ['compatKey', 'owner'],
    headers: { 'X-Porch-Session-Id': 'The session to continue (when the body has no `id`).' },
    body: LangdockChatSchema,
    replies: {
      200: {
        description: 'The assistant UI message; with `stream: true`, the UI message stream.',
        body: AssistantUiMessageSchema,
        stream: { sse: 'ui-message-stream' },
      },
    },
    errors: [400, 401, 403, 404, 413, 429, 502],
  },
  {
    method: 'get',
    path: '/agent/v1/models',
    tag: 'Langdock',
    summary: 'The models an agent on this host can use',
    auth: ['compatKey', 'owner'],
    replies: { 200: { description: 'Model refs whose provider is configured.', body: LangdockModelsSchema } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/agent/v1/files/{agentId}/{keyId}/{sessionId}/{fileId}',
    tag: 'Langdock',
    summary: "Download a file of a Langdock chat's session (a `file` part's URL; the random id is the credential)",
    auth: ['none'],
    params: { agentId: z.uuid(), keyId: z.string(), sessionId: ClientIdSchema, fileId: z.uuid() },
    replies: { 200: { description: 'The file.', body: { binary: 'The file, with its own Content-Type.' } } },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/agent/v1/knowledge/{agentId}/{sourceId}/file',
    tag: 'Langdock',
    summary: "Download a cited knowledge file (a `source-url` part's URL)",
    auth: ['none'],
    params: { agentId: z.uuid(), sourceId: z.uuid() },
    replies: { 200: { description: 'The file.', body: { binary: 'The file, with its own Content-Type.' } } },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/agent/v1/create',
    tag: 'Langdock',
    summary: 'Create an agent',
    auth: ['owner'],
    body: LangdockCreateSchema,
    replies: { 201: { description: 'Created.', body: LangdockAgentReplySchema } },
    errors: [400, 401, 403, 413, 429],
  },
  {
    method: 'patch',
    path: '/agent/v1/update',
    tag: 'Langdock',
    summary: "Change an agent's draft",
    auth: ['owner'],
    body: LangdockUpdateSchema,
    replies: { 200: { description: 'Updated.', body: LangdockAgentReplySchema } },
    errors: [400, 401, 403, 404, 413, 429],
  },
  {
    method: 'get',
    path: '/agent/v1/get',
    tag: 'Langdock',
    summary: 'Read an agent (its live version)',
    auth: ['owner'],
    query: AgentIdQuerySchema,
    replies: { 200: { description: 'The agent.', body: LangdockAgentReplySchema.omit({ message: true }) } },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'get',
    path: '/agent/v1/list',
    tag: 'Langdock',
    summary: 'List agents, paged',
    auth: ['owner'],
    query: LangdockListQuerySchema,
    replies: { 200: { description: 'A page of agents.', body: z.object({ agents: z.array(LangdockAgentSchema), nextCursor: z.string().nullable() }) } },
    errors: [400, 401, 403, 429],
  },
  {
    method: 'post',
    path: '/agent/v1/publish',
    tag: 'Langdock',
    summary: "Publish the agent's draft",
    auth: ['owner'],
    body: LangdockPublishSchema,
    replies: { 200: { description: 'Published.', body: PublishReplySchema } },
    errors: [400, 401, 403, 404, 409, 413, 429, 502],
  },
]
