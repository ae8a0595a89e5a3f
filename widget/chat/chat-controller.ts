/**
 * The chat's state machine, apart from any rendering: it loads the agent's public info,
 * restores the tab's session from the host, sends messages (SSE or sync, as the agent's mode
 * says), follows the stream, and handles stop, retry, rate limits and "New chat". It needs only
 * `requestUpdate()` from its host, so it runs (and is tested) without a DOM.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { PublishedAgentInfo, SessionEvent, SessionHistory, StreamEvent } from '../../shared/protocol.ts'
import { VISITOR_LIMITS as LIMITS } from '../../shared/visitor-limits.ts'
import { HttpError } from '../client/http.ts'
import { followSessionEvents } from '../client/session-events.ts'
import { stopChat, streamChat } from '../client/stream-chat.ts'
import { authHeaders, type ChatTarget, chatUrls, trimSlash, visitorEndpoint } from '../client/urls.ts'
import { attachmentType, fetchConversations, fetchHistory, fetchInfo, postSync, sendFeedback, uploadAttachment } from './chat-api.ts'
import { newId, sessionStore } from './session-store.ts'
import { type AttachmentView, applySyncReply, type ChatMessage, foldAnswerEvent, type Part, textOf, toChatMessages, toSourceViews } from './transcript.ts'

export type { AttachmentView, ChatMessage, FileView, Part, SourceView, ToolView } from './transcript.ts'

/** Why files could not be attached, for the widget to word: which rule, which file. */
export type AttachmentProblem = { kind: 'type' | 'size' | 'count'; name: string }
export { textOf, toChatMessages } from './transcript.ts'

export type Phase = 'idle' | 'connecting' | 'locked' | 'ready' | 'unavailable'

type Host = Pick<ReactiveControllerHost, 'requestUpdate'> & Partial<Pick<ReactiveControllerHost, 'addController'>>

export type ChatControllerOptions = {
  /** Read on every request, so attribute changes take effect. */
  target: () => ChatTarget
  /** Reconnect policy for dropped streams (tests shorten it). */
  retryDelay?: (attempt: number) => number
  /**
   * Runs a render of streamed text later; deltas before it runs share it. Default: the next
   * animation frame in a browser, at once elsewhere.
   */
  frame?: (render: () => void) => void
}

export class ChatController implements ReactiveController {
  phase: Phase = 'idle'
  info: PublishedAgentInfo | null = null
  messages: ChatMessage[] = []
  sessionId: string | null = null
  /** Why the chat cannot be used (phase `unavailable`), in the host's words. */
  problem: string | null = null
  /** Short text for a polite live region: set when an answer completes or fails, not per token. */
  announcement = ''
  /** Files chosen for the next message. */
  attachments: File[] = []
  attachmentProblem: AttachmentProblem | null = null
  /** The signed-in user's conversations while their list is shown; null: the list is closed. */
  conversations: { session_id: string; preview: string }[] | null = null

  /** Who holds the chat, when a person took it over: the visitor's messages then get no model answer. */
  takeover: { name: string } | null = null

  private running: { abort: AbortController; requestId: string; message: ChatMessage } | null = null
  private connection: AbortController | null = null
  /** The session's event stream (human takeover), open while the chat is open and has a session. */
  private events: AbortController | null = null
  private eventsWanted = false
  /**
   * Whether the host has stored this session: it does with the session's first answer. Until
   * then there are no events to follow (the host answers 404), so none are asked for.
   */
  private sessionStored = false
  /**
   * The session whose event stream the host refused (gone, or not this visitor's). Not asked
   * again until an answer ends or the chat is reopened: `follow` runs on every render.
   */
  private eventsRefused: string | null = null
  private lastEventId = 0

  constructor(
    private readonly host: Host,
    private readonly options: ChatControllerOptions,
  ) {
    host.addController?.(this)
  }

  get busy(): boolean {
    return this.running !== null
  }

  hostDisconnected(): void {
    this.connection?.abort()
    this.running?.abort.abort()
    this.follow(false)
  }

  /**
   * Keeps the session's event stream open (`true`, while the chat is open) or closes it. It opens
   * once the chat is ready and has a session, resuming after the last event shown.
   */
  follow(wanted: boolean): void {
    this.eventsWanted = wanted
    if (!wanted || this.phase !== 'ready' || !this.sessionId || !this.sessionStored) {
      if (!wanted) {
        this.events?.abort()
        this.events = null
        this.eventsRefused = null
      }
      return
    }
    if (this.events || this.eventsRefused === this.sessionId) return
    const events = (this.events = new AbortController())
    const target = this.target()
    const sessionId = this.sessionId
    followSessionEvents(chatUrls(target).events(sessionId), {
      headers: authHeaders(target),
      afterId: this.lastEventId,
      signal: events.signal,
      onEvent: (event) => this.onSessionEvent(event),
      retryDelay: this.options.retryDelay,
    }).catch(() => {
      // Gone for good (the session or the token is): the next answer's end, or reopening, asks again.
      if (this.events !== events) return
      this.events = null
      this.eventsRefused = sessionId
    })
  }

