/**
 * `<porch-chat>`: a published Porch agent as a chat, in a shadow root.
 *
 * @summary Chat with a Porch agent: as a launcher bubble with a popup, inline in a container, or full page.
 *
 * @attr host - Base URL of the Porch host (empty: this page's origin).
 * @attr agent - Id of a published agent.
 * @attr link - Token of a share link (instead of `agent`).
 * @attr mode - `bubble` (default), `inline` or `page`.
 * @attr title - Header title (default: the agent's name).
 * @attr position - `bottom-right` (default) or `bottom-left`, for the bubble.
 * @attr open - Whether the bubble's popup is open.
 * @attr z-index - Stacking level of the launcher and popup (sets `--porch-z-index`).
 * @attr theme - `auto` (default, follows prefers-color-scheme), `light` or `dark`.
 * @attr lang - UI language (`en`, `de`); `strings` (property) overrides single strings.
 * @attr user-token - A user token the site signed for its signed-in visitor (signed visitor identity); `setUserToken()` replaces it.
 *
 * @event porch-open - The popup opened.
 * @event porch-close - The popup closed.
 * @event porch-send - A visitor message is about to be sent (cancelable; `detail.text`).
 * @event porch-answer - An answer finished (`detail.state`: done, stopped or error).
 *
 * The events bubble out of the shadow root; their types are `PorchChatEventMap`, so
 * `addEventListener('porch-send', (e) => e.detail.text)` type-checks in TypeScript.
 *
 * @csspart launcher - The round launcher button (bubble mode).
 * @csspart panel - The chat surface.
 * @csspart header, title, new-chat-button, close-button - The header and its controls.
 * @csspart conversations-button, conversations, conversation - A signed-in user's list of earlier conversations, and one of them.
 * @csspart password-form - The form a password link shows before it is unlocked.
 * @csspart transcript - The message list (`role="log"`).
 * @csspart message, message-user, message-assistant, welcome - One message (the welcome message has all three of its own).
 * @csspart author, notice - Human takeover: the name of the person above a message they wrote, and the notices that a person joined or the agent is back.
 * @csspart tool, file, error, retry-button - Parts of an answer.
 * @csspart sources, source - The knowledge sources listed under an answer, and one link of them.
 * @csspart feedback, feedback-button, feedback-form, feedback-comment, feedback-send - Rating an answer: the thumbs (`aria-pressed`) and the optional comment.
 * @csspart code-block, copy-button - A fenced code block in an answer and its Copy button.
 * @csspart starters, starter - Suggested first messages.
 * @csspart composer, input, send-button, stop-button - Where the visitor writes.
 * @csspart attach-button, attachments, attachment - Files chosen for the next message.
 *
 * @cssproperty --porch-accent, --porch-accent-text, --porch-bg, --porch-fg, --porch-muted, --porch-border
 * @cssproperty --porch-bubble-user, --porch-bubble-assistant, --porch-error, --porch-radius
 * @cssproperty --porch-font, --porch-font-size, --porch-width, --porch-height
 * @cssproperty --porch-offset-x, --porch-offset-y, --porch-launcher-size, --porch-z-index
 */
import { html, LitElement, nothing, type PropertyValues } from 'lit'
import { ATTACHMENT_TYPES, VISITOR_LIMITS as LIMITS } from '../../shared/visitor-limits.ts'
import { ChatController, type ChatMessage } from './chat-controller.ts'
import { formatSize, renderMessage } from './message-view.ts'
import { styles } from './porch-chat.styles.ts'
import { fill, type Strings, stringsFor } from './strings.ts'
import { unlockLink } from './unlock.ts'

const CLIP_ICON = html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5"/></svg>`
const ACCEPT = [...ATTACHMENT_TYPES.images, ...ATTACHMENT_TYPES.text, '.md', '.csv', '.txt', '.json'].join(',')
const CHAT_ICON = html`<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>`

export class PorchChat extends LitElement {
  static override styles = styles
  static override properties = {
    host: { type: String },
    agent: { type: String },
    link: { type: String },
    mode: { type: String, reflect: true },
    title: { type: String },
    position: { type: String, reflect: true },
    open: { type: Boolean, reflect: true },
    zIndex: { type: String, attribute: 'z-index' },
    theme: { type: String, reflect: true },
    lang: { type: String },
    userToken: { type: String, attribute: 'user-token' },
    strings: { attribute: false },
  }

