/**
 * The visitor side: a published agent (`/api/v1/published/{agent id}`) or a share link
 * (`/api/v1/links/{token}`), which answer the same calls: info, chat as a stream of typed
 * events or as one reply, history, stop and attachment uploads.
 */
import { z } from 'zod'
import { HEADERS } from '../limits.ts'
import {
  type ChatRequest,
  type ConversationList,
  ConversationListSchema,
  type PublishedAgentInfo,
  PublishedAgentInfoSchema,
  type SessionHistory,
  SessionHistorySchema,
  type StreamEvent,
  StreamEventSchema,
  type SyncReply,
  SyncReplySchema,
  type UploadedAttachment,
  UploadedAttachmentSchema,
} from '../protocol.ts'
import { PorchError } from './errors.ts'
import { readSse } from './sse.ts'
import { type ClientOptions, parseReply, Transport } from './transport.ts'

export type ChatOptions = {
  /** Continue this session; a new one is made when omitted (its id comes in `run_started` and the reply). */
  sessionId?: string
  /** Makes a repeated message (a retry, a resume) re-attach to the same run instead of asking twice; random by default. */
  requestId?: string
  /** File ids from `upload`. */
  attachments?: string[]
  signal?: AbortSignal
}

export type StreamOptions = ChatOptions & {
  /** Resume a stream read elsewhere: replay only the events after this one (its SSE `id`). */
  lastEventId?: number
  /** Reconnects after a dropped stream (network, 5xx) before giving up; 4xx answers are never retried. Default 5. */
  maxRetries?: number
  /** Milliseconds before reconnect n (0-based); 0.5 s doubling up to 8 s by default. */
  retryDelay?: (attempt: number) => number
}

const KNOWN_EVENTS = new Set<string>(StreamEventSchema.options.map((option) => option.shape.event_type.value))

/**
 * One streamed chat message. Iterate it for its events; a dropped connection is resumed on its
 * own (the same request_id, with Last-Event-ID), and iterating it again after a `break` goes on
 * after the last event read. Events a newer host adds are skipped.
 */
export class ChatStream implements AsyncIterable<StreamEvent> {
  readonly requestId: string
  /** The session, once `run_started` named it (or as given). */
  sessionId: string | undefined
  /** The SSE id of the last event read: pass it as `lastEventId` to resume from another process. */
  lastEventId: number
  #finished = false

  constructor(
    readonly chat: VisitorChat,
    readonly request: string,
    readonly options: StreamOptions,
  ) {
    this.requestId = options.requestId ?? crypto.randomUUID()
    this.sessionId = options.sessionId
    this.lastEventId = options.lastEventId ?? 0
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamEvent> {
    const { maxRetries = 5, retryDelay = (attempt: number) => Math.min(500 * 2 ** attempt, 8000), signal } = this.options
    let retries = 0
    while (!this.#finished) {
      let dropped: PorchError
      try {
        const response = await this.chat.transport.send(`${this.chat.base}/chat`, {
          method: 'POST',
          json: this.chat.body(this.request, { ...this.options, requestId: this.requestId }),
          headers: this.lastEventId > 0 ? { [HEADERS.lastEventId]: String(this.lastEventId) } : {},
          signal,
        })
        if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
          await response.body?.cancel()
          throw new PorchError(response.status, 'bad_response', 'Porch answered with something other than an event stream.')
        }
        for await (const message of readSse(response.body!)) {
          const event = toEvent(message.data)
          if (/^\d+$/.test(message.id)) this.lastEventId = Number(message.id)
          if (!event) continue
          retries = 0
          if (event.event_type === 'run_started') this.sessionId = event.session_id
          if (event.event_type === 'complete') this.#finished = true
          yield event
        }
        if (this.#finished) return
        dropped = new PorchError(0, 'network', 'The stream ended before the answer was complete.')
      } catch (error) {
        if (signal?.aborted) throw error
        // 4xx answers are final (bad input, auth, quota); a broken contract will not mend by asking again.
        if (error instanceof PorchError && ((error.status >= 400 && error.status < 500) || error.code === 'bad_response')) throw error
        // The rest is a dropped connection: a read that failed mid-stream, a 5xx, no answer.
        dropped =
          error instanceof PorchError ? error : new PorchError(0, 'network', `The stream broke off: ${error instanceof Error ? error.message : String(error)}`)
      }
      if (retries >= maxRetries) throw dropped
      await sleep(retryDelay(retries++), signal)
    }
  }

  /** Stops the answer at once (the model stops spending); the stream then ends with a `cancelled` error event. */
  stop(): Promise<void> {
    return this.chat.stop(this.requestId)
  }
}

/** A stream event, or null for an event type this build does not know; a known type that breaks the contract throws. */
function toEvent(data: string): StreamEvent | null {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    throw new PorchError(200, 'bad_response', 'Porch sent a stream event that is not JSON.')
  }
  const type = (value as { event_type?: unknown } | null)?.event_type
  if (typeof type !== 'string' || !KNOWN_EVENTS.has(type)) return null
  return parseReply(StreamEventSchema, value, `stream event ${type}`, 200)
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })

