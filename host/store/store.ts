/**
 * What the routes and the runtime ask of storage: one async operation per use case.
 * The SQLite store implements it today; a PostgreSQL store can implement it tomorrow
 * without touching its callers.
 */
import type {
  Access,
  AgentConfig,
  AnswerSource,
  ApiResponseMode,
  ContentBlock,
  Message,
  MessageAuthor,
  MessageStatus,
  SessionEventType,
} from '../../shared/index.ts'

export type AgentRecord = {
  id: string
  name: string
  description: string
  config: AgentConfig
  published: boolean
  activeVersion: number | null
  apiResponseMode: ApiResponseMode
  access: Access
  allowedOrigins: string[]
  createdAt: string
  updatedAt: string
}

export type VersionRecord = {
  id: string
  agentId: string
  version: number
  name: string
  agentDescription: string
  config: AgentConfig
  description: string
  createdAt: string
}

/** An agent as public traffic sees it: its publication state and the frozen active version. */
export type PublishedAgent = { agent: AgentRecord; version: VersionRecord }

export type NewAgent = { name: string; description: string; config: AgentConfig }
export type AgentPatch = { name?: string; description?: string; config?: Partial<AgentConfig>; allowedOrigins?: string[]; access?: Access }

export type PublishRequest = {
  agentId: string
  apiResponseMode?: ApiResponseMode
  access?: Access
  description?: string
  /**
   * Tools completed at publish time (MCP servers' tool lists), written to the draft in the same
   * transaction, but only if the draft's tools are still `from` (else `draft_changed`).
   */
  frozenTools?: { from: AgentConfig['tools']; to: AgentConfig['tools'] }
}

export type PublishOutcome =
  | { kind: 'published'; version: VersionRecord; created: boolean }
  | { kind: 'not_found' }
  | { kind: 'nothing_to_publish'; version: VersionRecord }
  | { kind: 'mode_locked'; currentMode: ApiResponseMode }
  | { kind: 'draft_changed' }

/** A session's address: a session id means something only inside its agent and scope. */
export type SessionKey = { agentId: string; scope: string; sessionId: string }

/** A verified visitor (signed visitor identity): the `sub` and `name` of their token. */
export type SessionUser = { id: string; name: string | null }

/** `user`: the verified visitor who started the session, null for an anonymous one. */
export type SessionRecord = SessionKey & { createdAt: string; updatedAt: string; user: SessionUser | null }

/**
 * A paging cursor: an opaque string the store makes for each listed row and reads back as
 * `PageWindow.after`. It holds whatever the store needs to continue right after that row (the
 * sort time and a tiebreaker of the store's choosing), is safe in a URL (base64url), and means
 * nothing to anyone else: the owner API hands it out as `next_cursor` and passes it back as is.
 */
export type PageCursor = string

/** What listings throw when `after` is not a cursor this kind of store made (the owner API answers 400). */
export class InvalidCursorError extends Error {
  constructor() {
    super('not a cursor of this store')
    this.name = 'InvalidCursorError'
  }
}

/** A session as the owner lists it: its paging cursor, size and first words. */
export type SessionSummaryRecord = SessionRecord & {
  cursor: PageCursor
  messageCount: number
  preview: string
  /** How many of its answers visitors rated up and down. */
  feedbackUp: number
  feedbackDown: number
}

/**
 * A session whole, as the export writes it: its summary, every message (in `seq` order) and
 * every trace (oldest first), as `getMessages` and `listSessionTraces` give them.
 */
export type SessionExportRecord = SessionSummaryRecord & {
  messages: StoredMessage[]
  traces: TraceRecord[]
  /** The ratings of its answers, in order of `seq` (as `listFeedback` gives them). */
  feedback: FeedbackRecord[]
}

/**
 * One page of a listing, newest first: by the sort time (a session's `updatedAt`, a trace's
 * `startedAt`) descending, rows with equal times in an order the store fixes (the same on every
 * call). `from` (inclusive) and `to` (exclusive) bound the time; `after` continues strictly after
 * the row whose `cursor` it is, so rows with equal times are neither skipped nor repeated;
 * `before` is the older paging by time alone (rows with times < before).
 */
export type PageWindow = { limit: number; from?: string; to?: string; before?: string; after?: PageCursor }

export type SessionQuery = PageWindow & {
  /** Only this scope; else every scope but `excludeScope`. */
  scope?: string
  excludeScope?: string
  /** Only sessions with an answer rated `up`, `down`, or either (`any`). */
  feedback?: 'up' | 'down' | 'any'
  /** Only sessions the verified user with this id started. */
  userId?: string
}

export type TraceQuery = PageWindow & {
  agentId?: string
  scope?: string
  sessionId?: string
  status?: TraceStatus
}

export type StoredMessage = Message & { seq: number; traceId: string }

export type ToolCallTrace = {
  tool_call_id: string
  tool_name: string
  turn: number
  is_error: boolean
  duration_ms: number | null
}

export type TraceStatus = 'running' | 'success' | 'error' | 'cancelled' | 'interrupted'

