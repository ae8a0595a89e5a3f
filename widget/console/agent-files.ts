/**
 * Files: the space the agent's files take on this host (visitors' attachments, uploads no message
 * named yet, tools' files), today's attachments against the daily budget, and the sessions that
 * take the most. Reading only: every role sees it.
 */
import { html, nothing } from 'lit'
import type { AgentFiles, FileCount, Link } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { api } from './api.ts'
import { AgentPanel, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'
import { hrefFor } from './router.ts'
import { sourceOf } from './watch-page.ts'

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB']

/** Bytes as people read them: `512 bytes`, `3.5 KiB`, `1 GiB`. */
export function bytesText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${+value.toFixed(1)} ${UNITS[unit]}`
}

const minutesText = (minutes: number) => (minutes === 1 ? '1 minute' : `${+minutes.toFixed(1)} minutes`)

export class ConsoleAgentFiles extends AgentPanel {
  static override properties = { agent: { attribute: false }, usage: { state: true }, links: { state: true }, feedback: { state: true } }
  declare agent: Agent | null
  usage: AgentFiles | null = null
  links: Link[] = []
  feedback: Feedback = IDLE
  protected override agentOpened(): void {
    this.usage = null
    void this.load('')
  }

  private async load(done: string): Promise<void> {
    const id = this.agent!.id
    // Link names only label the sessions: without them the link id shows.
    void api.get<{ links: Link[] }>(`/agents/${id}/links`).then(
      (reply) => (this.links = reply.links),
      () => {},
    )
    const usage = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading file usage…', done },
      () => api.get<AgentFiles>(`/agents/${id}/files`),
    )
    if (usage && usage.agent_id === this.agent?.id) this.usage = usage
  }

  override render() {
    const usage = this.usage
    return html`<section aria-labelledby="files-heading">
      <h2 id="files-heading">Files</h2>
      <p class="hint">Files visitors attach and files tools hand out are stored on this host.${
        usage ? ` An attachment that no message names within ${minutesText(usage.budgets.unused_minutes)} of its upload is deleted.` : ''
      }</p>
      ${feedbackView(this.feedback)}
      ${usage ? this.renderUsage(usage) : nothing}
      <button type="button" @click=${() => this.load('File usage refreshed.')} ?disabled=${this.feedback.state === 'busy'}>Refresh</button>
    </section>`
  }

  private renderUsage(usage: AgentFiles) {
    const { totals, budgets, today } = usage
    const all: FileCount = { count: totals.attachments.count + totals.outputs.count, bytes: totals.attachments.bytes + totals.outputs.bytes }
    const row = (label: string, count: FileCount) =>
      html`<tr><th scope="row">${label}</th><td class="num">${count.count}</td><td class="num">${bytesText(count.bytes)}</td></tr>`
    return html`<div class="table-wrap" role="region" aria-label="Storage table" tabindex="0"><table>
        <thead><tr><th scope="col">Files</th><th scope="col" class="num">Count</th><th scope="col" class="num">Size</th></tr></thead>
        <tbody>
          ${row('Attachments from visitors', totals.attachments)}
          ${row('… of which no message names yet', totals.unused_attachments)}
          ${row('Files from tools', totals.outputs)}
          ${row('All files', all)}
        </tbody>
      </table></div>
      <h3>Attachments today</h3>
      <p class="row">
        <label for="files-today">Received today (${today.day}, UTC)</label>
        <meter id="files-today" min="0" max=${budgets.agent_attachment_bytes_per_day} value=${Math.min(today.attachment_bytes, budgets.agent_attachment_bytes_per_day)}></meter>
        <span>${bytesText(today.attachment_bytes)} of ${bytesText(budgets.agent_attachment_bytes_per_day)}</span>
      </p>
      <p class="hint">
        Past the daily budget, uploads are refused until midnight UTC (429); deleting files does not give it back. One chat may hold
        ${bytesText(budgets.session_attachment_bytes)} of attachments; past that, its uploads are refused (413).
      </p>
      <h3>Largest sessions</h3>
      ${usage.top_sessions.length === 0 ? html`<p>No files yet.</p>` : this.renderSessions(usage)}`
  }

  private renderSessions(usage: AgentFiles) {
    return html`<div class="table-wrap" role="region" aria-label="Largest sessions table" tabindex="0"><table>
      <thead><tr><th scope="col">Session</th><th scope="col">Source</th><th scope="col" class="num">Files</th><th scope="col" class="num">Size</th></tr></thead>
      <tbody>${usage.top_sessions.map((s) => {
        const id = html`<code>${s.session_id.length > 18 ? `${s.session_id.slice(0, 16)}…` : s.session_id}</code>`
        return html`<tr>
          <td>${
            s.has_messages
              ? html`<a href=${hrefFor({ page: 'session', agent: usage.agent_id, session: s.session_id, scope: s.scope })}>${id}<span class="sr-only"> open transcript</span></a>`
              : html`${id} <span class="badge off">no messages</span>`
          }</td>
          <td>${sourceOf(s.scope, this.links)}</td>
          <td class="num">${s.count}</td>
          <td class="num">${bytesText(s.bytes)}</td>
        </tr>`
      })}</tbody>
    </table></div>`
  }
}

define('porch-console-agent-files', ConsoleAgentFiles)
