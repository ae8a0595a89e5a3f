/**
 * Publishing: what the draft changes against the active version, publish with a change
 * description, response mode and access, unpublish, and the version history with roll back.
 */
import { html, nothing } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import { LIMITS } from '../../shared/limits.ts'
import type { Agent, AgentVersion } from '../../shared/owner.ts'
import { agentChanged } from './agent-status.ts'
import { api } from './api.ts'
import { AgentPanel, canEdit, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import { changedFields, diffLines } from './diff.ts'

type PublishReply = { message: string; version: { version: number } }

export class ConsoleAgentPublish extends AgentPanel {
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    versions: { state: true },
    feedback: { state: true },
    historyFeedback: { state: true },
  }
  session: ConsoleSession | null = null
  declare agent: Agent | null
  versions: AgentVersion[] | null = null
  feedback: Feedback = IDLE
  historyFeedback: Feedback = IDLE
  protected override agentOpened(): void {
    void this.loadVersions()
  }

  /** Loads the history; `quiet` keeps the last action's message on screen (a reload after it). */
  private async loadVersions(quiet = false): Promise<void> {
    const load = () => api.get<{ versions: AgentVersion[] }>(`/agents/${this.agent!.id}/versions`)
    const reply = quiet ? await load().catch(() => null) : await withFeedback((f) => (this.historyFeedback = f), { busy: 'Loading versions…', done: '' }, load)
    if (reply) this.versions = [...reply.versions].sort((a, b) => b.version - a.version)
  }

  private async refresh(): Promise<void> {
    const agent = await api.get<Agent>(`/agents/${this.agent!.id}`)
    agentChanged(this, agent)
    await this.loadVersions(true)
  }

  private async publish(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const body: Record<string, string> = { access: String(data.get('access')) }
    const description = String(data.get('description') ?? '').trim()
    if (description) body.description = description
    if (!this.agent!.published) body.api_response_mode = String(data.get('api_response_mode'))
    const reply = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Publishing…', done: (r: PublishReply) => r.message },
      () => api.post<PublishReply>(`/agents/${this.agent!.id}/publish`, body),
    )
    if (reply) {
      form.reset()
      await this.refresh()
    }
  }

  private async unpublish(): Promise<void> {
    const agent = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Unpublishing…', done: 'Unpublished: public traffic and links are refused until you publish again.' },
      () => api.post<Agent>(`/agents/${this.agent!.id}/unpublish`),
    )
    if (agent) agentChanged(this, agent)
  }

  private async activate(version: number): Promise<void> {
    const agent = await withFeedback(
      (f) => (this.historyFeedback = f),
      { busy: `Rolling back to version ${version}…`, done: `Version ${version} is live again.` },
      () => api.post<Agent>(`/agents/${this.agent!.id}/versions/${version}/activate`),
    )
    if (agent) {
      agentChanged(this, agent)
      await this.loadVersions(true)
    }
  }

  override render() {
    const agent = this.agent
    if (!agent) return nothing
    const editor = canEdit(this.session)
    const active = this.versions?.find((v) => v.active) ?? null
    return html`<section aria-labelledby="changes-heading">
        <h2 id="changes-heading">Changes to publish</h2>
        ${this.renderDiff(agent, active)}
      </section>
      <section aria-labelledby="publish-heading">
        <h2 id="publish-heading">Publish</h2>
        ${editor ? this.renderPublishForm(agent) : html`<p>Your role (viewer) cannot publish.</p>`}
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Version history</h2>
        ${feedbackView(this.historyFeedback)}
        ${this.versions && this.versions.length === 0 ? html`<p>No versions yet: publish to make version 1.</p>` : nothing}
        ${
          this.versions && this.versions.length > 0
            ? html`<div class="table-wrap" role="region" aria-label="Versions table" tabindex="0"><table>
              <thead><tr><th scope="col">Version</th><th scope="col">Change</th><th scope="col">Model</th><th scope="col">Published</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${this.versions.map(
                (v) => html`<tr>
                  <td>v${v.version} ${v.active ? html`<span class="badge ok">${agent.published ? 'Live' : 'Active (unpublished)'}</span>` : nothing}</td>
                  <td>${v.description || html`<span class="hint">No description</span>`}</td>
                  <td><code>${v.config.model}</code></td>
                  <td>${formatDate(v.created_at)}</td>
                  <td>${editor && !v.active ? html`<button type="button" @click=${() => this.activate(v.version)}>Roll back to v${v.version}</button>` : nothing}</td>
                </tr>`,
              )}</tbody>
            </table></div>`
            : nothing
        }
      </section>`
  }

  private renderDiff(agent: Agent, active: AgentVersion | null) {
    if (!this.versions) return html`<p class="hint">Loading…</p>`
    const before = active ? { name: active.name, ...active.config } : null
    const changes = changedFields(before, agent as unknown as Record<string, unknown>)
    if (changes.length === 0) return html`<p>The draft equals the active version v${active?.version}: nothing to publish.</p>`
    return html`<p>${active ? `The draft differs from the active version v${active.version} in ${changes.length} field${changes.length === 1 ? '' : 's'}:` : 'Nothing is published yet; publishing makes version 1 from this draft:'}</p>
      ${changes.map(
        (change) => html`<div class="card">
          <h3>${change.label}</h3>
          <pre class="diff" aria-label=${`Changes to ${change.label}`}>${diffLines(change.before, change.after).map((line) =>
            line.kind === 'added'
              ? html`<ins><span class="sr-only">Added: </span>+ ${line.text}</ins>`
              : line.kind === 'removed'
                ? html`<del><span class="sr-only">Removed: </span>- ${line.text}</del>`
                : html`<span>  ${line.text}</span>`,
          )}</pre>
        </div>`,
      )}`
  }

  private renderPublishForm(agent: Agent) {
    return html`<form class="card" @submit=${this.publish}>
      <div class="field">
        <label for="publish-description">Change description</label>
        <input id="publish-description" name="description" type="text" maxlength=${LIMITS.versionDescriptionChars} aria-describedby="publish-description-hint" />
        <p class="hint" id="publish-description-hint">Up to ${LIMITS.versionDescriptionChars} characters, shown in the version history.</p>
      </div>
      <fieldset ?disabled=${agent.published} aria-describedby="publish-mode-hint">
        <legend>Response mode</legend>
        <label><input type="radio" name="api_response_mode" value="streaming" ?checked=${agent.api_response_mode === 'streaming'} /> Streaming (SSE)</label>
        <label><input type="radio" name="api_response_mode" value="non_streaming" ?checked=${agent.api_response_mode === 'non_streaming'} /> Non-streaming (one JSON reply)</label>
        <p class="hint" id="publish-mode-hint">${agent.published ? 'Locked while published: unpublish first to change it.' : 'Which API endpoint callers use.'}</p>
      </fieldset>
      <fieldset>
        <legend>Access</legend>
        <label><input type="radio" name="access" value="public" ?checked=${agent.access === 'public'} /> Public (anyone with the embed)</label>
        <label><input type="radio" name="access" value="link" ?checked=${agent.access === 'link'} /> Share links only</label>
      </fieldset>
      <div class="actions">
        <button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Publish</button>
        ${agent.published ? html`<button type="button" class="danger" @click=${this.unpublish} ?disabled=${this.feedback.state === 'busy'}>Unpublish</button>` : nothing}
      </div>
      ${feedbackView(this.feedback)}
    </form>`
  }
}

define('porch-console-agent-publish', ConsoleAgentPublish)