export type TraceStart = {
  traceId: string
  /** The host instance that runs it (`touchInstance`): only that instance's death interrupts it. */
  instanceId: string
  agentId: string
  version: number
  sessionId: string
  scope: string
  requestId: string
  startedAt: string
  /**
   * Who asked, for analytics' unique visitors: a verified user id once visitors sign in
   * (chat-service.ts's `visitor`); absent, the session is the visitor.
   */
  visitor?: string
}

export type TraceOutcome = {
  status: Exclude<TraceStatus, 'running'>
  firstTokenMs: number | null
  totalMs: number
  turns: number
  inputTokens: number
  outputTokens: number
  toolCalls: ToolCallTrace[]
  error: string | null
}

export type TraceRecord = Omit<TraceStart, 'instanceId'> &
  Omit<TraceOutcome, 'status'> & {
    status: TraceStatus
    /** Null for traces stored before hosts had instance ids. */
    instanceId: string | null
    cursor: PageCursor
  }

/**
 * A host process using the database. Several may share one database; each has an id made at its
 * start and a lease it renews (`lastSeen`). `machine` names where `pid` identifies one process
 * (a host name and PID namespace), so a host can tell that an instance on its own machine died.
 */
export type HostInstance = { id: string; machine: string; pid: number; startedAt: string; lastSeen: string }

/** Which instances a sweep finds dead: those whose lease ended before a time, and those known dead. */
export type InterruptSweep = { leaseExpiredBefore: string; deadInstanceIds: string[] }

/** The messages one chat request produced, stored with its trace in one transaction. */
export type FinishedRun = {
  session: SessionKey
  /** The verified visitor: recorded when this run creates the session, ignored for a session that exists. */
  user?: SessionUser | null
  traceId: string
  /** `sources` (a run's last assistant message's) come back from `getMessages` as stored, without `file_url`. */
  messages: { role: Message['role']; content: ContentBlock[]; status: MessageStatus; sources?: AnswerSource[] }[]
  outcome: TraceOutcome
}

export type LinkRecord = {
  id: string
  agentId: string
  name: string
  expiresAt: string | null
  /** scrypt hash, or null when the link has no password. */
  passwordHash: string | null
  enabled: boolean
  quotaPerVisitor: number | null
  quotaTotal: number | null
  usedTotal: number
  allowedOrigins: string[]
  createdAt: string
  updatedAt: string
}

export type NewLink = Omit<LinkRecord, 'id' | 'usedTotal' | 'createdAt' | 'updatedAt'> & { tokenHash: string }
export type LinkPatch = Partial<Omit<NewLink, 'agentId'>>

/** How a message through a link fared against its quotas. */
export type QuotaOutcome = 'ok' | 'total_spent' | 'visitor_spent'

export type ApiKeyRecord = {
  id: string
  agentId: string
  name: string
  secretHash: string
  createdAt: string
  refreshedAt: string | null
  lastUsedAt: string | null
}

export type OwnerRole = 'owner' | 'editor' | 'viewer'

export type OwnerKeyRecord = {
  id: string
  name: string
  role: OwnerRole
  /** The agents the key may reach; null: all of them. */
  agentIds: string[] | null
  secretHash: string
  createdAt: string
  lastUsedAt: string | null
}

/** Share links, chat API keys and owner keys. */
export interface AccessStore {
  createLink(link: NewLink): Promise<LinkRecord>
  listLinks(agentId: string): Promise<LinkRecord[]>
  getLink(id: string): Promise<LinkRecord | null>
  getLinkByTokenHash(tokenHash: string): Promise<LinkRecord | null>
  updateLink(id: string, patch: LinkPatch): Promise<LinkRecord | null>
  deleteLink(id: string): Promise<boolean>
  /** Counts one message against the link's quotas, atomically: either both counts move or neither. */
  consumeLinkQuota(linkId: string, visitor: string, day: string): Promise<QuotaOutcome>

  createApiKey(key: Omit<ApiKeyRecord, 'createdAt' | 'refreshedAt' | 'lastUsedAt'>): Promise<ApiKeyRecord>
  listApiKeys(agentId: string): Promise<ApiKeyRecord[]>
  getApiKey(id: string): Promise<ApiKeyRecord | null>
  refreshApiKey(id: string, secretHash: string): Promise<ApiKeyRecord | null>
  deleteApiKey(id: string): Promise<boolean>
  touchApiKey(id: string): Promise<void>

  createOwnerKey(key: Omit<OwnerKeyRecord, 'createdAt' | 'lastUsedAt'>): Promise<OwnerKeyRecord>
  listOwnerKeys(): Promise<OwnerKeyRecord[]>
  getOwnerKey(id: string): Promise<OwnerKeyRecord | null>
  deleteOwnerKey(id: string): Promise<boolean>
  touchOwnerKey(id: string): Promise<void>
}

export type FileKind = 'attachment' | 'output'

/** A stored file's description; its bytes are read only when it is downloaded or sent to a model. */
export type FileRecord = SessionKey & {
  id: string
  kind: FileKind
  filename: string
  contentType: string
  size: number
  traceId: string | null
  createdAt: string
}