export class VisitorChat {
  constructor(
    readonly transport: Transport,
    /** `/api/v1/published/{agent id}` or `/api/v1/links/{token}`. */
    readonly base: string,
  ) {}

  /** Name, welcome message, starters and mode (for a locked password link: only what the password form needs). */
  info(options: { signal?: AbortSignal } = {}): Promise<PublishedAgentInfo> {
    return this.transport.json(PublishedAgentInfoSchema, this.base, options)
  }

  /** Sends a message to a `streaming` agent; iterate the result for its events. Nothing is sent until you iterate. */
  stream(request: string, options: StreamOptions = {}): ChatStream {
    return new ChatStream(this, request, options)
  }

  /** Sends a message to a `non_streaming` agent and waits for the whole reply. */
  send(request: string, options: ChatOptions = {}): Promise<SyncReply> {
    return this.transport.json(SyncReplySchema, `${this.base}/chat/sync`, { method: 'POST', json: this.body(request, options), signal: options.signal })
  }

  /**
   * Chat as a signed-in user of your site (signed visitor identity): a JWT your server signed with
   * the agent's identity secret; every later call sends it. Call again with a fresh token before
   * it expires.
   */
  setUserToken(token: string | undefined): this {
    this.transport.userToken = token
    return this
  }

  /** The signed-in user's conversations with this agent, newest first (needs `setUserToken`). */
  conversations(options: { limit?: number; cursor?: string; signal?: AbortSignal } = {}): Promise<ConversationList> {
    return this.transport.json(ConversationListSchema, `${this.base}/conversations`, {
      query: { limit: options.limit, cursor: options.cursor },
      signal: options.signal,
    })
  }

  /** Every message of a session, tool calls and files included. */
  history(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<SessionHistory> {
    return this.transport.json(SessionHistorySchema, `${this.base}/sessions/${encodeURIComponent(sessionId)}`, options)
  }

  /** Stops the running answer to `requestId`; a 404 `not_found` when nothing runs under it. */
  stop(requestId: string): Promise<void> {
    return this.transport.empty(`${this.base}/chat/stop`, { method: 'POST', json: { request_id: requestId } })
  }

  /** Uploads a file to a session for the next message's `attachments` (agents with attachments on). */
  upload(sessionId: string, file: { filename: string; bytes: Uint8Array | Blob; contentType: string }): Promise<UploadedAttachment> {
    return this.transport.json(UploadedAttachmentSchema, `${this.base}/sessions/${encodeURIComponent(sessionId)}/attachments`, {
      method: 'POST',
      bytes: file.bytes,
      contentType: file.contentType,
      query: { filename: file.filename },
    })
  }

  /**
   * A file by the path the host gave for it: an `output_file`'s `download_url` (in the stream
   * and the history), or a source's `file_url`. A Blob keeps its content type.
   */
  async download(path: string, options: { signal?: AbortSignal } = {}): Promise<Blob> {
    if (!path.startsWith('/')) throw new TypeError('download takes the path the host gave (it starts with /)')
    return (await this.transport.send(path, options)).blob()
  }

  /** The chat request body (exported for ChatStream). */
  body(request: string, options: ChatOptions): ChatRequest {
    return { request, session_id: options.sessionId, request_id: options.requestId, attachments: options.attachments }
  }
}

const UnlockReplySchema = z.object({ token: z.string(), expires_at: z.string() })

/** A share link: the visitor calls, plus `unlock` for a link with a password. */
export class LinkChat extends VisitorChat {
  readonly #visitor: { token: string | undefined }

  constructor(options: ClientOptions, token: string, visitorToken?: string) {
    const visitor = { token: visitorToken }
    super(new Transport(options, () => visitor.token), `/api/v1/links/${encodeURIComponent(token)}`)
    this.#visitor = visitor
  }

  /** Trades the link's password for a visitor token (2 hours), which this client then sends; `wrong_password` (401) otherwise. */
  async unlock(password: string): Promise<{ token: string; expires_at: string }> {
    const reply = await this.transport.json(UnlockReplySchema, `${this.base}/unlock`, { method: 'POST', json: { password } })
    this.#visitor.token = reply.token
    return reply
  }
}
