/**
 * The owner console's wire contract: what `/api/v1/console/*`, `/api/v1/models`, the try-it chat,
 * the watch endpoints (sessions, traces) and the preview page accept and answer. The host parses
 * requests with these schemas; the console UI (widget/console) may parse replies with them.
 * Readers tolerate unknown fields, so a newer host may add fields without breaking the console.
 *
 * Authentication in the browser: sign in once (POST /api/v1/console/session) and the host sets
 * an HttpOnly cookie `porch_console`. Every owner API route then accepts that cookie instead of
 * a bearer. A request with the cookie that is not GET/HEAD must send the header
 * `X-CSRF-Token: <csrf_token from the sign-in reply>` and come from the host's own origin
 * (browsers send `Sec-Fetch-Site: same-origin`); otherwise 403 `{error:{code:'csrf_failed'}}`.
 * Send requests with `credentials: 'same-origin'` (fetch's default) and never send an
 * Authorization header from the console (a bearer with a browser Origin is refused).
 */
import { z } from 'zod'
import { LIMITS } from './limits.ts'
import {
  AnswerSourceSchema,
  ChatRequestSchema,
  ClientIdSchema,
  ContentBlockSchema,
  MessageAuthorSchema,
  MessageFeedbackSchema,
  MessageStatusSchema,
} from './protocol.ts'

export const CONSOLE = {
  cookie: 'porch_console',
  csrfHeader: 'X-CSRF-Token',
  /** Seconds a console session lives (absolute, not sliding). */
  sessionSeconds: 12 * 60 * 60,
  /** Session scope of try-it chats: never reachable through public routes. */
  tryScope: 'try',
  /** Largest `limit` of the paged lists. */
  maxPage: 200,
  defaultPage: 50,
  /** Characters of a session's first user message shown as its preview. */
  previewChars: 120,
  /** Sessions listed by GET /api/v1/agents/{id}/files, the largest first. */
  filesTopSessions: 20,
} as const

export const OwnerRoleSchema = z.enum(['owner', 'editor', 'viewer'])
export type OwnerRole = z.infer<typeof OwnerRoleSchema>

// ---------------------------------------------------------------- sign-in

/** POST /api/v1/console/session: the admin token or an owner key (`own_….SECRET`). */
export const ConsoleSignInSchema = z.strictObject({ token: z.string().min(1).max(512) })
export type ConsoleSignIn = z.infer<typeof ConsoleSignInSchema>

/** The reply of POST and GET /api/v1/console/session. */
export const ConsoleSessionSchema = z.object({
  role: OwnerRoleSchema,
  /** The agents this session may reach; null: every agent. */
  agent_ids: z.array(z.string()).nullable(),
  /** "Admin token", or the owner key's name. */
  name: z.string(),
  /** Send as X-CSRF-Token with every POST/PATCH/DELETE. Same value for the whole session. */
  csrf_token: z.string(),
  /** When the session ends (ISO-8601); sign in again after. */
  expires_at: z.string(),
})
export type ConsoleSession = z.infer<typeof ConsoleSessionSchema>

// ---------------------------------------------------------------- models

/** GET /api/v1/models */
export const ModelsReplySchema = z.object({
  providers: z.array(z.object({ id: z.enum(['demo', 'openai', 'anthropic']), configured: z.boolean() })),
  /** Model refs to offer in the picker (any provider; check `providers` for whether it runs here). */
  suggestions: z.array(z.string()),
})
export type ModelsReply = z.infer<typeof ModelsReplySchema>

// ---------------------------------------------------------------- try-it

/** POST /api/v1/agents/{id}/try: the public chat body; answers SSE like the public streaming API. */
export const TryRequestSchema = ChatRequestSchema
/** POST /api/v1/agents/{id}/try/stop → 204, or 404 when nothing with that request_id runs. */
export const TryStopSchema = z.object({ request_id: ClientIdSchema })

// ---------------------------------------------------------------- watch: sessions and traces

