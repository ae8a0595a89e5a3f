/**
 * Share: the agent's public embed (when its access is public) with the origins allowed to embed
 * it, who may chat (public or link-only, with a warning when password links guard a public
 * agent), and its share links: create, list, enable/disable, edit, rotate the URL, delete. A link's
 * URL token exists only in the create or rotate reply, so its URL, snippets, preview and QR code
 * are shown then; later the owner rotates to get a new one.
 */
import { html, nothing } from 'lit'
import type { ConsoleSession, EmbedSnippets, IssuedLink, Link } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { agentChanged } from './agent-status.ts'
import { api } from './api.ts'
import { AgentPanel, canEdit, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import type { EmbedOptions } from './embed-options.ts'
import { qrDataUrl } from './qr-code.ts'
import { hrefFor } from './router.ts'
import './copy-field.ts'
import './link-form.ts'
import './widget-preview.ts'

const lines = (text: string) =>
  text
    .split(/[\n,\s]+/)
    .map((l) => l.trim())
    .filter(Boolean)

/** The agent's theme as starting snippet options. */
const themeDefaults = (agent: Agent): Partial<EmbedOptions> => ({
  ...(agent.theme.accent && { color: agent.theme.accent }),
  ...(agent.theme.position === 'bottom-left' && { position: 'bottom-left' as const }),
  ...((agent.theme.scheme === 'light' || agent.theme.scheme === 'dark') && { theme: agent.theme.scheme }),
})

export function linkState(link: Link): { label: string; kind: 'ok' | 'off' | 'warn' } {
  if (!link.enabled) return { label: 'Disabled', kind: 'off' }
  if (link.expired) return { label: 'Expired', kind: 'warn' }
  return { label: 'Active', kind: 'ok' }
}

export class ConsoleShareLinks extends AgentPanel {
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    links: { state: true },
    embed: { state: true },
    fresh: { state: true },
    editing: { state: true },
    confirming: { state: true },
    feedback: { state: true },
    originsFeedback: { state: true },
    accessFeedback: { state: true },
    newLinkOpen: { state: true },
  }
  session: ConsoleSession | null = null
  declare agent: Agent | null
  links: Link[] | null = null
  embed: EmbedSnippets | null = null
  /** The link just created or rotated, with its token and snippets (shown once). */
  fresh: IssuedLink | null = null
  editing = ''
  confirming: { id: string; action: 'delete' | 'rotate' } | null = null
  feedback: Feedback = IDLE
  originsFeedback: Feedback = IDLE
  accessFeedback: Feedback = IDLE
  /** Whether "New link" is unfolded: at first when there is no link yet, then as the owner leaves it. */
  newLinkOpen: boolean | null = null
  protected override agentOpened(): void {
    void this.load()
  }

  private async load(): Promise<void> {
    const id = this.agent!.id
    const reply = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading links…', done: '' },
      () => api.get<{ links: Link[] }>(`/agents/${id}/links`),
    )
    if (reply) {
      this.links = reply.links
      this.newLinkOpen ??= reply.links.length === 0
    }
    this.embed = await api.get<EmbedSnippets>(`/agents/${id}/embed`).catch(() => null)
  }

  private async reloadLinks(): Promise<void> {
    const reply = await api.get<{ links: Link[] }>(`/agents/${this.agent!.id}/links`).catch(() => null)
    if (reply) this.links = reply.links
  }

  private onSaved = (event: CustomEvent<Link | IssuedLink>) => {
    if ('token' in event.detail) this.fresh = event.detail
    // An edited link's form closes with its row: its message moves to the list's status line.
    else this.feedback = { state: 'done', text: `${event.detail.name} saved.` }
    this.editing = ''
    void this.reloadLinks()
  }

  private async setEnabled(link: Link, enabled: boolean): Promise<void> {
    const done = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `${enabled ? 'Enabling' : 'Disabling'} ${link.name}…`, done: `${link.name} is ${enabled ? 'enabled' : 'disabled'}.` },
      () => api.patch<Link>(`/links/${link.id}`, { enabled }),
    )
    if (done) await this.reloadLinks()
  }

  private async rotate(link: Link): Promise<void> {
    this.confirming = null
    const rotated = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Issuing a new URL for ${link.name}…`, done: `${link.name} has a new URL; the old one no longer works.` },
      () => api.patch<IssuedLink>(`/links/${link.id}`, { rotate_token: true }),
    )
    if (rotated) {
      this.fresh = rotated
      await this.reloadLinks()
    }
  }

  private async deleteLink(link: Link): Promise<void> {
    this.confirming = null
    const done = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Deleting ${link.name}…`, done: `${link.name} is deleted; its URL and snippets stop working now.` },
      async () => {
        await api.delete(`/links/${link.id}`)
        return true
      },
    )
    if (done) {
      if (this.fresh?.id === link.id) this.fresh = null
      await this.reloadLinks()
    }
  }

  /** `link`: only share links open the agent; `public`: its id does too. Applies at once, without publishing. */
  private async setAccess(access: 'link' | 'public'): Promise<void> {
    const done =
      access === 'link'
        ? 'The agent is link-only now: its id no longer opens it, and link passwords hold.'
        : 'The agent is public now: its id and embed open it.'
    const agent = await withFeedback(
      (f) => (this.accessFeedback = f),
      { busy: 'Changing who may chat…', done },
      () => api.patch<Agent>(`/agents/${this.agent!.id}`, { access }),
    )
    if (agent) agentChanged(this, agent)
  }

  private async saveOrigins(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const origins = lines(String(new FormData(event.target as HTMLFormElement).get('origins') ?? ''))
    const agent = await withFeedback(
      (f) => (this.originsFeedback = f),
      { busy: 'Saving the allowed origins…', done: 'Allowed origins saved (they apply at once).' },
      () => api.patch<Agent>(`/agents/${this.agent!.id}`, { allowed_origins: origins }),
    )
    if (agent) agentChanged(this, agent)
  }

  override render() {
    const agent = this.agent
    if (!agent) return nothing
    const editor = canEdit(this.session)
    return html`${this.renderFresh(agent)}
      <section aria-labelledby="links-heading">
        <h2 id="links-heading">Share links</h2>
        ${!agent.published ? html`<p class="warning">The agent is not published: its links answer only once it is.</p>` : nothing}
        ${
          agent.access === 'public' && (this.links?.some((link) => link.has_password) || this.fresh?.has_password)
            ? html`<div class="warning" role="note">
              <p><strong>These passwords do not protect the agent yet.</strong> Its access is public, so anyone with the agent's id can chat without a password.</p>
              ${editor ? html`<button type="button" @click=${() => this.setAccess('link')}>Make the agent link-only</button>` : nothing}
            </div>`
            : nothing
        }
        ${feedbackView(this.accessFeedback)}
        ${feedbackView(this.feedback)}
        ${this.renderLinks(editor)}
        ${
          editor
            ? html`<details class="card" ?open=${this.newLinkOpen === true} @toggle=${(e: Event) => (this.newLinkOpen = (e.target as HTMLDetailsElement).open)}>
              <summary><strong>New link</strong></summary>
              <porch-console-link-form .agentId=${agent.id} @porch-link-saved=${this.onSaved}></porch-console-link-form>
            </details>`
            : nothing
        }
      </section>
      <section aria-labelledby="public-heading">
        <h2 id="public-heading">Public embed</h2>
        ${agent.access === 'public' && !agent.published ? html`<p class="warning">Not published yet: the embed and its preview answer once the agent is published.</p>` : nothing}
        ${
          agent.access === 'public'
            ? this.embed
              ? html`<porch-console-copy-field label="Page URL" .text=${this.embed.url}></porch-console-copy-field>
                <porch-console-copy-field label="Iframe snippet" .text=${this.embed.iframe}></porch-console-copy-field>
                <porch-console-widget-preview .target=${{ agent: agent.id }} .script=${this.embed.script} .defaults=${themeDefaults(agent)}></porch-console-widget-preview>`
              : html`<p class="hint">Loading the snippets…</p>`
            : html`<p>The agent's access is <strong>links only</strong>: it has no public embed.</p>
              ${editor ? html`<button type="button" @click=${() => this.setAccess('public')}>Make the agent public</button>` : nothing}`
        }
        <form class="card" @submit=${this.saveOrigins}>
          <fieldset ?disabled=${!editor}>
            <legend>Sites allowed to embed the agent</legend>
            <div class="field">
              <label for="agent-origins">Allowed origins</label>
              <textarea id="agent-origins" name="origins" rows="2" class="code" .value=${agent.allowed_origins.join('\n')} aria-describedby="agent-origins-hint"></textarea>
              <p class="hint" id="agent-origins-hint">One per line, such as <code>https://shop.example</code>. Empty: any site. Applies at once, without publishing.</p>
            </div>
            <button type="submit">Save allowed origins</button>
          </fieldset>
          ${feedbackView(this.originsFeedback)}
        </form>
      </section>`
  }

  private renderFresh(agent: Agent) {
    const fresh = this.fresh
    if (!fresh) return nothing
    return html`<section class="card" aria-labelledby="fresh-heading">
      <h2 id="fresh-heading">Share “${fresh.name}”</h2>
      <p class="warning">Copy the URL or a snippet now: the link's URL is shown only once. To see it again, issue a new URL (the old one stops working).</p>
      <div class="grid">
        <div>
          <porch-console-copy-field label="Link URL" .text=${fresh.url}></porch-console-copy-field>
          <porch-console-copy-field label="Iframe snippet" .text=${fresh.iframe}></porch-console-copy-field>
        </div>
        <figure>
          <img class="qr" src=${qrDataUrl(fresh.url)} alt=${`QR code of the link URL for ${fresh.name}`} />
          <figcaption class="hint">Scan to open the link on a phone.</figcaption>
        </figure>
      </div>
      <porch-console-widget-preview .target=${{ link: fresh.token }} .script=${fresh.script} .defaults=${themeDefaults(agent)}></porch-console-widget-preview>
      <div class="actions"><button type="button" @click=${() => (this.fresh = null)}>Done</button></div>
    </section>`
  }

  private renderLinks(editor: boolean) {
    if (!this.links) return nothing
    if (this.links.length === 0) return html`<p>No links yet.</p>`
    return html`<div class="table-wrap" role="region" aria-label="Share links table" tabindex="0"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Password</th><th scope="col">Expires</th><th scope="col">Quota</th><th scope="col">Origins</th><th scope="col">Actions</th></tr></thead>
      <tbody>${this.links.map((link) => {
        const state = linkState(link)
        const confirming = this.confirming?.id === link.id ? this.confirming.action : null
        return html`<tr>
          <td>${link.name}</td>
          <td><span class="badge ${state.kind}">${state.label}</span></td>
          <td>${link.has_password ? 'Yes' : 'No'}</td>
          <td>${link.expires_at ? formatDate(link.expires_at) : 'Never'}</td>
          <td>${link.quota_per_visitor_per_day ? `${link.quota_per_visitor_per_day}/visitor/day` : ''}${link.quota_per_visitor_per_day && link.quota_total ? html`<br />` : ''}${link.quota_total ? `${link.used_total} of ${link.quota_total}` : ''}${!link.quota_per_visitor_per_day && !link.quota_total ? 'None' : ''}</td>
          <td>${link.allowed_origins.length ? link.allowed_origins.join(', ') : 'Any'}</td>
          <td>
            <div class="actions">
              <a href=${hrefFor({ page: 'watch', agent: link.agent_id, link: link.id, from: '', to: '' })}>Sessions<span class="sr-only"> of ${link.name}</span></a>
              ${
                editor
                  ? confirming
                    ? html`<span>${confirming === 'delete' ? `Delete ${link.name}?` : `Replace the URL of ${link.name}?`}</span>
                      <button type="button" class="danger" @click=${() => (confirming === 'delete' ? this.deleteLink(link) : this.rotate(link))}>${confirming === 'delete' ? 'Yes, delete' : 'Yes, new URL'}</button>
                      <button type="button" @click=${() => (this.confirming = null)}>Cancel</button>`
                    : html`<button type="button" @click=${() => this.setEnabled(link, !link.enabled)}>${link.enabled ? 'Disable' : 'Enable'}<span class="sr-only"> ${link.name}</span></button>
                      <button type="button" aria-expanded=${String(this.editing === link.id)} @click=${() => (this.editing = this.editing === link.id ? '' : link.id)}>Edit<span class="sr-only"> ${link.name}</span></button>
                      <button type="button" @click=${() => (this.confirming = { id: link.id, action: 'rotate' })}>New URL<span class="sr-only"> for ${link.name}</span></button>
                      <button type="button" class="danger" @click=${() => (this.confirming = { id: link.id, action: 'delete' })}>Delete<span class="sr-only"> ${link.name}</span></button>`
                  : nothing
              }
            </div>
          </td>
        </tr>
        ${this.editing === link.id ? html`<tr><td colspan="7"><porch-console-link-form .agentId=${link.agent_id} .link=${link} @porch-link-saved=${this.onSaved}></porch-console-link-form></td></tr>` : nothing}`
      })}</tbody>
    </table></div>`
  }
}

define('porch-console-share-links', ConsoleShareLinks)
