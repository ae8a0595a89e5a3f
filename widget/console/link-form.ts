/**
 * Create or edit a share link, with every option the host offers: name, password (set, keep,
 * remove), expiry (never, presets, a custom date), quotas, allowed origins, enabled.
 *
 * @event porch-link-saved - The host saved the link (`detail`: its reply; a new link carries its token and snippets).
 */
import { html, nothing } from 'lit'
import type { IssuedLink, Link } from '../../shared/console.ts'
import { api } from './api.ts'
import { ConsoleElement, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'

export const EXPIRY_PRESETS: { value: string; label: string; seconds?: number }[] = [
  { value: 'never', label: 'Never' },
  { value: '1h', label: 'In 1 hour', seconds: 3600 },
  { value: '1d', label: 'In 1 day', seconds: 86_400 },
  { value: '7d', label: 'In 7 days', seconds: 7 * 86_400 },
  { value: '30d', label: 'In 30 days', seconds: 30 * 86_400 },
  { value: 'custom', label: 'On a date…' },
]

const lines = (text: string) =>
  text
    .split(/[\n,\s]+/)
    .map((line) => line.trim())
    .filter(Boolean)

/** A datetime-local value (local time, no zone) as an ISO instant the host accepts. */
export function localToIso(value: string): string | null {
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

let formCount = 0

export class ConsoleLinkForm extends ConsoleElement {
  static override properties = {
    agentId: { attribute: false },
    link: { attribute: false },
    feedback: { state: true },
    expiry: { state: true },
    passwordChoice: { state: true },
  }
  agentId = ''
  /** The link being edited; null creates one. */
  link: Link | null = null
  feedback: Feedback = IDLE
  expiry = 'never'
  passwordChoice = 'none'
  private readonly uid = `link-form-${++formCount}`

  override connectedCallback(): void {
    super.connectedCallback()
    this.expiry = this.link ? 'keep' : 'never'
    this.passwordChoice = this.link ? 'keep' : 'none'
  }

  /** The request body from the form, or a reason it cannot be sent. */
  private body(form: HTMLFormElement): Record<string, unknown> | string {
    const data = new FormData(form)
    const text = (name: string) => String(data.get(name) ?? '').trim()
    const body: Record<string, unknown> = { name: text('name'), allowed_origins: lines(text('origins')) }
    if (this.link) body.enabled = data.get('enabled') === 'on'
    else if (data.get('enabled') !== 'on') body.enabled = false
    const preset = EXPIRY_PRESETS.find((p) => p.value === this.expiry)
    if (preset?.seconds) body.expires_in_seconds = preset.seconds
    else if (this.expiry === 'never') body.expires_at = null
    else if (this.expiry === 'custom') {
      const at = localToIso(text('expires_at'))
      if (!at) return 'Choose the expiry date and time.'
      if (Date.parse(at) <= Date.now()) return 'The expiry date must be in the future.'
      body.expires_at = at
    }
    if (this.passwordChoice === 'set') body.password = String(data.get('password') ?? '')
    else if (this.passwordChoice === 'remove' || (this.passwordChoice === 'none' && this.link)) body.password = null
    for (const name of ['quota_per_visitor_per_day', 'quota_total']) {
      const value = text(name)
      if (value) body[name] = Number(value)
      else if (this.link) body[name] = null
    }
    if (!this.link && body.expires_at === null) delete body.expires_at
    if (!this.link && body.password === null) delete body.password
    return body
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const body = this.body(event.target as HTMLFormElement)
    if (typeof body === 'string') {
      this.feedback = { state: 'failed', text: `Failed: ${body}` }
      return
    }
    const link = this.link
    const saved = link
      ? await withFeedback(
          (f) => (this.feedback = f),
          { busy: 'Saving the link…', done: 'Link saved.' },
          () => api.patch<Link>(`/links/${link.id}`, body),
        )
      : await withFeedback(
          (f) => (this.feedback = f),
          { busy: 'Creating the link…', done: 'Link created: copy its URL or snippet below.' },
          () => api.post<IssuedLink>(`/agents/${this.agentId}/links`, body),
        )
    if (!saved) return
    if (!link) {
      ;(event.target as HTMLFormElement).reset()
      this.expiry = 'never'
      this.passwordChoice = 'none'
    }
    this.dispatchEvent(new CustomEvent('porch-link-saved', { detail: saved, bubbles: true, composed: true }))
  }

  override render() {
    const link = this.link
    const id = (name: string) => `${this.uid}-${name}`
    const expiryOptions = link
      ? [{ value: 'keep', label: link.expires_at ? `Keep (${new Date(link.expires_at).toLocaleString()})` : 'Keep (never)' }, ...EXPIRY_PRESETS]
      : EXPIRY_PRESETS
    const passwordOptions = link?.has_password
      ? [
          ['keep', 'Keep the password'],
          ['set', 'Change the password'],
          ['remove', 'Remove the password'],
        ]
      : [
          ['none', 'No password'],
          ['set', link ? 'Set a password' : 'Require a password'],
        ]
    return html`<form @submit=${this.submit} aria-label=${link ? `Edit link ${link.name}` : 'New link'}>
      <div class="grid">
        <div class="field"><label for=${id('name')}>Link name</label><input id=${id('name')} name="name" type="text" required maxlength="200" .value=${link?.name ?? ''} placeholder="Newsletter, support page…" /></div>
        <div class="field">
          <label for=${id('expiry')}>Expires</label>
          <select id=${id('expiry')} name="expiry" @change=${(e: Event) => (this.expiry = (e.target as HTMLSelectElement).value)}>
            ${expiryOptions.map((p) => html`<option value=${p.value} ?selected=${p.value === this.expiry}>${p.label}</option>`)}
          </select>
        </div>
        ${this.expiry === 'custom' ? html`<div class="field"><label for=${id('expires-at')}>Expiry date and time</label><input id=${id('expires-at')} name="expires_at" type="datetime-local" required /></div>` : nothing}
      </div>
      <fieldset>
        <legend>Password</legend>
        ${passwordOptions.map(([value, label]) => html`<label><input type="radio" name="password_choice" value=${value!} ?checked=${this.passwordChoice === value} @change=${() => (this.passwordChoice = value!)} /> ${label}</label>`)}
        ${
          this.passwordChoice === 'set'
            ? html`<div class="field"><label for=${id('password')}>Password</label><input id=${id('password')} name="password" type="password" minlength="4" maxlength="200" required autocomplete="new-password" aria-describedby=${id('password-hint')} /><p class="hint" id=${id('password-hint')}>Visitors type it once per tab. At least 4 characters; stored only as a hash.</p></div>`
            : nothing
        }
      </fieldset>
      <div class="grid">
        <div class="field">
          <label for=${id('quota-visitor')}>Messages per visitor per day</label>
          <input id=${id('quota-visitor')} name="quota_per_visitor_per_day" type="number" min="1" step="1" .value=${link?.quota_per_visitor_per_day?.toString() ?? ''} aria-describedby=${id('quota-hint')} />
        </div>
        <div class="field">
          <label for=${id('quota-total')}>Messages in total</label>
          <input id=${id('quota-total')} name="quota_total" type="number" min="1" step="1" .value=${link?.quota_total?.toString() ?? ''} aria-describedby=${id('quota-hint')} />
        </div>
      </div>
      <p class="hint" id=${id('quota-hint')}>Leave a quota empty for no limit.${link ? ` ${link.used_total} messages used so far.` : ''}</p>
      <div class="field">
        <label for=${id('origins')}>Allowed origins</label>
        <textarea id=${id('origins')} name="origins" rows="2" class="code" .value=${link?.allowed_origins.join('\n') ?? ''} aria-describedby=${id('origins-hint')}></textarea>
        <p class="hint" id=${id('origins-hint')}>Sites that may embed this link, one per line, such as <code>https://shop.example</code>. Empty: any site.</p>
      </div>
      <label><input type="checkbox" name="enabled" ?checked=${link?.enabled ?? true} /> Enabled</label>
      <div class="actions"><button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>${link ? 'Save link' : 'Create link'}</button></div>
      ${feedbackView(this.feedback)}
    </form>`
  }
}

define('porch-console-link-form', ConsoleLinkForm)
