/**
 * `<porch-console>`: the owner console. It checks the cookie session, shows sign-in without
 * one, and otherwise the page the URL names, inside a header with the navigation, the signed-in
 * name and role, and sign-out. Entry of `vite build --mode console`; visitors never load it.
 *
 * @summary The owner console: build, publish, share and watch agents.
 */
import { html, nothing } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import { api, SESSION_PATH, setCsrfToken, setUnauthorizedHandler } from './api.ts'
import { ConsoleElement, type Feedback, feedbackView, IDLE, managesKeys, withFeedback } from './console-element.ts'
import { consoleStyles } from './porch-console.styles.ts'
import { hrefFor, isAppClick, NAVIGATE_EVENT, navigate, parseRoute, type Route } from './router.ts'
import './sign-in.ts'
import './agent-list.ts'
import './agent-create.ts'
import './agent-page.ts'
import './watch-page.ts'
import './session-transcript.ts'
import './owner-keys.ts'

export class PorchConsole extends ConsoleElement {
  static override properties = { session: { state: true }, route: { state: true }, feedback: { state: true } }

  /** undefined while the session is being checked, null when signed out. */
  session: ConsoleSession | null | undefined = undefined
  route: Route = { page: 'agents' }
  feedback: Feedback = IDLE
  private routeChanged = false

  private readonly onLocation = () => {
    this.route = parseRoute(location.pathname, location.search)
    this.routeChanged = true
  }

  private readonly onClick = (event: MouseEvent) => {
    const anchor = isAppClick(event)
    if (!anchor) return
    event.preventDefault()
    if (anchor.href !== location.href) navigate(anchor.href)
  }

  override connectedCallback(): void {
    super.connectedCallback()
    if (!document.adoptedStyleSheets.includes(consoleStyles.styleSheet!))
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, consoleStyles.styleSheet!]
    addEventListener('popstate', this.onLocation)
    addEventListener(NAVIGATE_EVENT, this.onLocation)
    this.addEventListener('click', this.onClick)
    this.onLocation()
    setUnauthorizedHandler(() => {
      this.session = null
      this.feedback = { state: 'failed', text: 'Your session ended. Sign in again.' }
    })
    void this.loadSession()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    removeEventListener('popstate', this.onLocation)
    removeEventListener(NAVIGATE_EVENT, this.onLocation)
    this.removeEventListener('click', this.onClick)
  }

  private async loadSession(): Promise<void> {
    try {
      this.signedIn(await api.get<ConsoleSession>(SESSION_PATH))
    } catch {
      this.session = null
    }
  }

  private signedIn(session: ConsoleSession): void {
    setCsrfToken(session.csrf_token)
    this.session = session
    this.routeChanged = true
  }

  private async signOut(): Promise<void> {
    const done = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Signing out…', done: 'Signed out.' },
      async () => {
        await api.delete(SESSION_PATH)
        return true
      },
    )
    if (done) {
      setCsrfToken('')
      this.session = null
      navigate('/console/', { replace: true })
    }
  }

  protected override updated(): void {
    if (!this.routeChanged || this.session === undefined) return
    this.routeChanged = false
    // A new page: its title, and focus on the main landmark so a screen reader starts there.
    document.title = `${this.titleOf(this.route)} · Porch console`
    this.querySelector<HTMLElement>('main')?.focus({ preventScroll: true })
    scrollTo(0, 0)
  }

  private titleOf(route: Route): string {
    if (!this.session) return 'Sign in'
    return {
      agents: 'Agents',
      'new-agent': 'New agent',
      agent: 'Agent',
      watch: 'Watch',
      session: 'Session',
      'owner-keys': 'Owner keys',
      'not-found': 'Not found',
    }[route.page]
  }

  override render() {
    if (this.session === undefined) return html`<main id="main" tabindex="-1"><p role="status">Loading the console…</p></main>`
    if (this.session === null) {
      return html`<main id="main" tabindex="-1">
        ${this.feedback.state === 'idle' ? nothing : feedbackView(this.feedback)}
        <porch-console-sign-in @porch-signed-in=${(e: CustomEvent<ConsoleSession>) => {
          this.feedback = IDLE
          this.signedIn(e.detail)
        }}></porch-console-sign-in>
      </main>`
    }
    const { role, name } = this.session
    const current = (page: Route['page']) =>
      this.route.page === page ||
      (page === 'agents' && (this.route.page === 'agent' || this.route.page === 'new-agent')) ||
      (page === 'watch' && this.route.page === 'session')
        ? 'page'
        : nothing
    return html`<a class="skip-link" href="#main" @click=${(e: Event) => {
      e.preventDefault()
      this.querySelector<HTMLElement>('main')?.focus()
    }}>Skip to content</a>
      <header class="app-header">
        <a class="brand" href="/console/">Porch console</a>
        <nav aria-label="Console">
          <ul>
            <li><a href="/console/" aria-current=${current('agents')}>Agents</a></li>
            <li><a href=${hrefFor({ page: 'watch', agent: '', link: '', from: '', to: '' })} aria-current=${current('watch')}>Watch</a></li>
            ${managesKeys(this.session) ? html`<li><a href="/console/owner-keys" aria-current=${current('owner-keys')}>Owner keys</a></li>` : nothing}
          </ul>
        </nav>
        <div class="who">
          <span>${name} <span class="badge" title="Your role">${role}</span></span>
          <button type="button" @click=${this.signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabindex="-1">${feedbackView(this.feedback)}${this.renderPage(this.route, this.session)}</main>`
  }

  private renderPage(route: Route, session: ConsoleSession) {
    switch (route.page) {
      case 'agents':
        return html`<porch-console-agent-list .session=${session}></porch-console-agent-list>`
      case 'new-agent':
        return html`<porch-console-agent-create .session=${session}></porch-console-agent-create>`
      case 'agent':
        return html`<porch-console-agent-page .session=${session} .agentId=${route.id} .tab=${route.tab}></porch-console-agent-page>`
      case 'watch':
        return html`<porch-console-watch-page .session=${session} .filters=${route}></porch-console-watch-page>`
      case 'session':
        return html`<porch-console-session-transcript .session=${session} .agentId=${route.agent} .sessionId=${route.session} .scope=${route.scope}></porch-console-session-transcript>`
      case 'owner-keys':
        return managesKeys(session)
          ? html`<porch-console-owner-keys .session=${session}></porch-console-owner-keys>`
          : html`<h1>Owner keys</h1><p>Only the admin token and owner keys without agent limits manage owner keys.</p>`
      case 'not-found':
        return html`<h1>Page not found</h1><p>There is no console page at this address. <a href="/console/">Back to the agents</a>.</p>`
    }
  }
}

if (typeof customElements !== 'undefined' && !customElements.get('porch-console')) customElements.define('porch-console', PorchConsole)

declare global {
  interface HTMLElementTagNameMap {
    'porch-console': PorchConsole
  }
}