/** A summary of a session's messages up to `throughSeq`, which the model reads instead of them. */
export type ContextSummary = { throughSeq: number; summary: string; tokensBefore: number; createdAt: string }

/** What the model is given of a session: the latest summary and every message after it. */
export type ModelContext = { summary: ContextSummary | null; messages: StoredMessage[] }

/** What one upload is checked against: the budgets in bytes, and the UTC day (`YYYY-MM-DD`) it counts on. */
export type AttachmentBudget = { sessionBytes: number; agentDayBytes: number; day: string }

export type AttachmentOutcome =
  | { kind: 'saved'; file: FileRecord }
  /** The session's attachments would pass `sessionBytes`; `usedBytes` is what they hold now. */
  | { kind: 'session_budget_spent'; usedBytes: number }
  /** The agent's count for the day would pass `agentDayBytes`. */
  | { kind: 'agent_day_budget_spent'; usedBytes: number }

export type FileCount = { count: number; bytes: number }

/** What an agent's files take, for its owner. */
export type FileUsage = {
  attachments: FileCount
  outputs: FileCount
  /** Attachments no message has named yet (deleted once they stay so too long). */
  unusedAttachments: FileCount
  /** Attachment bytes counted on the day asked for; deleting files does not lower it. */
  dayAttachmentBytes: number
  /** The sessions whose files take the most bytes, most first; `hasMessages`: the session has a transcript. */
  topSessions: { scope: string; sessionId: string; count: number; bytes: number; hasMessages: boolean }[]
}

/** Files of sessions: visitors' attachments and tools' output files. */
export interface FileStore {
  /** Stores a file as it is, outside any budget: tools' output files. */
  saveFile(file: Omit<FileRecord, 'createdAt'> & { data: Uint8Array }): Promise<FileRecord>
  /**
   * Stores a visitor's upload as an unused attachment and counts its bytes for the agent's day,
   * only if the session's attachments and that day's count stay within the budget: the checks
   * and the writes are one transaction, so concurrent uploads cannot overshoot.
   */
  saveAttachment(file: Omit<FileRecord, 'kind' | 'traceId' | 'createdAt'> & { data: Uint8Array }, budget: AttachmentBudget): Promise<AttachmentOutcome>
  /** Marks the session's attachments among `fileIds` as named by a message; returns the ids it found. */
  claimAttachments(key: SessionKey, fileIds: string[]): Promise<string[]>
  /** Deletes up to `limit` attachments that no message named, uploaded before `cutoff`, oldest first; how many went. */
  deleteUnusedAttachments(cutoff: string, limit: number): Promise<number>
  /** Forgets the agents' attachment counts of days before `day` (only the current day's is read). */
  deleteAttachmentDaysBefore(day: string): Promise<number>
  /** What the agent's files take; `day` picks the daily count, `topSessions` how many sessions to list. */
  fileUsage(agentId: string, day: string, topSessions: number): Promise<FileUsage>
  /** The file, only if it belongs to this session. */
  getFile(key: SessionKey, fileId: string): Promise<(FileRecord & { data: Uint8Array }) | null>
  /** The files of one session among `fileIds` (others are left out), with their bytes. */
  getFiles(key: SessionKey, fileIds: string[]): Promise<(FileRecord & { data: Uint8Array })[]>
  /** Deletes up to `limit` files created before `cutoff` (ISO time), oldest first; how many went. */
  deleteFilesCreatedBefore(cutoff: string, limit: number): Promise<number>
}

/** A signed-in console browser. Only the hash of its cookie is stored. */
export type ConsoleSignInRecord = {
  idHash: string
  kind: 'admin' | 'owner_key'
  ownerKeyId: string | null
  /** For admin sessions: which admin token signed in (a hash of its hash). */
  adminRef: string | null
  csrfToken: string
  createdAt: string
  expiresAt: string
}

export interface ConsoleSignInStore {
  createConsoleSignIn(session: Omit<ConsoleSignInRecord, 'createdAt'>): Promise<ConsoleSignInRecord>
  /** The session, or null when unknown or expired (an expired one is deleted on the way). */
  getConsoleSignIn(idHash: string): Promise<ConsoleSignInRecord | null>
  deleteConsoleSignIn(idHash: string): Promise<boolean>
  /** Deletes expired sessions; returns how many. */
  purgeConsoleSignIns(): Promise<number>
}

/**
 * One passage of an owner's document, as the knowledge pipeline (host/knowledge/) cuts it:
 * `ordinal` orders it within its source; `hash` is the SHA-256 (hex) of
 * `JSON.stringify([title, headingPath, url, text])` (`knowledgeChunkHash`), its address: the
 * store keeps each distinct chunk of an agent once, however many sources and versions name it.
 */
