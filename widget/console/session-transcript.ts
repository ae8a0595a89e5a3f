/**
 * One session's full transcript (text, tool calls with their inputs and results, how each run
 * ended) and the traces of its requests. Human takeover: an editor takes the session over,
 * writes to the visitor and hands it back; while the page is open it follows the session's
 * events, so the visitor's new messages appear as they are sent (and are announced).
 */
import { html, nothing, type PropertyValues } from 'lit'
import type { ConsoleSession, SessionTranscript, TraceSummary } from '../../shared/console.ts'
import { markdown } from '../chat/markdown-directive.ts'
import { followSessionEvents } from '../client/session-events.ts'
import { api, query } from './api.ts'
import { ConsoleElement, canEdit, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import { hrefFor } from './router.ts'
import { toolView } from './tool-view.ts'
import { traceTable } from './trace-table.ts'
import { foldTranscript } from './transcript-fold.ts'

export class ConsoleSessionTranscript extends ConsoleElement {
  static override properties = {
    agentId: { attribute: false },
    sessionId: { attribute: false },
    scope: { attribute: false },
    transcript: { state: true },
    traces: { state: true },
    feedback: { state: true },
    session: { attribute: false },
    live: { state: true },
  }
  agentId = ''
  sessionId = ''
  scope = 'public'
  session: ConsoleSession | null = null
  transcript: SessionTranscript | null = null
  traces: TraceSummary[] = []
  feedback: Feedback = IDLE
  /** What the polite live region says: the visitor's latest message, while the page follows the session. */
  live = ''
  private events: AbortController | null = null

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sessionId') || changed.has('agentId') || changed.has('scope')) {
      this.events?.abort()
      this.events = null
      void this.load()
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.events?.abort()
    this.events = null
  }

  private path(rest = ''): string {
    return `/agents/${encodeURIComponent(this.agentId)}/sessions/${encodeURIComponent(this.sessionId)}${rest}${query({ scope: this.scope })}`
  }

  private async load(): Promise<void> {
    const transcript = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading the transcript…', done: (t: SessionTranscript) => `${t.messages.length} messages.` },
      () => api.get<SessionTranscript>(this.path()),
    )
    if (!transcript) return
    this.transcript = transcript
    this.traces = transcript.traces
    this.follow(transcript.last_event_id ?? 0)
  }

  /** Follows the session's events from `afterId`; each one reloads the transcript (what changed is stored). */
  private follow(afterId: number): void {
    if (this.events || !this.isConnected) return
    const events = (this.events = new AbortController())
    void followSessionEvents(`/api/v1${this.path('/events')}`, {
      credentials: 'same-origin',
      afterId,
      signal: events.signal,
      onEvent: async (event) => {
        if (event.event_type === 'visitor_message') this.live = `Visitor: ${event.text}`
        const transcript = await api.get<SessionTranscript>(this.path()).catch(() => null)
        if (transcript && !events.signal.aborted) {
          this.transcript = transcript
          this.traces = transcript.traces
        }
      },
    }).catch(() => {
      if (this.events === events) this.events = null
    })
  }

  private async act(busy: string, done: string, step: () => Promise<unknown>): Promise<void> {
    await withFeedback((f) => (this.feedback = f), { busy, done }, step)
    const transcript = await api.get<SessionTranscript>(this.path()).catch(() => null)
    if (transcript) this.transcript = transcript
  }

  private takeOver(event: SubmitEvent): void {
    event.preventDefault()
    const name = String(new FormData(event.target as HTMLFormElement).get('name') ?? '').trim()
    void this.act('Taking over…', 'You hold this session: the agent does not answer it until you hand it back.', () =>
      api.post(this.path('/takeover'), name ? { name } : {}),
    )
  }

  private say(event: SubmitEvent): void {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const text = String(new FormData(form).get('text') ?? '').trim()
    if (!text) return
    void this.act('Sending…', 'Sent to the visitor.', async () => {
      await api.post(this.path('/takeover/messages'), { text })
      form.reset()
    })
  }

  private renderTakeover(t: SessionTranscript) {
    if (t.takeover === undefined) return nothing
    const held = t.takeover
    const editor = canEdit(this.session)
    if (!held)
      return html`<section class="card" aria-labelledby="takeover-heading">
        <h2 id="takeover-heading">Human takeover</h2>
        <p>The agent answers this session.</p>
        ${
          editor
            ? html`<form class="row" @submit=${this.takeOver}>
                <label for="takeover-name">Name the visitor sees</label>
                <input id="takeover-name" name="name" maxlength="60" placeholder="Support" />
                <button type="submit" class="primary">Take over</button>
              </form>`
            : html`<p class="hint">Your role (${this.session?.role}) can watch but not take over.</p>`
        }
      </section>`
    return html`<section class="card" aria-labelledby="takeover-heading">
      <h2 id="takeover-heading">Human takeover</h2>
      <p><span class="badge warn">Taken over</span> by ${held.name} since ${formatDate(held.since)}: the agent does not answer.</p>
      ${
        editor
          ? html`<form @submit=${this.say}>
              <label for="takeover-text">Message to the visitor</label>
              <textarea id="takeover-text" name="text" rows="3" required></textarea>
              <div class="actions">
                <button type="submit" class="primary">Send</button>
                <button type="button" @click=${() => void this.act('Handing back…', 'The agent answers again.', () => api.post(this.path('/handback')))}>Hand back to agent</button>
              </div>
            </form>`
          : nothing
      }
    </section>`
  }

  override render() {
    const t = this.transcript
    return html`<p class="hint"><a href=${hrefFor({ page: 'watch', agent: this.agentId, link: this.scope.startsWith('link:') ? this.scope.slice(5) : '', from: '', to: '' })}>Watch</a> › Session</p>
      <h1>Session <code>${this.sessionId}</code></h1>
      ${feedbackView(this.feedback)}
      ${
        t
          ? html`<p class="row"><span class="badge">${this.scope}</span>${t.user ? html`<span>User ${t.user.name ? `${t.user.name} (${t.user.id})` : t.user.id}</span>` : nothing}<span>Started ${formatDate(t.created_at)}</span><span>Last activity ${formatDate(t.updated_at)}</span></p>
            ${this.renderTakeover(t)}
            <section aria-labelledby="transcript-heading">
              <h2 id="transcript-heading">SessionTranscript</h2>
              <div class="sr-only" role="status" aria-live="polite">${this.live}</div>
              <ol class="transcript" aria-label="Messages">
                ${foldTranscript(t.messages).map(
                  (m) => html`<li class="msg ${m.role === 'user' ? 'user' : 'assistant'}">
                    <strong>${m.role === 'user' ? 'Visitor' : m.author ? `${m.author} (person)` : 'Agent'}</strong>${m.status && m.status !== 'complete' ? html` <span class="badge warn">${m.status}</span>` : nothing}
                    <div>${m.parts.map((p) => (p.type === 'tool' ? toolView(p.tool) : m.role === 'user' ? html`<span class="text">${p.text}</span>` : html`<div class="md" ${markdown(p.text, true)}></div>`))}</div>
                    ${m.feedback ? html`<p class="feedback"><span class="badge ${m.feedback.rating === 'down' ? 'warn' : ''}">${m.feedback.rating === 'up' ? '👍 Rated helpful' : '👎 Rated not helpful'}</span>${m.feedback.comment ? html` “${m.feedback.comment}”` : nothing}</p>` : nothing}
                    ${m.created_at ? html`<span class="meta">${formatDate(m.created_at)}</span>` : nothing}
                  </li>`,
                )}
              </ol>
            </section>
            <section aria-labelledby="session-traces-heading">
              <h2 id="session-traces-heading">Traces</h2>
              ${this.traces.length > 0 ? traceTable(this.traces, { label: 'Traces of this session', sessionLinks: false }) : html`<p>No traces for this session.</p>`}
            </section>`
          : nothing
      }`
  }
}

define('porch-console-session-transcript', ConsoleSessionTranscript)