  private onSessionEvent(event: SessionEvent): void {
    if (event.id <= this.lastEventId) return
    this.lastEventId = event.id
    const id = `e${event.id}`
    if (event.event_type === 'person_joined') {
      this.takeover = { name: event.name }
      this.messages = [...this.messages, { id, role: 'assistant', parts: [], state: 'done', notice: 'joined', author: event.name }]
    } else if (event.event_type === 'person_left') {
      this.takeover = null
      this.messages = [...this.messages, { id, role: 'assistant', parts: [], state: 'done', notice: 'left', author: event.name }]
    } else if (event.event_type === 'person_message' && !this.messages.some((m) => m.seq === event.seq && m.author)) {
      this.messages = [
        ...this.messages,
        { id, role: 'assistant', parts: [{ type: 'text', text: event.text }], state: 'done', seq: event.seq, author: event.name },
      ]
    } else return
    this.update()
  }

  private target(): ChatTarget {
    const target = this.options.target()
    const visitorToken = target.link ? (sessionStore.getVisitorToken(target) ?? undefined) : undefined
    return { ...target, visitorToken }
  }

  private update(): void {
    this.host.requestUpdate()
  }

  private framePending = false

  /**
   * One render per animation frame for streamed text, not one per delta: a model sends 50–200
   * a second, and each render of the transcript cost a main-thread task on a throttled phone
   * (bench/widget-phone.ts). The markdown itself is parsed once per frame anyway (MarkdownView).
   */
  private updateInFrame(): void {
    if (this.framePending) return
    this.framePending = true
    const frame = this.options.frame ?? (typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (render) => render())
    frame(() => {
      this.framePending = false
      this.update()
    })
  }

  /** Loads the agent's info and, if this tab has a session, its transcript. */
  async connect(): Promise<void> {
    this.connection?.abort()
    const connection = (this.connection = new AbortController())
    this.phase = 'connecting'
    this.update()
    const target = this.target()
    try {
      this.info = await fetchInfo(target, connection.signal)
      if (this.info.requires_password && !target.visitorToken) {
        this.phase = 'locked'
        return
      }
      this.sessionId = sessionStore.get(target)
      if (this.sessionId) {
        const history = await fetchHistory(target, this.sessionId, connection.signal)
        this.sessionStored = history !== null
        if (history) this.showHistory(history, target)
        else sessionStore.clear(target)
      }
      this.phase = 'ready'
      this.follow(this.eventsWanted)
    } catch (error) {
      if (connection.signal.aborted) return
      if (this.lockIfNeeded(error)) return
      this.phase = 'unavailable'
      this.problem = error instanceof HttpError ? error.message : null
    } finally {
      if (!connection.signal.aborted) this.update()
    }
  }

  /** Adds files for the next message, keeping only those the host will take. */
  attach(files: Iterable<File>): void {
    this.attachmentProblem = null
    for (const file of files) {
      if (this.attachments.length >= LIMITS.attachmentsPerMessage) this.attachmentProblem = { kind: 'count', name: file.name }
      else if (!attachmentType(file)) this.attachmentProblem = { kind: 'type', name: file.name }
      else if (file.size > LIMITS.attachmentBytes || file.size === 0) this.attachmentProblem = { kind: 'size', name: file.name }
      else this.attachments = [...this.attachments, file]
    }
    this.update()
  }

  detach(index: number): void {
    this.attachments = this.attachments.filter((_, i) => i !== index)
    this.attachmentProblem = null
    this.update()
  }