/** One searchable piece of a source, as the store keeps it. */
export type KnowledgeChunk = {
  /** Position in its source, from 0. */
  ordinal: number
  /** The document's title (a page's <title>/first h1, a file's name without extension, a pasted text's title). */
  title: string
  /** Headings above this chunk, outermost first (h1 > h2 > h3), without the title when it repeats it. */
  headingPath: string[]
  /** Where a visitor can read it: the page URL (with #fragment of the nearest heading id when the page has one), or null for uploads and pasted text. */
  url: string | null
  /** The chunk's text, plain (markdown emphasis, links and HTML stripped to readable text; code kept). */
  text: string
  /** sha256 hex of JSON.stringify([title, headingPath, url, text]): the same chunk is stored once across versions. */
  hash: string
}

export type KnowledgeSourceKind = 'file' | 'text' | 'url' | 'sitemap'

/** `importing` until its chunks are stored (`ready`) or the import gave up (`failed`, with `error`). */
export type KnowledgeSourceStatus = 'importing' | 'ready' | 'failed'

/** Which knowledge: an agent's draft (what the console's try-it searches), or one of its published versions. */
export type KnowledgeVersion = number | 'draft'

export type NewKnowledgeSource = {
  kind: KnowledgeSourceKind
  title: string
  /** The page or sitemap URL, or the uploaded file's name. */
  origin: string
  /** The uploaded file's (or the pasted text's) bytes, kept so each version that froze it can offer it for download. */
  file?: { data: Uint8Array; contentType: string }
  /** How to import it (e.g. a page limit), for the pipeline; the store keeps it as given. */
  options?: Record<string, unknown>
  /** The import's lease (see `renewKnowledgeImport`); without one, any host may take the import over at once. */
  leaseMs?: number
}

export type KnowledgeProgress = { pagesDone: number; pagesTotal: number | null }

/** A page of a web source that was not imported, and why, in words for the owner. */
export type SkippedPage = { url: string; reason: string }

export type KnowledgeSourceRecord = {
  id: string
  agentId: string
  kind: KnowledgeSourceKind
  title: string
  origin: string
  /** The file's type and size in bytes; null when the source has no file. */
  contentType: string | null
  size: number | null
  options: Record<string, unknown>
  status: KnowledgeSourceStatus
  error: string | null
  progress: KnowledgeProgress
  /** Pages of a web source its last import did not read; [] for files and texts. */
  skippedPages: SkippedPage[]
  /** How many chunks the listed knowledge (the draft, or the version asked for) holds of it. */
  chunkCount: number
  createdAt: string
  updatedAt: string
}

export type KnowledgeFile = { filename: string; contentType: string; data: Uint8Array }

export type KnowledgeQuery = {
  agentId: string
  version: KnowledgeVersion
  /** Words from a model or a visitor, as they came: any text is safe; operators are read as words. */
  query: string
  /** At most this many hits (clamped to 1..`KNOWLEDGE_SEARCH.maxLimit`). */
  limit: number
  /**
   * The query's vector (host/knowledge/embedder.ts), when the host has an embedding model: the
   * chunks whose vectors that model made are ranked by cosine too, and both rankings are fused.
   */
  embedding?: QueryEmbedding
}

/** A vector from an embedding model, normalised to length 1 (so cosine is a dot product). */
export type QueryEmbedding = { model: string; vector: Float32Array }

/** A chunk still lacking a vector from the host's model, with what the model reads of it. */
export type ChunkToEmbed = { id: number; title: string; headingPath: string[]; text: string }

/** A vector to keep for a chunk (`ChunkToEmbed.id`), normalised to length 1. */
export type ChunkEmbedding = { id: number; vector: Float32Array }

export type KnowledgeHit = {
  sourceId: string
  title: string
  headingPath: string[]
  url: string | null
  text: string
  /**
   * Higher is better; comparable only within one answer (the stores score differently). With an
   * `embedding` in the query it is the fused score: the sum of 1 / (60 + rank) over the full-text
   * and the vector rankings the chunk is in (Reciprocal Rank Fusion).
   */
  score: number
  /** 1 for the best hit, then 2, 3, … */
  rank: number
}

/** What an agent's knowledge takes: sources kept (in the draft or for versions) and distinct chunks stored. */
export type KnowledgeUsage = { sources: number; chunks: number }

/**
 * An agent's knowledge: the sources its owner adds to the draft, their chunks, and full-text
 * search over them. Chunks reach search only through `replaceKnowledgeChunks`, whole: nothing
 * half-imported is ever found. `publish` freezes the draft's knowledge into the new version, so
 * a version searches what it was published with until the agent is deleted; editing sources
 * changes only the draft. Writes to one agent's knowledge take turns with its publishes.
 */
