/**
 * The wire contract between the host and its clients (the widget, API callers).
 * Every request, response and stream event exists here once, as a zod schema with its
 * inferred type. Readers tolerate unknown fields (zod objects strip them), so an old
 * widget keeps working against a newer host.
 */
import { z } from 'zod'
import { ID_PATTERN, LIMITS } from './limits.ts'

// ---------------------------------------------------------------- ids and enums

export const ClientIdSchema = z.string().min(1).max(LIMITS.idChars).regex(ID_PATTERN, 'may contain only letters, digits and . _ : -')

export const ApiResponseModeSchema = z.enum(['streaming', 'non_streaming'])
export type ApiResponseMode = z.infer<typeof ApiResponseModeSchema>

export const AccessSchema = z.enum(['public', 'link'])
export type Access = z.infer<typeof AccessSchema>

// ---------------------------------------------------------------- messages (Anthropic format)

export const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() })
export const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
})
export const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.string(),
  is_error: z.boolean().optional(),
})
/** Porch's own block: a file a visitor attached to their message (its bytes are stored apart). */
export const AttachmentBlockSchema = z.object({
  type: z.literal('attachment'),
  file_id: z.string(),
  filename: z.string(),
  size: z.number().int(),
  content_type: z.string(),
})
/**
 * Porch's own block: a file a tool handed to the visitor, stored beside the tool's result.
 * Session histories add its `download_url`, which is valid only under that session.
 */
export const OutputFileBlockSchema = z.object({
  type: z.literal('output_file'),
  file_id: z.string(),
  filename: z.string(),
  size: z.number().int(),
  content_type: z.string(),
  download_url: z.string().optional(),
})
export const ContentBlockSchema = z.discriminatedUnion('type', [
  TextBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
  AttachmentBlockSchema,
  OutputFileBlockSchema,
])
export type TextBlock = z.infer<typeof TextBlockSchema>
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>
export type AttachmentBlock = z.infer<typeof AttachmentBlockSchema>
export type OutputFileBlock = z.infer<typeof OutputFileBlockSchema>
export type ContentBlock = z.infer<typeof ContentBlockSchema>

/** How a stored message's run ended: a cancelled or failed run keeps what it produced. */
export const MessageStatusSchema = z.enum(['complete', 'cancelled', 'error'])
export type MessageStatus = z.infer<typeof MessageStatusSchema>

/**
 * A document passage the agent's knowledge search showed the model during a run, numbered as
 * the model was told to cite it ([1], [2], …). `url` is null for uploads and pasted texts;
 * those have `file_url` instead, where a visitor downloads the file (absent from older hosts,
 * and where no visitor route serves it: the compat APIs, try-it).
 */
export const AnswerSourceSchema = z.object({
  index: z.number().int().positive(),
  title: z.string(),
  heading_path: z.array(z.string()),
  url: z.string().nullable(),
  source_id: z.string(),
  file_url: z.string().optional(),
})
export type AnswerSource = z.infer<typeof AnswerSourceSchema>

export const FeedbackRatingSchema = z.enum(['up', 'down'])
export type FeedbackRating = z.infer<typeof FeedbackRatingSchema>

/** A visitor's rating of an assistant answer, as the session's history shows it. */
export const MessageFeedbackSchema = z.object({
  rating: FeedbackRatingSchema,
  comment: z.string().nullable(),
  updated_at: z.string(),
})
export type MessageFeedback = z.infer<typeof MessageFeedbackSchema>

/** `PUT …/sessions/{session_id}/messages/{seq}/feedback`: rates an answer, replacing an earlier rating; an empty comment is none. */
export const FeedbackRequestSchema = z.object({
  rating: FeedbackRatingSchema,
  comment: z.string().max(LIMITS.feedbackCommentChars).optional(),
})
export type FeedbackRequest = z.infer<typeof FeedbackRequestSchema>

