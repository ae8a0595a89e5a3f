/**
 * One session's full transcript (text, tool calls with their inputs and results, how each run
 * ended) and the traces of its requests.
 */
import { html, nothing, type PropertyValues } from 'lit'
import type { SessionTranscript, TraceSummary } from '../../shared/console.ts'
import { markdown } from '../chat/markdown-directive.ts'
import { api, query } from './api.ts'
import { ConsoleElement, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
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
  }
  agentId = ''
  sessionId = ''
  scope = 'public'
  transcript: SessionTranscript | null = null
  traces: TraceSummary[] = []
  feedback: Feedback = IDLE

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sessionId') || changed.has('agentId') || changed.has('scope')) void this.load()
  }

  private async load(): Promise<void> {
    const path = `/agents/${encodeURIComponent(this.agentId)}/sessions/${encodeURIComponent(this.sessionId)}${query({ scope: this.scope })}`
    const transcript = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading the transcript…', done: (t: SessionTranscript) => `${t.messages.length} messages.` },
      () => api.get<SessionTranscript>(path),
    )
    if (!transcript) return
    this.transcript = transcript
    this.traces = transcript.traces
  }

  override render() {
    const t = this.transcript
    return html`<p class="hint"><a href=${hrefFor({ page: 'watch', agent: this.agentId, link: this.scope.startsWith('link:') ? this.scope.slice(5) : '', from: '', to: '' })}>Watch</a> › Session</p>
      <h1>Session <code>${this.sessionId}</code></h1>
      ${feedbackView(this.feedback)}
      ${
        t
          ? html`<p class="row"><span class="badge">${this.scope}</span>${t.user ? html`<span>User ${t.user.name ? `${t.user.name} (${t.user.id})` : t.user.id}</span>` : nothing}<span>Started ${formatDate(t.created_at)}</span><span>Last activity ${formatDate(t.updated_at)}</span></p>
            <section aria-labelledby="transcript-heading">
              <h2 id="transcript-heading">SessionTranscript</h2>
              <ol class="transcript" aria-label="Messages">
                ${foldTranscript(t.messages).map(
                  (m) => html`<li class="msg ${m.role === 'user' ? 'user' : 'assistant'}">
                    <strong>${m.role === 'user' ? 'Visitor' : 'Agent'}</strong>${m.status && m.status !== 'complete' ? html` <span class="badge warn">${m.status}</span>` : nothing}
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