export interface KnowledgeStore {
  /** Adds a source to the agent's draft, `importing` with no chunks; null for an unknown agent. */
  addKnowledgeSource(agentId: string, source: NewKnowledgeSource): Promise<KnowledgeSourceRecord | null>
  /**
   * Sets the import's counters and marks the source `importing` (clearing a past error), which
   * is also how a re-fetch starts; its current chunks stay searchable until replaced. Null
   * unless the source is in the agent's draft.
   */
  updateKnowledgeSourceProgress(agentId: string, sourceId: string, progress: KnowledgeProgress): Promise<KnowledgeSourceRecord | null>
  /**
   * Marks the source `failed` with `error` and `skippedPages` (default []), ending its lease; the
   * chunks it had (from an earlier import, or none) stay. Null unless in the draft.
   */
  failKnowledgeSource(agentId: string, sourceId: string, error: string, skippedPages?: SkippedPage[]): Promise<KnowledgeSourceRecord | null>
  /**
   * Atomic: starts importing a source again (a refresh) unless it is importing: marks it
   * `importing` with no error, zero progress and a lease of `leaseMs`; its chunks stay searchable
   * until replaced. 'importing' when it already is; null unless in the draft.
   */
  restartKnowledgeImport(agentId: string, sourceId: string, leaseMs: number): Promise<KnowledgeSourceRecord | 'importing' | null>
  /** Pushes an importing source's lease to `leaseMs` from now; false unless it is importing in the draft. */
  renewKnowledgeImport(agentId: string, sourceId: string, leaseMs: number): Promise<boolean>
  /**
   * Atomic across hosts: takes over up to `limit` draft sources (of any agent) left `importing`
   * with their lease run out (their host died), giving each a lease of `leaseMs`; two hosts never
   * take the same source while its lease runs.
   */
  claimStalledKnowledgeImports(leaseMs: number, limit: number): Promise<KnowledgeSourceRecord[]>
  /**
   * Atomic: replaces the source's chunks in the draft with `chunks` and marks it `ready` with
   * `skippedPages` (default []), ending its lease. A
   * search sees the old chunks or the new ones, never a mix. Chunks the agent already stores
   * (same hash) are named, not stored again; chunks nothing names any more are deleted in the
   * same transaction. Null unless the source is in the draft (an import that finishes after its
   * source was deleted stores nothing). Throws, storing nothing, if a chunk's `hash` is not
   * `knowledgeChunkHash` of it, two chunks share an ordinal, or a chunk holds a NUL character.
   */
  replaceKnowledgeChunks(agentId: string, sourceId: string, chunks: KnowledgeChunk[], skippedPages?: SkippedPage[]): Promise<KnowledgeSourceRecord | null>
  /**
   * The sources of the draft (default) or of a version, oldest first (`createdAt`, then id). A version lists the
   * sources it froze (those that had chunks when it was published), each `ready`, with the
   * version's chunk count; their other fields are the source's current ones.
   */
  listKnowledgeSources(agentId: string, version?: KnowledgeVersion): Promise<KnowledgeSourceRecord[]>
  /** One source as `listKnowledgeSources` shows it, or null when not in that draft or version. */
  getKnowledgeSource(agentId: string, sourceId: string, version?: KnowledgeVersion): Promise<KnowledgeSourceRecord | null>
  /** The source's file (named by its origin) if it has one and is in the draft or version asked for; a version keeps it after the draft deleted it. */
  getKnowledgeFile(agentId: string, sourceId: string, version: KnowledgeVersion): Promise<KnowledgeFile | null>
  /** The source's chunks in the draft (default) or a version, by ordinal. */
  listKnowledgeChunks(agentId: string, sourceId: string, version?: KnowledgeVersion): Promise<KnowledgeChunk[]>
  /**
   * Removes the source from the draft; false when it was not there. Versions that froze it keep
   * searching it and offering its file; a source no version names is deleted with its file, and
   * chunks nothing names any more go in the same transaction.
   */
  deleteKnowledgeSource(agentId: string, sourceId: string): Promise<boolean>
  /**
   * Full-text search (stemmed English words, no model) over the draft's or a version's chunks,
   * best first. The query's words are matched each on its own (a chunk with more of them, and
   * rarer ones, ranks higher); any text is safe: a query with no words, an unknown agent or
   * version, all give [], never an error.
   */
  searchKnowledge(query: KnowledgeQuery): Promise<KnowledgeHit[]>
  /**
   * Up to `limit` chunks (of any agent) with no vector from `model` (none yet, or one from
   * another model), claimed for `claimMs`: other hosts sharing the database skip them meanwhile,
   * and a host that dies holding them frees them when the claim runs out. (SQLite belongs to one
   * host, whose embedder takes one batch at a time: it ignores claims.)
   */
  claimChunksToEmbed(model: string, limit: number, claimMs: number): Promise<ChunkToEmbed[]>
  /** Keeps the vectors, from `model`, in one write; chunks deleted meanwhile are skipped. Returns how many were kept. */
  storeChunkEmbeddings(model: string, embeddings: ChunkEmbedding[]): Promise<number>
  /** How many chunks (of all agents) still lack a vector from `model`. */
  countChunksToEmbed(model: string): Promise<number>
  /** What the agent's knowledge takes in storage (distinct chunks, so the same chunk in ten versions counts once). */
  knowledgeUsage(agentId: string): Promise<KnowledgeUsage>
  /** Whether the draft's knowledge differs from what `version` froze (a source or chunk added, changed or removed): the draft has changes to publish. */
  knowledgeDraftDiffers(agentId: string, version: number): Promise<boolean>
}