/** Who wrote an assistant message that no model wrote: a person who took the chat over (absent: the agent). */
export const MessageAuthorSchema = z.object({ kind: z.literal('human'), name: z.string() })
export type MessageAuthor = z.infer<typeof MessageAuthorSchema>

export const MessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(ContentBlockSchema),
  status: MessageStatusSchema.optional(),
  created_at: z.string().optional(),
  /** On a run's last assistant message: the knowledge sources its searches returned (absent when none, and from older hosts). */
  sources: z.array(AnswerSourceSchema).optional(),
  /** In a session's history: the message's number in its session, which names it for feedback (absent from older hosts). */
  seq: z.number().int().positive().optional(),
  /** In a session's history, on an assistant message the visitor rated (absent otherwise, and from older hosts). */
  feedback: MessageFeedbackSchema.optional(),
  /** On an assistant message a person wrote while the chat was taken over (absent for the agent's, and from older hosts). */
  author: MessageAuthorSchema.optional(),
})
export type Message = z.infer<typeof MessageSchema>

// ---------------------------------------------------------------- public chat API

export const ChatRequestSchema = z.object({
  request: z.string().min(1, 'must not be empty').max(LIMITS.requestChars),
  session_id: ClientIdSchema.optional(),
  request_id: ClientIdSchema.optional(),
  /** Files uploaded to this session first (`POST …/sessions/{id}/attachments`), by id. */
  attachments: z.array(z.uuid()).max(LIMITS.attachmentsPerMessage).optional(),
})
export type ChatRequest = z.infer<typeof ChatRequestSchema>

export const PublishedAgentInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  api_response_mode: ApiResponseModeSchema,
  welcome_message: z.string(),
  starters: z.array(z.string()),
  requires_password: z.boolean(),
  /** Whether visitors may attach files (images, text) to their messages. */
  accepts_attachments: z.boolean(),
  /** Whether the agent chats only with signed-in users (a user token, signed visitor identity); absent from older hosts. */
  requires_identity: z.boolean().optional(),
})
export type PublishedAgentInfo = z.infer<typeof PublishedAgentInfoSchema>

export const SessionHistorySchema = z.object({
  session_id: z.string(),
  agent_id: z.string(),
  messages: z.array(MessageSchema),
  created_at: z.string(),
  updated_at: z.string(),
  /** Who holds the chat now, when a person took it over (absent otherwise, and from older hosts). */
  takeover: z.object({ name: z.string(), since: z.string() }).optional(),
  /** The id of the session's last event (…/events): follow from here to miss nothing and see nothing twice (absent from older hosts). */
  last_event_id: z.number().int().nonnegative().optional(),
})
export type SessionHistory = z.infer<typeof SessionHistorySchema>