  host = ''
  agent = ''
  link = ''
  mode: 'bubble' | 'inline' | 'page' = 'bubble'
  override title = ''
  position: 'bottom-right' | 'bottom-left' = 'bottom-right'
  open = false
  zIndex = ''
  theme: 'auto' | 'light' | 'dark' = 'auto'
  override lang = ''
  userToken = ''
  strings: Partial<Strings> = {}

  private readonly chat = new ChatController(this, {
    target: () => ({ host: this.host, agent: this.agent || undefined, link: this.link || undefined, userToken: this.userToken || undefined }),
  })

  /** Replaces the user token (a site rotates short-lived tokens); every later request carries the new one. */
  setUserToken(token: string): void {
    this.userToken = token
  }
  private started = false
  private draft = ''
  private unlockError = ''
  private tick: ReturnType<typeof setInterval> | undefined
  /** Follow new text to the bottom unless the visitor scrolled up to read. */
  private stickToBottom = true
  private wantFocus = false
  private transcriptObserver: MutationObserver | undefined

  private readonly messageHandlers = {
    retry: (id: string) => void this.chat.retry(id),
    rate: async (id: string, rating: 'up' | 'down' | null, comment?: string) => {
      // A sent comment is thanked aloud; a thumb's own state is its aria-pressed.
      if ((await this.chat.rate(id, rating, comment)) && comment !== undefined) this.chat.announcement = this.text.feedbackThanks
      this.requestUpdate()
    },
  }

  private get text(): Strings {
    return stringsFor(this.lang || (typeof document === 'undefined' ? 'en' : document.documentElement.lang), this.strings)
  }