/** Runs of a range of start times (`from` inclusive, `to` exclusive, UTC ISO), of one agent or of all (`agentId` undefined). */
/** `from` and `to` on whole hours (UTC): the rollup counts by the hour. */
export type AnalyticsRange = { agentId?: string; from: string; to: string; bucket: 'day' | 'hour' }
export type AnalyticsCountsRecord = {
  /** Conversations (sessions) whose first finished run started in the slice. */
  conversations: number
  /** Visitors first seen in the slice: the trace's `visitor`, else the session. */
  visitors: number
  runs: number
  errors: number
  inputTokens: number
  outputTokens: number
  /** Answers of the slice's runs rated up or down. */
  feedbackUp: number
  feedbackDown: number
}
export type PercentilesRecord = { p50: number | null; p95: number | null }
export type AnalyticsRecord = {
  totals: AnalyticsCountsRecord & { refusals: number; firstTokenMs: PercentilesRecord; totalMs: PercentilesRecord }
  /** `start`: the bucket's first instant, UTC ISO with milliseconds; oldest first, only buckets with runs or refusals. */
  series: (AnalyticsCountsRecord & { start: string; refusals: number })[]
  /** The most runs first, then by scope. */
  byScope: (AnalyticsCountsRecord & { scope: string })[]
  /** By agent, then version. */
  byVersion: (AnalyticsCountsRecord & { agentId: string; version: number })[]
  /** The most runs first, then by agent id. */
  byAgent: (AnalyticsCountsRecord & { agentId: string })[]
  /** The `limit` most called tools, the most calls first, then by name. */
  tools: { name: string; calls: number; errors: number }[]
  /** The `limit` knowledge sources the answers cited most (by title), the most first, then by title. */
  sources: { title: string; citations: number }[]
}

/** Rate-limit refusals of one agent in one hour, added to what is stored. */
export type RefusalCount = { agentId: string; hour: string; refusals: number }

/**
 * The owner's analytics, read from an hourly rollup the store keeps as runs finish (in the
 * transaction that finishes them), plus the feedback table. Counts and token sums are exact;
 * percentiles come from a histogram of quarter-octave bins (within 9.1 % of the nearest-rank
 * value, analytics.ts). A run is counted once it has finished (running ones are not).
 */
export interface AnalyticsStore {
  analytics(range: AnalyticsRange, toolLimit: number): Promise<AnalyticsRecord>
  /** Adds refusal counts (hosts batch them); atomic per row, so hosts sharing the database add up. Unknown agents are skipped. */
  addRefusals(counts: RefusalCount[]): Promise<void>
}

/**
 * Everything a host keeps. Several hosts (processes, machines) may share one database: every
 * guarantee below holds between instances of a store on the same database, not only within one.
 * Every method is one transaction unless it says otherwise; "atomic" means its reads and writes
 * are one transaction that concurrent calls (from any instance) cannot interleave with in a way
 * that changes the outcome. Times are ISO-8601 UTC strings with milliseconds, set by the store.
 */
export type FeedbackRating = 'up' | 'down'

/** A visitor's rating of one assistant answer (`seq`), with the trace that produced the answer. */
export type FeedbackRecord = { seq: number; traceId: string; rating: FeedbackRating; comment: string | null; createdAt: string; updatedAt: string }

export type FeedbackOutcome = { kind: 'saved'; feedback: FeedbackRecord } | { kind: 'cleared' } | { kind: 'no_answer' }

export interface FeedbackStore {
  /**
   * Rates the session's assistant message `seq` (replacing an earlier rating of it), or clears the
   * rating when `feedback` is null. `no_answer` when the session, in that scope, has no assistant
   * message `seq`: nothing changes. A rating goes with its message (a regenerated answer loses it).
   */
  setFeedback(key: SessionKey, seq: number, feedback: { rating: FeedbackRating; comment: string | null } | null): Promise<FeedbackOutcome>
  /** The session's ratings, in order of `seq`. */
  listFeedback(key: SessionKey): Promise<FeedbackRecord[]>
}

/** Who holds a taken-over session: the owner principal (`admin` or `key:<id>`), the name the visitor sees, since when. */
export type TakeoverRecord = { byId: string; name: string; since: string }

/** One of a session's events (…/events): numbered 1, 2, … per session, in commit order. */
export type SessionEventRecord = {
  id: number
  type: SessionEventType
  /** The person's name (every type but `visitor_message`). */
  name: string | null
  /** The message's number, for `person_message` and `visitor_message`. */
  seq: number | null
  /** The message's text (its text blocks joined), for `person_message` and `visitor_message`. */
  text: string | null
  createdAt: string
}

export type TakeOverOutcome =
  | { kind: 'taken'; takeover: TakeoverRecord; event: SessionEventRecord | null }
  | { kind: 'held'; takeover: TakeoverRecord }
  | { kind: 'no_session' }

/** A message added to a taken-over session: its number and the event that tells of it; or not, because nobody holds the session. */
export type TakeoverMessageOutcome = { kind: 'added'; seq: number; event: SessionEventRecord } | { kind: 'not_taken_over' }

/**
 * Human takeover: a person holds a session instead of the agent. Every change is atomic with
 * the event that tells of it, so a client following the session's events (from any host,
 * replaying from the store) sees each change once, in order.
 */