const iso = z.iso.datetime({ offset: true })
const limit = z.coerce.number().int().min(1).max(CONSOLE.maxPage).default(CONSOLE.defaultPage)
/** An id of a share link (`lnk_…`) or a chat key (`key_…`). */
const accessId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_-]{8,32}$`), `must be a ${prefix}_… id`)

/** `public`, `link:<id>`, `key:<id>` or `try`. */
export const SessionScopeSchema = z.string().regex(/^(public|try|link:[A-Za-z0-9_-]{1,64}|key:[A-Za-z0-9_-]{1,64})$/, 'is public, try, link:<id> or key:<id>')

/**
 * GET /api/v1/agents/{id}/sessions. No scope: every scope but `try`. `from`/`to` bound
 * updated_at (from inclusive, to exclusive). `cursor` is the previous page's next_cursor (opaque).
 * `before` (an updated_at) is the older paging, kept for existing clients.
 */
export const SessionListQuerySchema = z.object({
  scope: SessionScopeSchema.optional(),
  link_id: accessId('lnk').optional(),
  from: iso.optional(),
  to: iso.optional(),
  cursor: z.string().min(1).max(200).optional(),
  before: iso.optional(),
  /** Only sessions with an answer visitors rated `up`, `down`, or either (`any`). */
  feedback: z.enum(['up', 'down', 'any']).optional(),
  /** Only sessions of the verified user with this id (signed visitor identity: the token's `sub`). */
  user_id: z.string().min(1).max(256).optional(),
  limit,
})
export type SessionListQuery = z.infer<typeof SessionListQuerySchema>

export const SessionSummarySchema = z.object({
  session_id: z.string(),
  scope: z.string(),
  /** The share link of a `link:<id>` session, else null. */
  link_id: z.string().nullable(),
  message_count: z.number().int(),
  /** The first user message, at most 120 characters. */
  preview: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  /** How many of its answers visitors rated up and down (absent from older hosts). */
  feedback_up: z.number().int().optional(),
  feedback_down: z.number().int().optional(),
  /** The verified user who started it (signed visitor identity); null or absent: anonymous. */
  user: z.object({ id: z.string(), name: z.string().nullable() }).nullable().optional(),
})
export type SessionSummary = z.infer<typeof SessionSummarySchema>

export const SessionListSchema = z.object({
  sessions: z.array(SessionSummarySchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
  /** Older paging: the updated_at to pass as `before`; null on the last page. */
  next_before: z.string().nullable(),
})
export type SessionList = z.infer<typeof SessionListSchema>

export const TraceStatusSchema = z.enum(['running', 'success', 'error', 'cancelled', 'interrupted'])
export type TraceStatus = z.infer<typeof TraceStatusSchema>

export const ToolCallTraceSchema = z.object({
  tool_call_id: z.string(),
  tool_name: z.string(),
  turn: z.number().int(),
  is_error: z.boolean(),
  duration_ms: z.number().nullable(),
})

export const TraceSummarySchema = z.object({
  trace_id: z.string(),
  agent_id: z.string(),
  /** The agent version that answered; 0 for a try-it run of the draft. */
  version: z.number().int(),
  session_id: z.string(),
  scope: z.string(),
  link_id: z.string().nullable(),
  request_id: z.string(),
  status: TraceStatusSchema,
  /** Milliseconds to the first token; null when none came. */
  first_token_ms: z.number().nullable(),
  /** Same value, older name. */
  time_to_first_token_ms: z.number().nullable(),
  total_ms: z.number(),
  turns: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  tool_calls: z.array(ToolCallTraceSchema),
  error: z.string().nullable(),
  started_at: z.string(),
})
export type TraceSummary = z.infer<typeof TraceSummarySchema>

/**
 * GET /api/v1/traces. No scope: every scope, try-it runs included (scope `try`, version 0).
 * `from`/`to` bound started_at. A key limited to some agents must name agent_id. `link_id`
 * means scope `link:<id>`.
 */
export const TraceListQuerySchema = z.object({
  agent_id: z.uuid().optional(),
  link_id: accessId('lnk').optional(),
  session_id: ClientIdSchema.optional(),
  scope: SessionScopeSchema.optional(),
  status: TraceStatusSchema.optional(),
  from: iso.optional(),
  to: iso.optional(),
  cursor: z.string().min(1).max(200).optional(),
  before: iso.optional(),
  limit,
})
export type TraceListQuery = z.infer<typeof TraceListQuerySchema>

export const TraceListSchema = z.object({
  traces: z.array(TraceSummarySchema),
  next_cursor: z.string().nullable(),
  next_before: z.string().nullable(),
})
export type TraceList = z.infer<typeof TraceListSchema>

/** Who holds a session instead of the agent: `by` is the owner principal (`admin` or `key:<owner key id>`), `name` what the visitor sees. */
export const TakeoverSchema = z.object({ by: z.string(), name: z.string(), since: z.string() })
export type Takeover = z.infer<typeof TakeoverSchema>

export const TranscriptMessageSchema = z.object({
  seq: z.number().int(),
  role: z.enum(['user', 'assistant']),
  /** Anthropic blocks: text, tool_use {id,name,input}, tool_result {tool_use_id,content,is_error}. */
  content: z.array(ContentBlockSchema),
  status: MessageStatusSchema,
  trace_id: z.string(),
  created_at: z.string(),
  /** The knowledge sources the run cited, on its last assistant message (as the visitor's history has them, without `file_url`). */
  sources: z.array(AnswerSourceSchema).optional(),
  /** On an assistant message the visitor rated. */
  feedback: MessageFeedbackSchema.optional(),
  /** On an assistant message a person wrote while holding the session (human takeover). */
  author: MessageAuthorSchema.optional(),
})
export type TranscriptMessage = z.infer<typeof TranscriptMessageSchema>

/** What the model was given instead of a compressed session's older messages (those up to `through_seq`). */
export const ContextSummarySchema = z.object({
  through_seq: z.number().int(),
  summary: z.string(),
  /** The estimated tokens of the context the summary replaced. */
  tokens_before: z.number().int(),
  created_at: z.string(),
})
export type ContextSummary = z.infer<typeof ContextSummarySchema>

/** GET /api/v1/agents/{id}/sessions/{sid}?scope= (scope defaults to `public`). */
export const SessionTranscriptSchema = z.object({
  session_id: z.string(),
  agent_id: z.string(),
  scope: z.string(),
  link_id: z.string().nullable(),
  message_count: z.number().int(),
  preview: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  feedback_up: z.number().int().optional(),
  feedback_down: z.number().int().optional(),
  /** The verified user who started it (signed visitor identity); null or absent: anonymous. */
  user: SessionSummarySchema.shape.user,
  messages: z.array(TranscriptMessageSchema),
  /** Every trace (chat request) of the session, oldest first. */
  traces: z.array(TraceSummarySchema),
  /** The session's context summaries, oldest first; empty when it was never compressed. */
  context_summaries: z.array(ContextSummarySchema),
  /** Who holds the session (human takeover), or null when the agent answers it (absent from older hosts). */
  takeover: TakeoverSchema.nullable().optional(),
  /** The id of the session's last event: follow …/events from here (absent from older hosts). */
  last_event_id: z.number().int().nonnegative().optional(),
})
export type SessionTranscript = z.infer<typeof SessionTranscriptSchema>

// ---------------------------------------------------------------- export: every session of an agent

/** The formats of GET /api/v1/agents/{id}/export/sessions. */
export const SessionExportFormatSchema = z.enum(['jsonl', 'csv'])
export type SessionExportFormat = z.infer<typeof SessionExportFormatSchema>

/**
 * GET /api/v1/agents/{id}/export/sessions: the session list's filters (scope, link_id, from, to,
 * same meanings), no paging: every session that matches, newest first, as one download.
 */
export const SessionExportQuerySchema = z.object({
  format: SessionExportFormatSchema.default('jsonl'),
  scope: SessionScopeSchema.optional(),
  link_id: accessId('lnk').optional(),
  from: iso.optional(),
  to: iso.optional(),
  /** Only sessions of the verified user with this id, as the session list's `user_id`. */
  user_id: z.string().min(1).max(256).optional(),
  /** Only sessions with an answer visitors rated `up`, `down`, or either (`any`), as the session list. */
  feedback: z.enum(['up', 'down', 'any']).optional(),
})
export type SessionExportQuery = z.infer<typeof SessionExportQuerySchema>

/** One line of the JSONL export: a session with every message and trace (its transcript without context summaries). */
export const SessionExportLineSchema = SessionTranscriptSchema.omit({ context_summaries: true, takeover: true, last_event_id: true })
export type SessionExportLine = z.infer<typeof SessionExportLineSchema>

/**
 * The CSV export's columns, in order: one row per message (a session without messages: one row,
 * message columns empty). `text` joins the message's text blocks; `content_json` is every block.
 * The trace columns are those of the run that wrote the message; the feedback columns hold a
 * rated answer's rating (`up`, `down`) and comment, empty otherwise.
 */
export const SESSION_EXPORT_CSV_COLUMNS = [
  'agent_id',
  'session_id',
  'scope',
  'link_id',
  'session_created_at',
  'session_updated_at',
  'seq',
  'role',
  'status',
  'created_at',
  'text',
  'content_json',
  'trace_id',
  'version',
  'trace_status',
  'first_token_ms',
  'total_ms',
  'input_tokens',
  'output_tokens',
  'error',
  'author',
  /** The verified user who started the session (signed visitor identity); empty for anonymous visitors. */
  'user_id',
  'user_name',
  'feedback_rating',
  'feedback_comment',
] as const

// ---------------------------------------------------------------- files: what an agent's files take

/** How many files, and their bytes. */
export const FileCountSchema = z.object({ count: z.number().int(), bytes: z.number().int() })
export type FileCount = z.infer<typeof FileCountSchema>

/**
 * GET /api/v1/agents/{id}/files: the space the agent's files take (every scope, try-it included),
 * the attachment budgets and today's count against the daily one. Visitors' attachments are
 * stored at upload; `unused_attachments` are those no message has named yet, deleted once they
 * stay unnamed for `budgets.unused_minutes`.
 */
export const AgentFilesSchema = z.object({
  agent_id: z.string(),
  totals: z.object({
    /** Files visitors attached (unused ones included). */
    attachments: FileCountSchema,
    /** Files tools handed to visitors. */
    outputs: FileCountSchema,
    unused_attachments: FileCountSchema,
  }),
  /** Attachment bytes the agent received this UTC day; deleting files does not lower it. */
  today: z.object({ day: z.string(), attachment_bytes: z.number().int() }),
  budgets: z.object({
    /** Bytes of attachments one session may hold (more: 413). */
    session_attachment_bytes: z.number().int(),
    /** Bytes of attachments the agent may receive per UTC day (more: 429 until midnight UTC). */
    agent_attachment_bytes_per_day: z.number().int(),
    unused_minutes: z.number(),
  }),
  /** The sessions whose files take the most bytes (at most 20), most first. */
  top_sessions: z.array(
    FileCountSchema.extend({
      session_id: z.string(),
      scope: z.string(),
      link_id: z.string().nullable(),
      /** Whether the session has messages (a transcript); uploads alone make none. */
      has_messages: z.boolean(),
    }),
  ),
})
export type AgentFiles = z.infer<typeof AgentFilesSchema>

// ---------------------------------------------------------------- listings the console shows

/**
 * What a link's owner should know when they create or change it: `agent_is_public` when the
 * link has a password but its agent is public, so the agent's id opens it without one; `fix`
 * is the one request that makes the agent link-only.
 */
export const LinkWarningSchema = z.object({
  code: z.literal('agent_is_public'),
  message: z.string(),
  fix: z.object({ method: z.literal('PATCH'), path: z.string(), body: z.object({ access: z.literal('link') }) }),
})
export type LinkWarning = z.infer<typeof LinkWarningSchema>

/**
 * GET /api/v1/agents/{id}/links → {links: Link[]}; POST (create) and PATCH with rotate_token add `token`, `url`, `script_url`, `integrity`, `script`, `iframe`;
 * POST and PATCH add `warnings: LinkWarning[]`.
 */
export const LinkSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  name: z.string(),
  expires_at: z.string().nullable(),
  expired: z.boolean(),
  has_password: z.boolean(),
  enabled: z.boolean(),
  quota_per_visitor_per_day: z.number().int().nullable(),
  quota_total: z.number().int().nullable(),
  used_total: z.number().int(),
  allowed_origins: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
})
export type Link = z.infer<typeof LinkSchema>

/**
 * What an owner pastes to put an agent or a link on a site: GET /api/v1/agents/{id}/embed, and
 * the reply of creating a link or rotating its token.
 */
export const EmbedSnippetsSchema = z.object({
  /** The hosted chat page: `{public}/published/{agent}` or `{public}/l/{token}`. */
  url: z.string(),
  script_url: z.string(),
  /** The SRI hash of embed.js (`sha384-…`), or null when the host has no built widget. */
  integrity: z.string().nullable(),
  script: z.string(),
  iframe: z.string(),
})
export type EmbedSnippets = z.infer<typeof EmbedSnippetsSchema>

/** POST /api/v1/agents/{id}/links and PATCH /api/v1/links/{id} with `rotate_token`: the link with its URL token (shown only here). */
export const IssuedLinkSchema = LinkSchema.extend({
  token: z.string(),
  ...EmbedSnippetsSchema.shape,
  warnings: z.array(LinkWarningSchema),
})
export type IssuedLink = z.infer<typeof IssuedLinkSchema>

/** GET /api/v1/agents/{id}/keys → {keys: ApiKey[]}; create/refresh add `key` (KEY.SECRET, shown once). */
export const ApiKeySchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  name: z.string(),
  created_at: z.string(),
  refreshed_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
})
export type ApiKey = z.infer<typeof ApiKeySchema>

/** A chat key as created or refreshed: `key` (KEY.SECRET) appears only in this reply. */
export const IssuedApiKeySchema = ApiKeySchema.extend({ key: z.string() })
export type IssuedApiKey = z.infer<typeof IssuedApiKeySchema>

/** GET /api/v1/owner-keys → {owner_keys: OwnerKey[]} (owner role only); create adds `key`. */
export const OwnerKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: OwnerRoleSchema,
  agent_ids: z.array(z.string()).nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
})
export type OwnerKey = z.infer<typeof OwnerKeySchema>

/** An owner key as created: `key` (own_….SECRET) appears only in this reply. */
export const IssuedOwnerKeySchema = OwnerKeySchema.extend({ key: z.string() })
export type IssuedOwnerKey = z.infer<typeof IssuedOwnerKeySchema>

/* Agents and versions: AgentSchema and AgentVersionSchema in shared/owner.ts. */

// ---------------------------------------------------------------- preview

/**
 * GET /console/preview?…: a page that loads the embed script exactly as the script snippet
 * does, for an <iframe> in the console. Exactly one of `agent` and `link`. Any other parameter,
 * or a value outside these, is a 400.
 */
export const PreviewQuerySchema = z
  .strictObject({
    agent: z.uuid().optional(),
    link: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a link token')
      .optional(),
    mode: z.enum(['inline', 'iframe']).optional(),
    position: z.enum(['bottom-right', 'bottom-left']).optional(),
    /** An accent colour: #rgb, #rrggbb or #rrggbbaa. */
    color: z
      .string()
      .regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'must be a hex colour such as #2557d6')
      .optional(),
    title: z
      .string()
      .min(1)
      .max(100)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
      .regex(/^[^\u0000-\u001f\u007f<>]*$/, 'must be plain text')
      .optional(),
    theme: z.enum(['auto', 'light', 'dark']).optional(),
    lang: z.enum(['en', 'de']).optional(),
    open: z.enum(['true', 'false']).optional(),
  })
  .refine((q) => (q.agent === undefined) !== (q.link === undefined), 'give exactly one of agent and link')
export type PreviewQuery = z.infer<typeof PreviewQuerySchema>

// ---------------------------------------------------------------- human takeover

/** POST /api/v1/agents/{id}/sessions/{sid}/takeover?scope=: `name` is shown to the visitor (default "Support"). */
export const TakeoverRequestSchema = z.strictObject({ name: z.string().trim().min(1).max(60).optional() })
export type TakeoverRequest = z.infer<typeof TakeoverRequestSchema>

/** POST /api/v1/agents/{id}/sessions/{sid}/takeover/messages?scope=: what the person writes to the visitor. */
export const PersonMessageRequestSchema = z.strictObject({ text: z.string().trim().min(1).max(LIMITS.requestChars) })
export type PersonMessageRequest = z.infer<typeof PersonMessageRequestSchema>

/** The reply to a person's message: its number in the session and the id of the event that told of it. */
export const PersonMessageReplySchema = z.object({ seq: z.number().int().positive(), event_id: z.number().int().positive() })
export type PersonMessageReply = z.infer<typeof PersonMessageReplySchema>

/** GET /api/v1/agents/{id}/takeovers: the agent's sessions a person holds now, longest held first. */
export const TakeoverListSchema = z.object({
  takeovers: z.array(TakeoverSchema.extend({ session_id: z.string(), scope: z.string(), link_id: z.string().nullable() })),
})
export type TakeoverList = z.infer<typeof TakeoverListSchema>