  /**
   * Sends a visitor message with the chosen files (or, for a retry, the attachments it had);
   * resolves when the answer is complete, stopped or failed.
   */
  async send(text: string, resend?: AttachmentView[]): Promise<void> {
    const request = text.trim()
    if (!request || this.running || this.phase !== 'ready' || !this.info) return
    const target = this.target()
    if (!this.sessionId) {
      this.sessionId = newId()
      this.sessionStored = false
      sessionStore.set(target, this.sessionId)
    }
    const chosen = resend ?? this.attachments.map((file): AttachmentView => ({ filename: file.name, size: file.size, file }))
    const attachments = this.info.accepts_attachments ? chosen : []
    if (!resend) this.attachments = []
    this.attachmentProblem = null
    const attachmentParts: Part[] = attachments.map((attachment) => ({ type: 'attachment', attachment }))
    this.messages = [...this.messages, { id: newId(), role: 'user', parts: [{ type: 'text', text: request }, ...attachmentParts], state: 'done' }]
    const answer: ChatMessage = { id: newId(), role: 'assistant', parts: [], state: 'streaming' }
    // While a person holds the chat, no model answers: nothing to wait for.
    if (!this.takeover) this.messages = [...this.messages, answer]
    const run = { abort: new AbortController(), requestId: newId(), message: answer }
    this.running = run
    this.announcement = ''
    this.update()

    const info = this.info
    const sessionId = this.sessionId
    const attempt = async (requestId: string) => {
      // Each file is uploaded once: a retry after a failed answer reuses what the host has.
      const fileIds = await Promise.all(
        attachments.map(async (attachment) => {
          if (!attachment.fileId && attachment.file) attachment.fileId = (await uploadAttachment(target, sessionId, attachment.file, run.abort.signal)).file_id
          return attachment.fileId
        }),
      )
      const ids = fileIds.filter((id): id is string => id !== undefined)
      const body = { request, session_id: sessionId, request_id: requestId, ...(ids.length > 0 && { attachments: ids }) }
      if (info.api_response_mode === 'streaming') {
        await streamChat(visitorEndpoint(target), {
          body,
          signal: run.abort.signal,
          onEvent: (event) => this.onEvent(answer, event),
          retryDelay: this.options.retryDelay,
        })
      } else {
        applySyncReply(answer, await postSync(target, body, run.abort.signal), (url) => resolveUrl(target.host, url))
      }
    }

    try {
      try {
        await attempt(run.requestId)
      } catch (error) {
        // The host deletes uploads that no message used for a while (and old files, when the
        // owner says so): a retry that comes later uploads the files it still holds once more.
        const reupload = attachments.filter((attachment) => attachment.file && attachment.fileId)
        if (!(error instanceof HttpError && error.code === 'unknown_attachment') || reupload.length === 0) throw error
        for (const attachment of reupload) attachment.fileId = undefined
        run.requestId = newId()
        await attempt(run.requestId)
      }
      if (run.abort.signal.aborted) answer.state = 'stopped'
      else if (answer.state === 'streaming') answer.state = 'done'
    } catch (error) {
      if (run.abort.signal.aborted) answer.state = 'stopped'
      else if (error instanceof HttpError && error.code === 'run_gone') await this.reloadHistory()
      else if (!this.lockIfNeeded(error)) this.fail(answer, error)
      else this.messages = this.messages.slice(0, -2)
    } finally {
      this.running = null
      this.announcement = answer.state === 'done' ? textOf(answer).slice(0, 500) : (answer.error ?? '')
      this.messages = [...this.messages]
      // The host has the session now (the first answer stores it).
      this.sessionStored = true
      this.eventsRefused = null
      this.follow(this.eventsWanted)
      this.update()
    }
  }

  /** Stops the answer in progress; what arrived so far stays. */
  stop(): void {
    const run = this.running
    if (!run) return
    run.abort.abort()
    // Tell the host at once, so it stops the model instead of waiting for a resume.
    void stopChat(visitorEndpoint(this.target()), run.requestId)
  }

  /** Sends the visitor message before a failed answer again, with its attachments. */
  async retry(messageId: string): Promise<void> {
    const index = this.messages.findIndex((m) => m.id === messageId)
    const question = this.messages[index - 1]
    if (index < 1 || question?.role !== 'user' || this.running) return
    this.messages = this.messages.slice(0, index - 1)
    const attachments = question.parts.flatMap((part) => (part.type === 'attachment' ? [{ ...part.attachment }] : []))
    await this.send(textOf(question), attachments)
  }

  /**
   * Rates an answer (`null` takes the rating back); with a comment, closes its comment field.
   * A rating opens the field. False when the host refused or cannot be reached: nothing changed.
   */
  async rate(messageId: string, rating: 'up' | 'down' | null, comment?: string): Promise<boolean> {
    const message = this.messages.find((m) => m.id === messageId)
    const seq = message?.role === 'assistant' ? await this.seqOf(message) : undefined
    if (!message || seq === undefined || !this.sessionId) return false
    try {
      await sendFeedback(this.target(), this.sessionId, seq, rating && { rating, ...(comment && { comment }) })
    } catch {
      return false
    }
    message.feedback = rating ? { rating, comment: comment ?? null, commenting: comment === undefined } : undefined
    this.update()
    return true
  }

