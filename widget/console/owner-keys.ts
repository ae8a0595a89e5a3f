/** Owner keys (owner role only): management credentials with a role and optionally a set of agents. */
import { html, nothing } from 'lit'
import type { ConsoleSession, OwnerKey } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { api } from './api.ts'
import { ConsoleElement, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import './copy-field.ts'

export class ConsoleOwnerKeys extends ConsoleElement {
  static override properties = {
    session: { attribute: false },
    keys: { state: true },
    agents: { state: true },
    secret: { state: true },
    confirming: { state: true },
    feedback: { state: true },
  }
  session: ConsoleSession | null = null
  keys: OwnerKey[] | null = null
  agents: Agent[] = []
  secret: { name: string; key: string } | null = null
  confirming = ''
  feedback: Feedback = IDLE

  override connectedCallback(): void {
    super.connectedCallback()
    void this.load()
  }

  private async load(): Promise<void> {
    const reply = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading owner keys…', done: '' },
      () => api.get<{ owner_keys: OwnerKey[] }>('/owner-keys'),
    )
    if (reply) this.keys = reply.owner_keys
    this.agents = (await api.get<{ agents: Agent[] }>('/agents').catch(() => ({ agents: [] }))).agents
  }

  private async create(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const agentIds = data.getAll('agent_ids').map(String)
    const body = { name: String(data.get('name') ?? '').trim(), role: String(data.get('role')), ...(agentIds.length > 0 && { agent_ids: agentIds }) }
    const created = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Creating the owner key…', done: 'Owner key created: copy it now, it is shown only once.' },
      () => api.post<OwnerKey & { key: string }>('/owner-keys', body),
    )
    if (created) {
      form.reset()
      this.secret = { name: created.name, key: created.key }
      this.keys = (await api.get<{ owner_keys: OwnerKey[] }>('/owner-keys')).owner_keys
    }
  }

  private async deleteKey(key: OwnerKey): Promise<void> {
    this.confirming = ''
    const done = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Deleting ${key.name}…`, done: `${key.name} is deleted; its sessions end on their next request.` },
      async () => {
        await api.delete(`/owner-keys/${key.id}`)
        return true
      },
    )
    if (done) this.keys = (this.keys ?? []).filter((k) => k.id !== key.id)
  }

  private agentNames(ids: string[] | null): string {
    if (!ids) return 'All agents'
    return ids.map((id) => this.agents.find((a) => a.id === id)?.name ?? id).join(', ')
  }

  override render() {
    return html`<h1>Owner keys</h1>
      <p class="hint">Owner keys sign in to this console or call the owner API from a server. A viewer reads, an editor edits and publishes, an owner also manages these keys.</p>
      ${feedbackView(this.feedback)}
      ${
        this.secret
          ? html`<div class="card warning">
            <p><strong>Copy the owner key “${this.secret.name}” now.</strong> It is shown only this once.</p>
            <porch-console-copy-field label="Owner key" .text=${this.secret.key}></porch-console-copy-field>
            <button type="button" @click=${() => (this.secret = null)}>I have copied it</button>
          </div>`
          : nothing
      }
      ${this.keys && this.keys.length === 0 ? html`<p>No owner keys yet.</p>` : nothing}
      ${
        this.keys && this.keys.length > 0
          ? html`<div class="table-wrap" role="region" aria-label="Owner keys table" tabindex="0"><table>
            <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Agents</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
            <tbody>${this.keys.map(
              (key) => html`<tr>
                <td>${key.name}<div class="hint"><code>${key.id}</code></div></td>
                <td>${key.role}</td>
                <td>${this.agentNames(key.agent_ids)}</td>
                <td>${formatDate(key.created_at)}</td>
                <td>${key.last_used_at ? formatDate(key.last_used_at) : 'Never'}</td>
                <td><div class="actions">${
                  this.confirming === key.id
                    ? html`<span>Delete ${key.name}?</span><button type="button" class="danger" @click=${() => this.deleteKey(key)}>Yes, delete</button><button type="button" @click=${() => (this.confirming = '')}>Cancel</button>`
                    : html`<button type="button" class="danger" @click=${() => (this.confirming = key.id)}>Delete<span class="sr-only"> ${key.name}</span></button>`
                }</div></td>
              </tr>`,
            )}</tbody>
          </table></div>`
          : nothing
      }
      <form class="card" @submit=${this.create} aria-labelledby="new-owner-key-heading">
        <h2 id="new-owner-key-heading">New owner key</h2>
        <div class="grid">
          <div class="field"><label for="owner-key-name">Name</label><input id="owner-key-name" name="name" type="text" required maxlength="200" /></div>
          <div class="field">
            <label for="owner-key-role">Role</label>
            <select id="owner-key-role" name="role"><option value="viewer">Viewer: reads</option><option value="editor" selected>Editor: edits and publishes</option><option value="owner">Owner: also manages owner keys</option></select>
          </div>
        </div>
        <fieldset>
          <legend>Agents it may reach</legend>
          <p class="hint">None ticked: all agents, including ones created later.</p>
          ${this.agents.map((a) => html`<label><input type="checkbox" name="agent_ids" value=${a.id} /> ${a.name}</label>`)}
        </fieldset>
        <button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Create owner key</button>
      </form>`
  }
}

define('porch-console-owner-keys', ConsoleOwnerKeys)
