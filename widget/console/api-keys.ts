/**
 * API: the agent's chat keys (create and refresh show KEY.SECRET once; delete; last used) and
 * ready-to-run examples filled with the agent's id and the host's public URL.
 */
import { html, nothing } from 'lit'
import type { ApiKey, ConsoleSession, EmbedSnippets } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { api } from './api.ts'
import { apiExamples } from './api-examples.ts'
import { AgentPanel, canEdit, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import './copy-field.ts'

/** The host's public URL, read from the agent's page URL (`{public}/published/{id}`). */
export const publicUrlOf = (embed: EmbedSnippets | null, agentId: string): string =>
  embed?.url.endsWith(`/published/${agentId}`) ? embed.url.slice(0, -`/published/${agentId}`.length) : location.origin

export class ConsoleApiKeys extends AgentPanel {
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    keys: { state: true },
    secret: { state: true },
    confirming: { state: true },
    publicUrl: { state: true },
    example: { state: true },
    feedback: { state: true },
  }
  session: ConsoleSession | null = null
  declare agent: Agent | null
  keys: ApiKey[] | null = null
  /** A key's full credential, from the create or refresh reply: shown once. */
  secret: { name: string; key: string } | null = null
  confirming = ''
  publicUrl = ''
  example = 'curl'
  feedback: Feedback = IDLE
  protected override agentOpened(): void {
    void this.load()
  }

  private async load(): Promise<void> {
    const id = this.agent!.id
    const reply = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading keys…', done: '' },
      () => api.get<{ keys: ApiKey[] }>(`/agents/${id}/keys`),
    )
    if (reply) this.keys = reply.keys
    this.publicUrl = publicUrlOf(await api.get<EmbedSnippets>(`/agents/${id}/embed`).catch(() => null), id)
  }

  private async reload(): Promise<void> {
    const reply = await api.get<{ keys: ApiKey[] }>(`/agents/${this.agent!.id}/keys`).catch(() => null)
    if (reply) this.keys = reply.keys
  }

  private async create(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const name = String(new FormData(form).get('name') ?? '').trim() || 'API key'
    const created = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Creating the key…', done: 'Key created: copy it now, it is shown only once.' },
      () => api.post<ApiKey & { key: string }>(`/agents/${this.agent!.id}/keys`, { name }),
    )
    if (created) {
      form.reset()
      this.secret = { name: created.name, key: created.key }
      await this.reload()
    }
  }

  private async refresh(key: ApiKey): Promise<void> {
    this.confirming = ''
    const refreshed = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Refreshing ${key.name}…`, done: `${key.name} has a new secret; the old one stopped working. Copy it now.` },
      () => api.post<ApiKey & { key: string }>(`/keys/${key.id}/refresh`),
    )
    if (refreshed) {
      this.secret = { name: refreshed.name, key: refreshed.key }
      await this.reload()
    }
  }

  private async deleteKey(key: ApiKey): Promise<void> {
    this.confirming = ''
    const done = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Deleting ${key.name}…`, done: `${key.name} is deleted; calls with it are refused now.` },
      async () => {
        await api.delete(`/keys/${key.id}`)
        return true
      },
    )
    if (done) await this.reload()
  }

  override render() {
    const agent = this.agent
    if (!agent) return nothing
    const editor = canEdit(this.session)
    return html`<section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Chat API keys</h2>
        <p class="hint">Keys are for servers: they call the agent's published version through the OpenAI-compatible API. Never put one in a web page.</p>
        ${feedbackView(this.feedback)}
        ${
          this.secret
            ? html`<div class="card warning">
              <p><strong>Copy the key “${this.secret.name}” now.</strong> It is shown only this once; refresh the key if you lose it.</p>
              <porch-console-copy-field label="Key" .text=${this.secret.key}></porch-console-copy-field>
              <button type="button" @click=${() => (this.secret = null)}>I have copied it</button>
            </div>`
            : nothing
        }
        ${this.renderKeys(editor)}
        ${
          editor
            ? html`<form class="card row" @submit=${this.create}>
              <div class="field"><label for="key-name">Key name</label><input id="key-name" name="name" type="text" maxlength="200" placeholder="Production server" /></div>
              <div class="field"><button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Create key</button></div>
            </form>`
            : nothing
        }
      </section>
      <section aria-labelledby="examples-heading">
        <h2 id="examples-heading">Examples</h2>
        ${this.renderExamples(agent)}
      </section>`
  }

  private renderKeys(editor: boolean) {
    if (!this.keys) return nothing
    if (this.keys.length === 0) return html`<p>No keys yet.</p>`
    return html`<div class="table-wrap" role="region" aria-label="Chat API keys table" tabindex="0"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Key id</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
      <tbody>${this.keys.map(
        (key) => html`<tr>
          <td>${key.name}</td>
          <td><code>${key.id}</code></td>
          <td>${formatDate(key.refreshed_at ?? key.created_at)}${key.refreshed_at ? ' (refreshed)' : ''}</td>
          <td>${key.last_used_at ? formatDate(key.last_used_at) : 'Never'}</td>
          <td><div class="actions">${
            editor
              ? this.confirming === key.id
                ? html`<span>Delete ${key.name}?</span><button type="button" class="danger" @click=${() => this.deleteKey(key)}>Yes, delete</button><button type="button" @click=${() => (this.confirming = '')}>Cancel</button>`
                : html`<button type="button" @click=${() => this.refresh(key)}>Refresh<span class="sr-only"> ${key.name}</span></button><button type="button" class="danger" @click=${() => (this.confirming = key.id)}>Delete<span class="sr-only"> ${key.name}</span></button>`
              : nothing
          }</div></td>
        </tr>`,
      )}</tbody>
    </table></div>`
  }

  private renderExamples(agent: Agent) {
    const examples = apiExamples({ publicUrl: this.publicUrl || location.origin, agentId: agent.id, mode: agent.api_response_mode, access: agent.access })
    const chosen = examples.find((e) => e.id === this.example) ?? examples[0]!
    return html`${agent.published ? nothing : html`<p class="warning">Publish the agent first: the API runs only its published version.</p>`}
      <fieldset>
        <legend>Language</legend>
        ${examples.map((e) => html`<label><input type="radio" name="example" value=${e.id} ?checked=${e.id === chosen.id} @change=${() => (this.example = e.id)} /> ${e.label}</label>`)}
      </fieldset>
      <porch-console-copy-field label=${`${chosen.label} example`} .text=${chosen.code}></porch-console-copy-field>`
  }
}

define('porch-console-api-keys', ConsoleApiKeys)