  /** An answer streamed in this tab learns its stored number from the history, where it sits at the same place. */
  private async seqOf(message: ChatMessage): Promise<number | undefined> {
    if (message.seq !== undefined || !this.sessionId) return message.seq
    const history = await fetchHistory(this.target(), this.sessionId).catch(() => null)
    // Notices (a person joined, the agent is back) are not stored: they take no place in the history.
    const stored = history ? toChatMessages(history.messages)[this.messages.filter((m) => !m.notice).indexOf(message)] : undefined
    if (stored?.role === 'assistant') message.seq = stored.seq
    return message.seq
  }

  /** Shows the signed-in user's conversations (from any tab or device), or closes their list. */
  async toggleConversations(): Promise<void> {
    this.conversations = this.conversations ? null : await fetchConversations(this.target()).catch(() => [])
    this.update()
  }

  /** Continues one of the user's conversations in this tab. */
  async openConversation(sessionId: string): Promise<void> {
    const target = this.target()
    const history = await fetchHistory(target, sessionId).catch(() => null)
    if (!history || this.running) return
    sessionStore.set(target, sessionId)
    this.sessionId = sessionId
    this.sessionStored = true
    this.showHistory(history, target)
    this.conversations = null
    // Follow this session's events now, not the one left.
    this.events?.abort()
    this.events = null
    this.eventsRefused = null
    this.follow(this.eventsWanted)
    this.update()
  }

  /** A stored session's transcript, who holds it, and where its events resume. */
  private showHistory(history: SessionHistory, target: ChatTarget): void {
    this.messages = toChatMessages(history.messages, (url) => resolveUrl(target.host, url))
    this.takeover = history.takeover ? { name: history.takeover.name } : null
    this.lastEventId = history.last_event_id ?? 0
    // Still held: say so again at the end.
    if (this.takeover) this.messages.push({ id: 'held', role: 'assistant', parts: [], state: 'done', notice: 'joined', author: this.takeover.name })
  }

  /** Forgets this tab's session and starts over. */
  newChat(): void {
    this.running?.abort.abort()
    sessionStore.clear(this.target())
    this.sessionId = null
    this.sessionStored = false
    this.conversations = null
    this.messages = []
    this.announcement = ''
    this.events?.abort()
    this.events = null
    this.takeover = null
    this.lastEventId = 0
    this.update()
  }

  /** A link's visitor token expired or was never given: back to the password form. */
  private lockIfNeeded(error: unknown): boolean {
    if (!(error instanceof HttpError) || error.code !== 'password_required') return false
    sessionStore.clearVisitorToken(this.options.target())
    this.phase = 'locked'
    return true
  }

  private async reloadHistory(): Promise<void> {
    if (!this.sessionId) return
    const target = this.target()
    const history = await fetchHistory(target, this.sessionId).catch(() => null)
    if (history) this.messages = toChatMessages(history.messages, (url) => resolveUrl(target.host, url))
  }

  private fail(answer: ChatMessage, error: unknown): void {
    answer.state = 'error'
    answer.error = error instanceof HttpError ? error.message : 'The connection to the chat service was lost.'
    answer.retryAt = error instanceof HttpError && error.retryAfter ? Date.now() + error.retryAfter * 1000 : 0
  }

  private onEvent(answer: ChatMessage, event: StreamEvent): void {
    // Sent while the chat seemed taken over, but the agent answers after all (it was handed back meanwhile).
    if (!this.messages.includes(answer) && (event.event_type === 'text_delta' || event.event_type === 'tool_call' || event.event_type === 'error')) {
      this.takeover = null
      this.messages = [...this.messages, answer]
    }
    const first = answer.parts.length === 0
    if (foldAnswerEvent(answer, event)) {
      // The first text shows at once: it is what the visitor waits for.
      if (event.event_type === 'text_delta' && !first) this.updateInFrame()
      else this.update()
      return
    }
    switch (event.event_type) {
      case 'output_file':
        answer.parts.push({
          type: 'file',
          file: {
            id: event.file_id,
            filename: event.filename,
            size: event.size,
            contentType: event.content_type,
            url: resolveUrl(this.options.target().host, event.download_url),
          },
        })
        break
      case 'sources':
        answer.sources = toSourceViews(event.sources, (url) => resolveUrl(this.options.target().host, url))
        break
      case 'error':
        answer.state = 'error'
        answer.error = event.message
        answer.retryAt = 0
        break
      case 'complete':
        if (answer.state === 'streaming') answer.state = event.success ? 'done' : 'error'
        break
      case 'taken_over':
        // A person holds the chat: the message is theirs to answer, so no answer waits here.
        this.takeover = { name: event.name }
        this.messages = this.messages.filter((m) => m !== answer)
        break
      default:
        return
    }
    this.update()
  }
}

/** Download URLs are relative to the chat host, which is not the page's origin when embedded. */
function resolveUrl(host: string, url: string): string {
  try {
    return host ? new URL(url, `${trimSlash(host)}/`).href : url
  } catch {
    return url
  }
}
