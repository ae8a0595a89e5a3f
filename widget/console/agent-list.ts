/** The agents page: every agent the session may reach, with its publication state at a glance. */
import { html, nothing } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { agentStatus } from './agent-status.ts'
import { api } from './api.ts'
import { ConsoleElement, canEdit, define, type Feedback, feedbackView, formatDate, withFeedback } from './console-element.ts'

export class ConsoleAgentList extends ConsoleElement {
  static override properties = { session: { attribute: false }, agents: { state: true }, feedback: { state: true } }
  session: ConsoleSession | null = null
  agents: Agent[] | null = null
  feedback: Feedback = { state: 'busy', text: 'Loading agents…' }

  override connectedCallback(): void {
    super.connectedCallback()
    void this.load()
  }

  private async load(): Promise<void> {
    const reply = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading agents…', done: (r: { agents: Agent[] }) => `${r.agents.length} agent${r.agents.length === 1 ? '' : 's'}.` },
      () => api.get<{ agents: Agent[] }>('/agents'),
    )
    if (reply) this.agents = reply.agents
  }

  override render() {
    const mayCreate = canEdit(this.session) && this.session?.agent_ids === null
    return html`<div class="row"><h1>Agents</h1>${mayCreate ? html`<a class="button primary" href="/console/agents/new">New agent</a>` : nothing}</div>
      ${feedbackView(this.feedback)}
      ${this.agents && this.agents.length === 0 ? html`<p>No agents yet.${mayCreate ? ' Create one to start.' : ''}</p>` : nothing}
      ${
        this.agents && this.agents.length > 0
          ? html`<div class="table-wrap" role="region" aria-label="Agents table" tabindex="0">
            <table>
              <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Mode</th><th scope="col">Access</th><th scope="col">Model</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                ${this.agents.map(
                  (agent) => html`<tr>
                    <td><a href="/console/agents/${agent.id}/edit">${agent.name}</a>${agent.description ? html`<div class="hint">${agent.description}</div>` : nothing}</td>
                    <td>${agentStatus(agent)}</td>
                    <td>${agent.api_response_mode === 'streaming' ? 'Streaming' : 'Non-streaming'}</td>
                    <td>${agent.access === 'public' ? 'Public' : 'Links only'}</td>
                    <td><code>${agent.model}</code></td>
                    <td>${formatDate(agent.updated_at)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
          : nothing
      }`
  }
}

define('porch-console-agent-list', ConsoleAgentList)