  override connectedCallback(): void {
    super.connectedCallback()
    // A ticking clock only while an answer waits for Retry-After.
    this.tick = setInterval(() => this.chat.messages.some((m) => (m.retryAt ?? 0) > Date.now() - 1000) && this.requestUpdate(), 1000)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearInterval(this.tick)
    this.transcriptObserver?.disconnect()
    this.transcriptObserver = undefined
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('zIndex')) this.style.setProperty('--porch-z-index', this.zIndex || null)
    const visible = this.mode !== 'bubble' || this.open
    // A token that arrives after the chat refused to start (identity required) lets it start.
    const retry = changed.has('userToken') && this.chat.phase === 'unavailable'
    if ((changed.has('agent') || changed.has('link') || changed.has('host') || retry) && this.started) this.start()
    else if (visible && !this.started) this.start()
    // The session's events (a person taking the chat over) are followed while the chat is open.
    this.chat.follow(visible)
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('open') && this.mode === 'bubble' && changed.get('open') !== undefined) {
      this.emit(this.open ? 'porch-open' : 'porch-close', null)
      if (this.open) this.focusInput()
    }
    this.followTranscript()
    this.focusWhenReady()
  }

  /** Markdown renders after Lit's update (per animation frame), so the DOM itself is watched. */
  private followTranscript(): void {
    const transcript = this.renderRoot.querySelector<HTMLElement>('.transcript')
    if (!transcript || transcript.dataset.followed) return
    transcript.dataset.followed = 'true'
    transcript.addEventListener('scroll', () => {
      this.stickToBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40
    })
    this.transcriptObserver?.disconnect()
    this.transcriptObserver = new MutationObserver(() => {
      if (this.stickToBottom) transcript.scrollTop = transcript.scrollHeight
    })
    this.transcriptObserver.observe(transcript, { childList: true, subtree: true, characterData: true })
    transcript.scrollTop = transcript.scrollHeight
  }

  private start(): void {
    this.started = true
    void this.chat.connect()
  }

  /** Focus the input once it is enabled, except on touch screens, where it would pop up the keyboard unasked. */
  private focusInput(): void {
    if (typeof matchMedia === 'function' && !matchMedia('(pointer: fine)').matches) return
    this.wantFocus = true
  }

  private focusWhenReady(): void {
    const textarea = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')
    if (!this.wantFocus || !textarea || textarea.disabled) return
    this.wantFocus = false
    textarea.focus()
  }

  /** Dispatches one of the element's events; false when a listener cancelled it. */
  private emit<K extends keyof PorchChatEventMap>(name: K, detail: PorchChatEventMap[K]['detail'], cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, cancelable, detail }))
  }

  private async send(text: string): Promise<void> {
    if (!text.trim() || this.chat.busy) return
    if (!this.emit('porch-send', { text }, true)) return
    this.draft = ''
    this.stickToBottom = true
    const textarea = this.renderRoot.querySelector('textarea')
    if (textarea) textarea.value = ''
    await this.chat.send(text)
    const last = this.chat.messages.at(-1)
    this.emit('porch-answer', { state: last?.state })
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault()
      void this.send((event.target as HTMLTextAreaElement).value)
    }
  }

  /** Esc closes the popup from the launcher too: focus stays there while the chat still loads. */
  private onLauncherKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || !this.open) return
    event.preventDefault()
    this.open = false
  }

  /** Esc closes the popup; Tab stays inside it. */
  private onPanelKeydown(event: KeyboardEvent): void {
    if (this.mode !== 'bubble') return
    if (event.key === 'Escape') {
      event.preventDefault()
      this.open = false
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('.launcher')?.focus())
      return
    }
    if (event.key !== 'Tab') return
    const focusable = [...this.renderRoot.querySelectorAll<HTMLElement>('.panel :is(button, textarea, input, summary, a[href]):not([disabled])')]
    const first = focusable[0]
    const last = focusable.at(-1)
    const active = (this.renderRoot as ShadowRoot).activeElement
    if (event.shiftKey && active === first) {
      event.preventDefault()
      last?.focus()
    } else if (!event.shiftKey && active === last) {
      event.preventDefault()
      first?.focus()
    }
  }

  private async onUnlock(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const input = (event.target as HTMLFormElement).querySelector('input')!
    this.unlockError = ''
    const ok = await unlockLink({ host: this.host, link: this.link }, input.value)
    if (ok === true) await this.chat.connect()
    else this.unlockError = ok
    this.requestUpdate()
  }

  override render() {
    const t = this.text
    const title = this.title || this.chat.info?.name || ''
    const panel = html`<section class="panel ${this.open ? 'open' : ''}" part="panel" id="panel" role=${this.mode === 'bubble' ? 'dialog' : 'region'} aria-label=${title || t.open} @keydown=${this.onPanelKeydown}>
      <header part="header">
        <h2 part="title">${title}</h2>
        ${
          this.userToken && this.chat.phase === 'ready'
            ? html`<button type="button" class="ghost" part="conversations-button" aria-expanded=${String(!!this.chat.conversations)} @click=${() => this.chat.toggleConversations()}>${t.conversations}</button>`
            : nothing
        }
        ${this.chat.messages.length > 0 ? html`<button type="button" class="ghost" part="new-chat-button" @click=${() => this.chat.newChat()}>${t.newChat}</button>` : nothing}
        ${this.mode === 'bubble' ? html`<button type="button" class="icon" part="close-button" aria-label=${t.close} @click=${() => (this.open = false)}>×</button>` : nothing}
      </header>
      ${this.renderBody(t)}
    </section>`
    if (this.mode !== 'bubble') return panel
    return html`<button type="button" class="launcher" part="launcher" aria-label=${this.open ? t.close : t.open} aria-expanded=${String(this.open)} aria-controls="panel" @click=${() => (this.open = !this.open)} @keydown=${this.onLauncherKeydown}>${CHAT_ICON}</button>${panel}`
  }

  private renderBody(t: Strings) {
    const { phase, info, messages } = this.chat
    if (phase === 'unavailable') return html`<div class="center" role="alert">${this.chat.problem || t.offline}</div>`
    if (phase === 'locked') {
      return html`<form class="center" part="password-form" @submit=${this.onUnlock}>
        <p>${t.passwordPrompt}</p>
        <label>${t.password} <input type="password" name="password" autocomplete="current-password" required /></label>
        ${this.unlockError ? html`<div class="error" role="alert">${this.unlockError}</div>` : nothing}
        <button class="primary" type="submit">${t.unlock}</button>
      </form>`
    }
    if (this.chat.conversations) {
      return html`<nav class="conversations" part="conversations" aria-label=${t.conversations}>
        ${this.chat.conversations.length ? nothing : html`<p>${t.noConversations}</p>`}
        ${this.chat.conversations.map((c) => html`<button type="button" part="conversation" @click=${() => this.chat.openConversation(c.session_id)}>${c.preview || '…'}</button>`)}
      </nav>`
    }
    const now = Date.now()
    return html`<div class="transcript" part="transcript" role="log" aria-live="polite" aria-busy=${String(this.chat.busy)} tabindex="0">
        ${info?.welcome_message ? html`<div class="message assistant" part="message message-assistant welcome">${info.welcome_message}</div>` : nothing}
        ${messages.map((message) => renderMessage(message, t, this.messageHandlers, now))}
      </div>
      ${
        messages.length === 0 && info?.starters.length
          ? html`<div class="starters" part="starters">${info.starters.map((starter) => html`<button type="button" part="starter" @click=${() => this.send(starter)}>${starter}</button>`)}</div>`
          : nothing
      }
      ${this.renderAttachments(t)}
      <form class="composer" part="composer" @submit=${(e: Event) => {
        e.preventDefault()
        void this.send(this.draft)
      }}>
        ${
          info?.accepts_attachments
            ? html`<input id="files" class="sr-only" type="file" multiple tabindex="-1" accept=${ACCEPT} @change=${this.onFilesChosen} />
              <button type="button" class="icon attach" part="attach-button" aria-label=${t.attach} title=${t.attach} ?disabled=${phase !== 'ready' || this.chat.busy}
                @click=${() => this.renderRoot.querySelector<HTMLInputElement>('#files')?.click()}>${CLIP_ICON}</button>`
            : nothing
        }
        <label class="sr-only" for="input">${t.messageLabel}</label>
        <textarea id="input" part="input" rows="1" placeholder=${t.placeholder} .value=${this.draft} ?disabled=${phase !== 'ready'} @input=${(e: Event) => (this.draft = (e.target as HTMLTextAreaElement).value)} @keydown=${this.onKeydown}></textarea>
        ${
          this.chat.busy
            ? html`<button type="button" class="primary" part="stop-button" @click=${() => this.chat.stop()}>${t.stop}</button>`
            : html`<button type="submit" class="primary" part="send-button" ?disabled=${phase !== 'ready'}>${t.send}</button>`
        }
      </form>
      <div class="sr-only" role="status">${this.chat.announcement}</div>`
  }

  private onFilesChosen(event: Event): void {
    const input = event.target as HTMLInputElement
    this.chat.attach(input.files ?? [])
    input.value = ''
  }

  private renderAttachments(t: Strings) {
    const { attachments, attachmentProblem: problem } = this.chat
    if (attachments.length === 0 && !problem) return nothing
    const why =
      problem &&
      fill(t[problem.kind === 'type' ? 'attachmentType' : problem.kind === 'size' ? 'attachmentSize' : 'attachmentCount'], {
        name: problem.name,
        mb: LIMITS.attachmentBytes / 1024 / 1024,
        n: LIMITS.attachmentsPerMessage,
      })
    return html`<div class="attachments" part="attachments">
      ${attachments.map(
        (file, index) => html`<span class="file" part="attachment">📎 ${file.name} (${formatSize(file.size)})
        <button type="button" class="icon" aria-label=${fill(t.removeAttachment, { name: file.name })} @click=${() => this.chat.detach(index)}>×</button></span>`,
      )}
      ${why ? html`<div class="error" role="alert">${why}</div>` : nothing}
    </div>`
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('porch-chat')) customElements.define('porch-chat', PorchChat)

/** What `<porch-chat>` dispatches, by event name (all bubble and cross the shadow root). */
export type PorchChatEventMap = {
  'porch-open': CustomEvent<null>
  'porch-close': CustomEvent<null>
  /** Cancelable: `preventDefault()` keeps the message from being sent. */
  'porch-send': CustomEvent<{ text: string }>
  /** `state`: done, stopped or error (the answer's, once it has finished). */
  'porch-answer': CustomEvent<{ state: ChatMessage['state'] | undefined }>
}

declare global {
  interface HTMLElementTagNameMap {
    'porch-chat': PorchChat
  }
  // Merged into the DOM's own map, so addEventListener knows each event's detail.
  interface GlobalEventHandlersEventMap extends PorchChatEventMap {}
}
