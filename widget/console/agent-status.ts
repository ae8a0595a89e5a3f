/** An agent's publication state as badges: published version, draft changes pending. */
import { html } from 'lit'
import type { Agent } from '../../shared/owner.ts'

export function agentStatus(agent: Agent) {
  const published = agent.published && agent.active_version !== null
  return html`<span class="badges">
    ${published ? html`<span class="badge ok">Published v${agent.active_version}</span>` : html`<span class="badge off">Not published</span>`}
    ${agent.has_unpublished_changes ? html` <span class="badge warn">Draft changes pending</span>` : ''}
  </span>`
}

/** Tells the agent page (and so its other tabs) that a panel changed the agent. */
export function agentChanged(from: HTMLElement, agent: Agent): void {
  from.dispatchEvent(new CustomEvent('porch-agent-changed', { detail: agent, bubbles: true, composed: true }))
}
