/**
 * One agent: its name and state, tabs for each task (edit, knowledge, try, publish, share, API, files, analytics, identity), and a link
 * to watch its traffic. Panels report a changed agent with `porch-agent-changed`, so the header
 * and the other tabs show the new state without a reload.
 */
import { html, nothing, type PropertyValues } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { agentStatus } from './agent-status.ts'
import { api } from './api.ts'
import { ConsoleElement, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'
import { AGENT_TABS, type AgentTab, hrefFor } from './router.ts'
import './agent-editor.ts'
import './try-chat.ts'
import './agent-publish.ts'
import './share-links.ts'
import './api-keys.ts'
import './agent-analytics.ts'
import './agent-files.ts'
import './agent-knowledge.ts'
import './agent-identity.ts'

export class ConsoleAgentPage extends ConsoleElement {
  static override properties = {
    session: { attribute: false },
    agentId: { attribute: false },
    tab: { attribute: false },
    agent: { state: true },
    feedback: { state: true },
  }
  session: ConsoleSession | null = null
  agentId = ''
  tab: AgentTab = 'edit'
  agent: Agent | null = null
  feedback: Feedback = IDLE

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('agentId') && this.agentId !== this.agent?.id) {
      this.agent = null
      void this.load()
    }
  }

  private async load(): Promise<void> {
    const agent = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading the agent…', done: '' },
      () => api.get<Agent>(`/agents/${encodeURIComponent(this.agentId)}`),
    )
    if (agent) this.agent = agent
  }

  private readonly onChanged = (event: CustomEvent<Agent>) => {
    this.agent = event.detail
  }

  override render() {
    const agent = this.agent
    if (!agent) return html`<h1>Agent</h1>${feedbackView(this.feedback)}`
    const tabLabel = AGENT_TABS.find((t) => t.tab === this.tab)?.label ?? ''
    return html`<div @porch-agent-changed=${this.onChanged}>
      <p class="hint"><a href="/console/">Agents</a> › ${agent.name}</p>
      <h1>${agent.name} <span class="sr-only">— ${tabLabel}</span></h1>
      <p class="row">
        ${agentStatus(agent)}
        <span class="badge">${agent.api_response_mode === 'streaming' ? 'Streaming' : 'Non-streaming'}</span>
        <span class="badge">${agent.access === 'public' ? 'Public' : 'Links only'}</span>
        <a href=${hrefFor({ page: 'watch', agent: agent.id, link: '', from: '', to: '' })}>Watch sessions and traces</a>
      </p>
      <nav class="tabs" aria-label="Agent">
        <ul>
          ${AGENT_TABS.map(({ tab, label }) => html`<li><a href=${hrefFor({ page: 'agent', id: agent.id, tab })} aria-current=${tab === this.tab ? 'page' : nothing}>${label}</a></li>`)}
        </ul>
      </nav>
      ${this.renderTab(agent)}
    </div>`
  }

  private renderTab(agent: Agent) {
    switch (this.tab) {
      case 'edit':
        return html`<porch-console-agent-editor .session=${this.session} .agent=${agent}></porch-console-agent-editor>`
      case 'knowledge':
        return html`<porch-console-agent-knowledge .session=${this.session} .agent=${agent}></porch-console-agent-knowledge>`
      case 'try':
        return html`<porch-console-try-chat .session=${this.session} .agent=${agent}></porch-console-try-chat>`
      case 'publish':
        return html`<porch-console-agent-publish .session=${this.session} .agent=${agent}></porch-console-agent-publish>`
      case 'share':
        return html`<porch-console-share-links .session=${this.session} .agent=${agent}></porch-console-share-links>`
      case 'api':
        return html`<porch-console-api-keys .session=${this.session} .agent=${agent}></porch-console-api-keys>`
      case 'files':
        return html`<porch-console-agent-files .agent=${agent}></porch-console-agent-files>`
      case 'analytics':
        return html`<porch-console-agent-analytics .agent=${agent}></porch-console-agent-analytics>`
      case 'identity':
        return html`<porch-console-agent-identity .session=${this.session} .agent=${agent}></porch-console-agent-identity>`
    }
  }
}

define('porch-console-agent-page', ConsoleAgentPage)