export interface TakeoverStore {
  /**
   * Takes the session over for `person`, with a `person_joined` event. `held` when another
   * person holds it (nothing changes); `taken` with no event when `person` already holds it;
   * `no_session` for an unknown session.
   */
  takeOver(key: SessionKey, person: { id: string; name: string }): Promise<TakeOverOutcome>
  /** Hands the session back to the agent, with a `person_left` event; null when nobody held it. */
  handBack(key: SessionKey): Promise<SessionEventRecord | null>
  /**
   * Appends one message to a taken-over session (a person's, as `assistant`, by `author` or else
   * by the holder, read in the same transaction; or the visitor's, as `user`), touching the session, with its `person_message` or
   * `visitor_message` event; `not_taken_over` (nothing stored) when nobody holds the session.
   * The message has no trace (its `traceId` is a fresh id no trace has).
   */
  addTakeoverMessage(key: SessionKey, message: { role: Message['role']; content: ContentBlock[]; author?: MessageAuthor }): Promise<TakeoverMessageOutcome>
  /** Who holds the session now, or null. */
  getTakeover(key: SessionKey): Promise<TakeoverRecord | null>
  /** The agent's sessions held by a person now, longest held first. */
  listTakeovers(agentId: string): Promise<(TakeoverRecord & { scope: string; sessionId: string })[]>
  /** The session's events after `afterId`, oldest first, at most `limit`. */
  listSessionEvents(key: SessionKey, afterId: number, limit: number): Promise<SessionEventRecord[]>
  /** The id of the session's last event (0 when it has none). */
  lastSessionEventId(key: SessionKey): Promise<number>
}

/** An agent's signed visitor identity settings; `secret` is sealed (host/runtime/tools/secret-box.ts), null when none. */
export type AgentIdentityRecord = { agentId: string; secret: string | null; requireIdentity: boolean; updatedAt: string }

export interface IdentityStore {
  /** Null when the agent never had identity settings (no secret, identity not required). */
  getAgentIdentity(agentId: string): Promise<AgentIdentityRecord | null>
  /** Sets the fields given (`secret: null` deletes the secret), creating the row; null for an unknown agent. */
  updateAgentIdentity(agentId: string, patch: { secret?: string | null; requireIdentity?: boolean }): Promise<AgentIdentityRecord | null>
}

export interface Store extends AccessStore, FileStore, ConsoleSignInStore, KnowledgeStore, FeedbackStore, AnalyticsStore, TakeoverStore, IdentityStore {
  getSetting(key: string): Promise<string | null>
  /**
   * Sets the value only if the key has none yet; returns the value that is stored. Race-free:
   * when several hosts init one key at once on an empty database, exactly one value is stored and
   * every caller gets that one (never an error, never its own value unless it won).
   */
  initSetting(key: string, value: string): Promise<string>
  setSetting(key: string, value: string): Promise<void>

  createAgent(agent: NewAgent): Promise<AgentRecord>
  /** Newest first (createdAt descending, then id). */
  listAgents(): Promise<AgentRecord[]>
  getAgent(id: string): Promise<AgentRecord | null>
  /** Atomic read-merge-write: `config` is merged over the draft (and parsed); absent fields keep their value. */
  updateAgent(id: string, patch: AgentPatch): Promise<AgentRecord | null>
  /** Deletes the agent and everything of it (versions, sessions, messages, traces, files, links, keys, knowledge), in one transaction. */
  deleteAgent(id: string): Promise<boolean>

  /**
   * Publishes the draft, atomically (freezing `frozenTools` and the draft's knowledge in the same
   * transaction). A new version is made when the draft's name, description, config or knowledge
   * (the chunks of each source) differs from the active version's. Concurrent
   * publishes of one agent, from any instance, run one after another: each sees what the last
   * one wrote, so the same draft yields one new version and `nothing_to_publish` for the rest.
   * Version numbers are 1, 2, … per agent, each given once, without gaps; never an error from a
   * race (a store may lock the agent's row, or retry on its unique (agent, version) key).
   */
  publish(request: PublishRequest): Promise<PublishOutcome>
  /** Atomic: clears `published`, keeps the active version. */
  unpublish(agentId: string): Promise<AgentRecord | null>
  /** Newest first. */
  listVersions(agentId: string): Promise<VersionRecord[]>
  getVersion(agentId: string, version: number): Promise<VersionRecord | null>
  /** Atomic: makes an existing version the active one; does not publish an unpublished agent. */
  activateVersion(agentId: string, version: number): Promise<AgentRecord | null>
  /**
   * The published agent with its active version, or null when unknown or unpublished; read
   * afresh each call (every change is seen at once). Configs are handed out frozen and may be
   * shared between calls.
   */
  getPublishedAgent(agentId: string): Promise<PublishedAgent | null>

