/** The visitor APIs: published agents (`/api/v1/published/{id}`) and share links (`/api/v1/links/{id}`), both on host/routes/chat-api.ts. */
import { z } from 'zod'
import {
  ChatRequestSchema,
  ClientIdSchema,
  ConversationListQuerySchema,
  ConversationListSchema,
  FeedbackRequestSchema,
  MessageFeedbackSchema,
  PublishedAgentInfoSchema,
  SessionHistorySchema,
  SyncReplySchema,
  UiChatRequestSchema,
  UploadedAttachmentSchema,
} from '../../shared/index.ts'
import { StopRequestSchema } from '../routes/chat-api.ts'
import { UnlockSchema } from '../routes/links.ts'
import type { Auth, RouteSpec } from './route-spec.ts'

const FilenameQuerySchema = z.object({ filename: z.string().optional().describe('The file name shown to the model and in the transcript.') })
const VisitorTokenSchema = z.object({
  token: z.string().describe('The visitor token: send it as `Authorization: Bearer …` on this link.'),
  expires_at: z.iso.datetime(),
})

/** The same chat API under both mounts; only who may call it and what `{id}` is differ. */
function chatApi(base: string, tag: string, id: z.ZodType, auth: Auth[]): RouteSpec[] {
  const params = { id }
  const session = { id, sessionId: ClientIdSchema }
  const refusals = [400, 401, 403, 404, 410, 429]
  return [
    {
      method: 'get',
      path: `${base}/{id}`,
      tag,
      summary: 'What the widget shows before the first message',
      description: 'A locked password link answers only `name` and `requires_password`; the rest is empty until the visitor token is sent.',
      auth,
      params,
      replies: { 200: { description: 'The agent as visitors see it.', body: PublishedAgentInfoSchema } },
      errors: refusals,
    },
    {
      method: 'post',
      path: `${base}/{id}/chat`,
      tag,
      summary: 'Send a message; the answer streams as Server-Sent Events',
      description:
        'Each SSE `data:` is one StreamEvent; `id:` lines let a dropped client resume with `Last-Event-ID` and the same `request_id`. Agents in `non_streaming` mode answer 400 `wrong_mode`.',
      auth,
      params,
      headers: { 'Last-Event-ID': 'Resume after this event id (same body, same `request_id`).' },
      body: ChatRequestSchema,
      replies: { 200: { description: 'The answer as a stream of events.', body: { sse: 'stream-events' } } },
      errors: [...refusals, 409, 413],
    },
    {
      method: 'post',
      path: `${base}/{id}/chat/sync`,
      tag,
      summary: 'Send a message; the answer comes as one JSON reply',
      description: 'For agents in `non_streaming` mode; `streaming` agents answer 400 `wrong_mode`.',
      auth,
      params,
      body: ChatRequestSchema,
      replies: { 200: { description: 'The whole answer.', body: SyncReplySchema } },
      errors: [...refusals, 409, 413, 502],
    },
    {
      method: 'post',
      path: `${base}/{id}/chat/stop`,
      tag,
      summary: 'Stop a running answer',
      auth,
      params,
      body: StopRequestSchema,
      replies: { 204: { description: 'Stopped.' } },
      errors: refusals,
    },
    {
      method: 'get',
      path: `${base}/{id}/conversations`,
      tag,
      summary: "The signed-in user's conversations with the agent, newest first",
      description:
        'Needs a user token (signed visitor identity) in `X-Porch-User-Token`: 401 `identity_required` without one, `invalid_identity` for a bad one. Lists only the sessions that user started, in this scope.',
      auth,
      params,
      query: ConversationListQuerySchema,
      headers: { 'X-Porch-User-Token': 'The user token: a JWT (HS256) the site signed with the agent identity secret.' },
      replies: { 200: { description: 'One page of conversations.', body: ConversationListSchema } },
      errors: refusals,
    },
    {
      method: 'get',
      path: `${base}/{id}/sessions/{sessionId}`,
      tag,
      summary: "A session's messages, tool calls included",
      auth,
      params: session,
      replies: { 200: { description: 'The session.', body: SessionHistorySchema } },
      errors: refusals,
    },
    {
      method: 'get',
      path: `${base}/{id}/sessions/{sessionId}/events`,
      tag,
      summary: "Follow a session's events: a person took the chat over, wrote, handed it back",
      description:
        "Server-Sent Events that stay open while the chat is open. Scoped like the history (the same link, chat key or public API). Missed events are replayed from the store after `Last-Event-ID` (the history's `last_event_id` is where to start). At most 8 open streams per client IP and agent on one host (429 beyond).",
      auth,
      params: session,
      headers: { 'Last-Event-ID': 'Replay the events after this id (0 or absent: from the first).' },
      replies: { 200: { description: 'The session events as a stream.', body: { sse: 'session-events' } } },
      errors: [...refusals, 429, 503],
    },
    {
      method: 'put',
      path: `${base}/{id}/sessions/{sessionId}/messages/{seq}/feedback`,
      tag,
      summary: 'Rate an answer (thumbs up or down, with an optional comment)',
      description:
        "`seq` is the assistant message's `seq` in the session's history. Rating again replaces the rating; only the session's own scope (the same link, chat key or public API) reaches it.",
      auth,
      params: { ...session, seq: z.coerce.number().int().positive() },
      body: FeedbackRequestSchema,
      replies: { 200: { description: 'The rating as stored.', body: MessageFeedbackSchema } },
      errors: refusals,
    },
    {
      method: 'delete',
      path: `${base}/{id}/sessions/{sessionId}/messages/{seq}/feedback`,
      tag,
      summary: "Take back an answer's rating",
      auth,
      params: { ...session, seq: z.coerce.number().int().positive() },
      replies: { 204: { description: 'No rating any more.' } },
      errors: refusals,
    },
    {
      method: 'post',
      path: `${base}/{id}/sessions/{sessionId}/attachments`,
      tag,
      summary: 'Upload a file to attach to the next message',
      description: 'The raw file is the body, its type the `Content-Type`; send the returned id in `attachments`.',
      auth,
      params: session,
      query: FilenameQuerySchema,
      body: { binary: 'The file.' },
      replies: { 201: { description: 'Stored; its id goes into the next message.', body: UploadedAttachmentSchema } },
      errors: [...refusals, 413, 415],
    },
    {
      method: 'get',
      path: `${base}/{id}/sessions/{sessionId}/files/{fileId}`,
      tag,
      summary: 'Download a file of the session (an attachment or a file a tool made)',
      auth,
      params: { ...session, fileId: z.uuid() },
      replies: { 200: { description: 'The file.', body: { binary: 'The file, with its own Content-Type.' } } },
      errors: refusals,
    },
    {
      method: 'get',
      path: `${base}/{id}/knowledge/{sourceId}/file`,
      tag,
      summary: 'Download the knowledge file an answer cited',
      auth,
      params: { id, sourceId: z.uuid() },
      replies: { 200: { description: 'The file.', body: { binary: 'The file, with its own Content-Type.' } } },
      errors: refusals,
    },
    {
      method: 'post',
      path: `${base}/{id}/ui-chat`,
      tag,
      summary: "Chat with the Vercel AI SDK's `useChat` (UI message stream)",
      description: 'The body is what `DefaultChatTransport` sends; the chat `id` is the Porch session.',
      auth,
      params,
      body: UiChatRequestSchema,
      replies: { 200: { description: 'The AI SDK UI message stream.', body: { sse: 'ui-message-stream' } } },
      errors: [...refusals, 409, 413],
    },
    {
      method: 'get',
      path: `${base}/{id}/ui-chat/{chatId}/stream`,
      tag,
      summary: "Resume a session's running answer (`useChat({ resume: true })`)",
      auth,
      params: { id, chatId: ClientIdSchema },
      replies: {
        200: { description: 'The running answer, replayed then followed.', body: { sse: 'ui-message-stream' } },
        204: { description: 'Nothing is running in this session.' },
      },
      errors: refusals,
    },
    {
      method: 'post',
      path: `${base}/{id}/ui-chat/{chatId}/stop`,
      tag,
      summary: "Stop a session's running answer",
      auth,
      params: { id, chatId: ClientIdSchema },
      replies: { 204: { description: 'Stopped.' } },
      errors: refusals,
    },
  ]
}

const LINK_TOKEN = z.string().describe('The link token (the last part of its URL).')

export const publicRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'Host',
    summary: 'Liveness',
    auth: ['none'],
    replies: { 200: { description: 'The host answers.', body: z.object({ status: z.literal('ok') }) } },
  },
  ...chatApi('/api/v1/published', 'Published agents', z.uuid().describe('The agent id.'), ['none', 'chatKey']),
  ...chatApi('/api/v1/links', 'Share links', LINK_TOKEN, ['none', 'visitor']),
  {
    method: 'post',
    path: '/api/v1/links/{id}/unlock',
    tag: 'Share links',
    summary: "Unlock a password link: the reply's token is the visitor token",
    auth: ['none'],
    params: { id: LINK_TOKEN },
    body: UnlockSchema,
    replies: { 200: { description: 'Unlocked.', body: VisitorTokenSchema } },
    errors: [400, 401, 404, 410, 429],
  },
]