/** A verified user's conversations with an agent, newest first (`GET …/conversations`, signed visitor identity). */
export const ConversationListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().min(1).max(200).optional(),
})
export const ConversationSchema = z.object({
  session_id: z.string(),
  /** The first words of the visitor's first message. */
  preview: z.string(),
  message_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
})
export type Conversation = z.infer<typeof ConversationSchema>
export const ConversationListSchema = z.object({
  conversations: z.array(ConversationSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
})
export type ConversationList = z.infer<typeof ConversationListSchema>

export const SyncStepSchema = z.object({
  role: z.enum(['assistant', 'tool']),
  content: z.string(),
  tool_name: z.string().nullable(),
  tool_input: z.unknown().nullable(),
})
export type SyncStep = z.infer<typeof SyncStepSchema>

export const SyncReplySchema = z.object({
  success: z.boolean(),
  answer: z.string(),
  total_turns: z.number().int(),
  steps: z.array(SyncStepSchema),
  error: z.string().nullable(),
  trace_id: z.string(),
  session_id: z.string(),
  /** The knowledge sources the run's searches returned; absent when it searched none (and from older hosts). */
  sources: z.array(AnswerSourceSchema).optional(),
})
export type SyncReply = z.infer<typeof SyncReplySchema>

/** The answer to an attachment upload; its `file_id` goes into the next chat request. */
export const UploadedAttachmentSchema = z.object({
  file_id: z.string(),
  filename: z.string(),
  size: z.number().int(),
  content_type: z.string(),
})
export type UploadedAttachment = z.infer<typeof UploadedAttachmentSchema>

// ---------------------------------------------------------------- stream events

const eventBase = { turn: z.number().int().nonnegative() }

export const StreamEventSchema = z.discriminatedUnion('event_type', [
  z.object({
    event_type: z.literal('run_started'),
    ...eventBase,
    trace_id: z.string(),
    session_id: z.string(),
    request_id: z.string(),
  }),
  z.object({ event_type: z.literal('turn_start'), ...eventBase, max_turns: z.number().int() }),
  z.object({ event_type: z.literal('text_delta'), ...eventBase, text: z.string() }),
  z.object({
    event_type: z.literal('tool_call'),
    ...eventBase,
    tool_call_id: z.string(),
    tool_name: z.string(),
    tool_input: z.unknown(),
  }),
  z.object({
    event_type: z.literal('tool_result'),
    ...eventBase,
    tool_call_id: z.string(),
    tool_name: z.string(),
    tool_input: z.unknown(),
    tool_result: z.string(),
    is_error: z.boolean(),
  }),
  z.object({
    event_type: z.literal('output_file'),
    ...eventBase,
    file_id: z.string(),
    filename: z.string(),
    size: z.number().int(),
    content_type: z.string(),
    download_url: z.string(),
  }),
  z.object({
    event_type: z.literal('context_compressed'),
    ...eventBase,
    previous_tokens: z.number().int(),
    context_limit: z.number().int(),
  }),
  z.object({ event_type: z.literal('sources'), ...eventBase, sources: z.array(AnswerSourceSchema) }),
  z.object({
    event_type: z.literal('complete'),
    ...eventBase,
    success: z.boolean(),
    answer: z.string(),
    total_turns: z.number().int(),
    total_input_tokens: z.number().int(),
    total_output_tokens: z.number().int(),
    error: z.string().optional(),
  }),
  z.object({ event_type: z.literal('trace_saved'), ...eventBase, trace_id: z.string() }),
  z.object({ event_type: z.literal('error'), ...eventBase, message: z.string(), code: z.string() }),
  /** The chat is taken over by a person: the message is stored and no model answers it (the `complete` that follows has an empty answer). */
  z.object({ event_type: z.literal('taken_over'), ...eventBase, name: z.string() }),
])
export type StreamEvent = z.infer<typeof StreamEventSchema>
export type StreamEventType = StreamEvent['event_type']
export type StreamEventOf<T extends StreamEventType> = Extract<StreamEvent, { event_type: T }>

// ---------------------------------------------------------------- errors

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
})
export type ErrorBody = z.infer<typeof ErrorBodySchema>

// ---------------------------------------------------------------- session events

/**
 * What happens in a session besides the answers a client asked for, on
 * `GET …/sessions/{session_id}/events` (SSE; `id:` is the event's number in its session, for
 * Last-Event-ID): a person took the chat over, wrote, handed it back; and, for the owner, what
 * the visitor wrote meanwhile.
 */
export const SessionEventSchema = z.discriminatedUnion('event_type', [
  z.object({ event_type: z.literal('person_joined'), id: z.number().int().positive(), name: z.string(), created_at: z.string() }),
  z.object({
    event_type: z.literal('person_message'),
    id: z.number().int().positive(),
    name: z.string(),
    seq: z.number().int().positive(),
    text: z.string(),
    created_at: z.string(),
  }),
  z.object({ event_type: z.literal('person_left'), id: z.number().int().positive(), name: z.string(), created_at: z.string() }),
  z.object({
    event_type: z.literal('visitor_message'),
    id: z.number().int().positive(),
    seq: z.number().int().positive(),
    text: z.string(),
    created_at: z.string(),
  }),
])
export type SessionEvent = z.infer<typeof SessionEventSchema>
export type SessionEventType = SessionEvent['event_type']