  getSession(key: SessionKey): Promise<SessionRecord | null>
  /** Every message of a session in order of `seq` (1, 2, … without gaps). */
  getMessages(key: SessionKey): Promise<StoredMessage[]>
  /** The latest context summary and the messages after it, read in one transaction: what the next run builds on. */
  getModelContext(key: SessionKey): Promise<ModelContext>
  /** Records a summary of the session's messages up to `throughSeq`, replacing one with the same `throughSeq`; rejects when the session does not exist. */
  saveContextSummary(key: SessionKey, summary: Omit<ContextSummary, 'createdAt'>): Promise<void>
  /** Every summary of a session, oldest first (for the owner). */
  listContextSummaries(key: SessionKey): Promise<ContextSummary[]>
  /** A session with its size and preview (the first `CONSOLE.previewChars` characters of its first message's text), or null. */
  getSessionSummary(key: SessionKey): Promise<SessionSummaryRecord | null>
  /** One page of an agent's sessions by last activity (`updatedAt`), see `PageWindow`; throws `InvalidCursorError` for a foreign `after`. */
  listSessions(agentId: string, query: SessionQuery): Promise<SessionSummaryRecord[]>
  /**
   * The page `listSessions` gives for the same query, each session with its messages and traces,
   * read in a bounded number of queries (not one per session): the export walks every session
   * of an agent with it, one page at a time, so no more than `limit` sessions are held at once.
   */
  exportSessions(agentId: string, query: SessionQuery): Promise<SessionExportRecord[]>

  /**
   * Records that a run started: its trace, `running`, under `trace.instanceId`. The store may
   * defer the write (the SQLite store does, to the end of the current event-loop turn, so a run
   * over within that turn costs one commit: `finishRun` then writes the trace once, finished,
   * with these start fields). What a deferring store must still guarantee:
   * - this same store instance shows the trace at once, as `running`, in `listTraces`,
   *   `listSessionTraces` and `getSessionSummary`, and to `markInterruptedTraces`/`endInstance`;
   * - other instances see it soon after (SQLite: once the current turn has ended), so a crash
   *   later in the run leaves it behind to be marked `interrupted`;
   * - a `finishRun` that fails leaves it `running` (written), not lost.
   * It never rejects for a deferred write; a row that cannot be written shows in `finishRun`.
   */
  startTrace(trace: TraceStart): Promise<void>
  /**
   * Appends the run's messages (creating the session if needed, touching its `updatedAt`) and
   * closes its trace, atomically: all of it is stored or none (a message the store refuses rolls
   * back the rest, and the trace stays as it was). Runs of one session finishing at once, from
   * any instance, are all stored, never an error: each takes the next free numbers, in commit
   * order, its messages consecutive (a per-session counter taken in the same transaction).
   */
  finishRun(run: FinishedRun): Promise<void>
  /**
   * Deletes the session's messages from `fromSeq` on, with the context summaries that reach
   * into them, and takes their numbers back (the next run's messages start at `fromSeq`), all
   * at once; returns how many messages went (0 for an unknown session). A regenerated answer
   * (the AI SDK's `regenerate`) replaces the session's last turn this way. Their files stay
   * (the file retention sweeps them).
   */
  dropMessagesFrom(key: SessionKey, fromSeq: number): Promise<number>
  /** One page of traces by `startedAt`, see `PageWindow`; throws `InvalidCursorError` for a foreign `after`. */
  listTraces(query: TraceQuery): Promise<TraceRecord[]>
  /** Every trace of one session, oldest first. */
  listSessionTraces(key: SessionKey): Promise<TraceRecord[]>

  /**
   * Registers a host instance or renews its lease, setting `lastSeen` to now (`startedAt` on the
   * first call). A host calls it at start, before its first `startTrace`, and then periodically.
   */
  touchInstance(instance: Pick<HostInstance, 'id' | 'machine' | 'pid'>): Promise<void>
  /** Every registered instance, oldest first. */
  listInstances(): Promise<HostInstance[]>
  /** Forgets an instance that stopped cleanly (its runs are stored); a trace it left running is then swept as orphaned. */
  endInstance(id: string): Promise<void>
  /**
   * Marks traces left `running` by a host that died as `interrupted` (error "the host stopped
   * during this run"); returns how many. Atomically: forgets the instances whose lease ended
   * (`lastSeen` < `leaseExpiredBefore`) and those in `deadInstanceIds`, then marks every running
   * trace whose instance is not registered (forgotten, ended, or null). Running traces of live
   * instances are never touched, so one host starting or sweeping leaves another's runs alone.
   */
  markInterruptedTraces(sweep: InterruptSweep): Promise<number>

  close(): Promise<void>
}

/** The conversation half of a store, which each implementation builds in one module: sessions, messages, summaries, traces and host instances. */
export type SessionStore = Pick<
  Store,
  | 'getSession'
  | 'getSessionSummary'
  | 'getMessages'
  | 'listSessions'
  | 'exportSessions'
  | 'getModelContext'
  | 'saveContextSummary'
  | 'listContextSummaries'
  | 'startTrace'
  | 'finishRun'
  | 'dropMessagesFrom'
  | 'listTraces'
  | 'listSessionTraces'
  | 'markInterruptedTraces'
  | 'touchInstance'
  | 'listInstances'
  | 'endInstance'
>
