/**
 * Try it: a chat with the agent's DRAFT, through the console's own endpoint, so nothing here
 * touches public traffic or its sessions. It speaks the same stream events as the public API
 * (shared/protocol.ts) over the same client as the widget (widget/client: a dropped stream
 * resumes); `<porch-chat>` is not reused because it only talks to the public endpoints and
 * cannot send the console's CSRF header.
 */
import { html, nothing, type PropertyValues } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import type { StreamEvent } from '../../shared/protocol.ts'
import { markdown } from '../chat/markdown-directive.ts'
import { foldAnswerEvent, type ToolView } from '../chat/transcript.ts'
import { stopChat, streamChat } from '../client/stream-chat.ts'
import { tryEndpoint } from '../client/urls.ts'
import { getCsrfToken } from './api.ts'
import { ConsoleElement, canEdit, define, reasonOf } from './console-element.ts'
import { toolView } from './tool-view.ts'

// Try-it shows text and tool calls (no files: its sessions have no download route).
type Part = { type: 'text'; text: string } | { type: 'tool'; tool: ToolView }
type Turn = {
  role: 'user' | 'assistant'
  /** In the order the model produced them: text, a tool call, more text. */
  parts: Part[]
  state: 'streaming' | 'done' | 'stopped' | 'error'
  error?: string
  stats?: string
}

const newId = () => crypto.randomUUID()

export class ConsoleTryChat extends ConsoleElement {
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    turns: { state: true },
    running: { state: true },
    announcement: { state: true },
  }
  session: ConsoleSession | null = null
  agent: Agent | null = null
  turns: Turn[] = []
  running: { requestId: string; abort: AbortController } | null = null
  announcement = ''
  private sessionId: string = newId()

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('agent') && changed.get('agent')?.id !== this.agent?.id) this.newChat()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.running?.abort.abort()
  }

  private newChat(): void {
    this.running?.abort.abort()
    this.running = null
    this.turns = []
    this.sessionId = newId()
    this.announcement = 'New chat started.'
  }

  private async send(text: string): Promise<void> {
    if (!text.trim() || this.running || !this.agent) return
    const requestId = newId()
    const abort = new AbortController()
    this.running = { requestId, abort }
    const answer: Turn = { role: 'assistant', parts: [], state: 'streaming' }
    this.turns = [...this.turns, { role: 'user', parts: [{ type: 'text', text }], state: 'done' }, answer]
    this.announcement = 'Sending…'
    const changed = () => (this.turns = [...this.turns])
    try {
      await streamChat(tryEndpoint(this.agent.id, getCsrfToken()), {
        body: { request: text, session_id: this.sessionId, request_id: requestId },
        signal: abort.signal,
        onEvent: (event) => {
          this.apply(answer, event)
          changed()
        },
      })
      if (answer.state === 'streaming') answer.state = 'done'
    } catch (error) {
      if (abort.signal.aborted) answer.state = 'stopped'
      else {
        answer.state = 'error'
        answer.error = reasonOf(error)
      }
    } finally {
      this.running = null
      this.announcement = answer.state === 'done' ? 'Answer complete.' : answer.state === 'stopped' ? 'Stopped.' : `Failed: ${answer.error}`
      changed()
    }
  }

  private apply(answer: Turn, event: StreamEvent): void {
    if (foldAnswerEvent(answer, event)) return
    switch (event.event_type) {
      case 'run_started':
        this.sessionId = event.session_id
        break
      case 'error':
        answer.state = 'error'
        answer.error = event.message
        break
      case 'complete':
        if (!event.success) {
          answer.state = 'error'
          answer.error ??= event.error ?? 'The run failed.'
        } else answer.state = 'done'
        answer.stats = `${event.total_turns} turn${event.total_turns === 1 ? '' : 's'} · ${event.total_input_tokens} tokens in · ${event.total_output_tokens} out`
        break
      default:
        break
    }
  }

  private async stop(): Promise<void> {
    const running = this.running
    if (!running || !this.agent) return
    // Ask the host to stop the run (so the model stops spending), then drop the stream.
    await stopChat(tryEndpoint(this.agent.id, getCsrfToken()), running.requestId)
    running.abort.abort()
  }

  private submit(event: SubmitEvent): void {
    event.preventDefault()
    const textarea = (event.target as HTMLFormElement).querySelector('textarea')!
    const text = textarea.value
    textarea.value = ''
    void this.send(text)
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      ;(event.target as HTMLTextAreaElement).form?.requestSubmit()
    }
  }

  protected override updated(): void {
    const log = this.querySelector('.chat-log')
    if (log) log.scrollTop = log.scrollHeight
  }

  override render() {
    const agent = this.agent
    if (!agent) return nothing
    if (!canEdit(this.session)) return html`<p>Trying the draft needs the editor role; yours is ${this.session?.role}.</p>`
    return html`<p class="hint">You are chatting with the <strong>draft</strong>${agent.has_unpublished_changes ? ' (it has changes that are not published)' : ''}. Nothing here reaches visitors or their sessions.</p>
      ${agent.welcome_message ? html`<p class="msg assistant"><span class="text">${agent.welcome_message}</span></p>` : nothing}
      <div class="chat-log" role="log" aria-label="Try-it conversation" aria-live="polite" tabindex="0">
        ${this.turns.length === 0 ? html`<p class="hint">Send a message to try the draft.</p>` : nothing}
        ${this.turns.map((turn) => this.renderTurn(turn))}
      </div>
      ${
        this.turns.length === 0 && agent.starters.length > 0
          ? html`<div class="actions" aria-label="Starter prompts" role="group">${agent.starters.map((s) => html`<button type="button" @click=${() => this.send(s)}>${s}</button>`)}</div>`
          : nothing
      }
      <form class="card" @submit=${this.submit} aria-label="Message the draft">
        <div class="field">
          <label for="try-input">Message</label>
          <textarea id="try-input" name="message" rows="2" @keydown=${this.onKeydown} aria-describedby="try-hint"></textarea>
          <p class="hint" id="try-hint">Enter sends, Shift+Enter makes a new line.</p>
        </div>
        <div class="actions">
          ${this.running ? html`<button type="button" class="danger" @click=${this.stop}>Stop</button>` : html`<button type="submit" class="primary">Send</button>`}
          <button type="button" @click=${this.newChat} ?disabled=${this.turns.length === 0}>New chat</button>
        </div>
      </form>
      <p class="sr-only" role="status">${this.announcement}</p>`
  }

  private renderTurn(turn: Turn) {
    return html`<div class="msg ${turn.role}" data-state=${turn.state}>
      <span class="sr-only">${turn.role === 'user' ? 'You:' : 'Agent:'}</span>
${turn.parts.map((part, index) =>
  part.type === 'tool'
    ? toolView(part.tool)
    : turn.role === 'user'
      ? html`<span class="text">${part.text}</span>`
      : html`<div class="md" ${markdown(part.text, turn.state !== 'streaming' || index < turn.parts.length - 1)}></div>`,
)}${turn.state === 'streaming' && turn.parts.length === 0 ? html`<span class="hint">Thinking…</span>` : nothing}
      ${turn.state === 'error' ? html`<span class="error meta" role="alert">Failed: ${turn.error}</span>` : nothing}
      ${turn.state === 'stopped' ? html`<span class="meta">Stopped.</span>` : nothing}
      ${turn.stats ? html`<span class="meta">${turn.stats}</span>` : nothing}
    </div>`
  }
}

define('porch-console-try-chat', ConsoleTryChat)
