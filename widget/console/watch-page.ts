/**
 * Watch: an agent's sessions and traces, filtered by link and date, paged by the host's cursor
 * (keyset paging stays fast at any depth: "Load more" asks for the next page only). Filters
 * live in the URL, so a filtered view can be bookmarked and the back button undoes a filter.
 */
import { html, nothing, type PropertyValues } from 'lit'
import type { ConsoleSession, Link, SessionList, SessionSummary, TakeoverList, TraceList, TraceSummary } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { api, nextPage, query } from './api.ts'
import { ConsoleElement, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import { hrefFor, navigate, type Route } from './router.ts'
import { traceTable } from './trace-table.ts'

type Filters = Extract<Route, { page: 'watch' }>

const PAGE = 50

/** "50+ sessions" while more pages exist, "1 session" when that is all. */
const counted = (n: number, more: unknown, noun: string) => `${n}${more ? '+' : ''} ${noun}${n === 1 && !more ? '' : 's'}`

/**
 * A date input's local day as an instant: its start, or for `to` the start of the next day (the
 * host's `to` is exclusive), so "from 3 to 3 March" means all of 3 March.
 */
export function dayBound(day: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined
  const date = new Date(`${day}T00:00:00`)
  if (Number.isNaN(date.getTime())) return undefined
  if (end) date.setDate(date.getDate() + 1)
  return date.toISOString()
}

/** The sessions filter by visitors' ratings (`?feedback=`): every session, or those with an answer rated so. */
const FEEDBACK_FILTERS = [
  ['', 'All sessions'],
  ['any', 'Rated answers'],
  ['up', 'Rated helpful'],
  ['down', 'Rated not helpful'],
] as const

function feedbackCell(session: SessionSummary) {
  const up = session.feedback_up ?? 0
  const down = session.feedback_down ?? 0
  if (up + down === 0) return '–'
  return html`<span aria-hidden="true">👍 ${up} 👎 ${down}</span><span class="sr-only">${up} helpful, ${down} not helpful</span>`
}

/** Whether a row falls inside the filters (the host filters too; this keeps older hosts honest). */
function matches(filters: Filters, scope: string, linkId: string | null, at: string): boolean {
  if (filters.link && linkId !== filters.link && scope !== `link:${filters.link}`) return false
  const from = dayBound(filters.from, false)
  const to = dayBound(filters.to, true)
  if (from && at < from) return false
  if (to && at >= to) return false
  return true
}

export function sourceOf(scope: string, links: Link[]): string {
  if (scope === 'public') return 'Public embed'
  if (scope === 'try') return 'Try it (draft)'
  if (scope.startsWith('link:')) return `Link: ${links.find((l) => l.id === scope.slice(5))?.name ?? scope.slice(5)}`
  if (scope.startsWith('key:')) return `API key ${scope.slice(4)}`
  return scope
}

export class ConsoleWatchPage extends ConsoleElement {
  static override properties = {
    session: { attribute: false },
    filters: { attribute: false },
    agents: { state: true },
    links: { state: true },
    sessions: { state: true },
    traces: { state: true },
    sessionsNext: { state: true },
    tracesNext: { state: true },
    feedback: { state: true },
    held: { state: true },
  }
  session: ConsoleSession | null = null
  /** The agent's sessions a person holds now (human takeover). */
  held: TakeoverList['takeovers'] = []
  filters: Filters = { page: 'watch', agent: '', link: '', from: '', to: '' }
  agents: Agent[] | null = null
  links: Link[] = []
  sessions: SessionSummary[] = []
  traces: TraceSummary[] = []
  sessionsNext: Record<string, string> | null = null
  tracesNext: Record<string, string> | null = null
  feedback: Feedback = IDLE
  /** Bumped by every new set of filters, so a slow reply for old filters is dropped, not mixed in. */
  private generation = 0

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('filters')) void this.load()
  }

  private async load(): Promise<void> {
    this.agents ??= (await api.get<{ agents: Agent[] }>('/agents').catch(() => ({ agents: [] }))).agents
    const agent = this.filters.agent || this.agents[0]?.id
    if (!agent) return
    if (!this.filters.agent) {
      navigate(hrefFor({ ...this.filters, agent }), { replace: true })
      return
    }
    this.sessions = []
    this.traces = []
    this.generation++
    await withFeedback(
      (f) => (this.feedback = f),
      {
        busy: 'Loading sessions and traces…',
        done: () => `${counted(this.sessions.length, this.sessionsNext, 'session')}, ${counted(this.traces.length, this.tracesNext, 'trace')}.`,
      },
      async () => {
        const [links, held] = await Promise.all([
          api.get<{ links: Link[] }>(`/agents/${agent}/links`).catch(() => ({ links: [] })),
          // Older hosts have no takeovers: nothing is held there.
          api.get<TakeoverList>(`/agents/${agent}/takeovers`).catch(() => ({ takeovers: [] })),
          this.loadSessions({}),
          this.loadTraces({}),
        ])
        this.links = links.links
        this.held = held.takeovers
      },
    )
  }

  private filterParams() {
    const { link, from, to } = this.filters
    return { link_id: link || undefined, from: dayBound(from, false), to: dayBound(to, true), limit: PAGE }
  }

  private async loadSessions(page: Record<string, string>): Promise<void> {
    const generation = this.generation
    const feedback = this.filters.feedback || undefined
    const user_id = this.filters.user || undefined
    const reply = await api.get<SessionList>(`/agents/${this.filters.agent}/sessions${query({ ...this.filterParams(), feedback, user_id, ...page })}`)
    if (generation !== this.generation) return
    this.sessions = [...this.sessions, ...reply.sessions.filter((s) => matches(this.filters, s.scope, s.link_id, s.updated_at))]
    this.sessionsNext = nextPage(reply)
  }

  private async loadTraces(page: Record<string, string>): Promise<void> {
    const generation = this.generation
    const reply = await api.get<TraceList>(`/traces${query({ agent_id: this.filters.agent, ...this.filterParams(), ...page })}`)
    if (generation !== this.generation) return
    this.traces = [...this.traces, ...reply.traces.filter((t) => matches(this.filters, t.scope, t.link_id, t.started_at))]
    this.tracesNext = nextPage(reply)
  }

  private more(kind: 'sessions' | 'traces'): void {
    const next = kind === 'sessions' ? this.sessionsNext : this.tracesNext
    if (!next) return
    void withFeedback(
      (f) => (this.feedback = f),
      { busy: `Loading more ${kind}…`, done: `More ${kind} loaded.` },
      () => (kind === 'sessions' ? this.loadSessions(next) : this.loadTraces(next)),
    )
  }

  private applyFilters(event: SubmitEvent): void {
    event.preventDefault()
    const data = new FormData(event.target as HTMLFormElement)
    const value = (name: string) => String(data.get(name) ?? '')
    const agent = value('agent')
    navigate(
      hrefFor({
        page: 'watch',
        agent,
        link: agent === this.filters.agent ? value('link') : '',
        from: value('from'),
        to: value('to'),
        feedback: value('feedback'),
        user: value('user').trim(),
      }),
    )
  }

  /** The host's export of every session these filters select (all pages), as a download; the sign-in cookie goes with it. */
  private exportHref(format: 'jsonl' | 'csv'): string {
    const { limit, ...filters } = this.filterParams()
    // The feedback filter too: the export selects what the session list shows.
    const feedback = this.filters.feedback || undefined
    return `/api/v1/agents/${encodeURIComponent(this.filters.agent)}/export/sessions${query({ format, ...filters, feedback, user_id: this.filters.user || undefined })}`
  }

  override render() {
    const f = this.filters
    if (this.agents && this.agents.length === 0) return html`<h1>Watch</h1><p>No agents yet: there is nothing to watch.</p>`
    return html`<h1>Watch</h1>
      <form class="card" @submit=${this.applyFilters} aria-label="Filters">
        <div class="grid">
          <div class="field">
            <label for="watch-agent">Agent</label>
            <select id="watch-agent" name="agent">${(this.agents ?? []).map((a) => html`<option value=${a.id} ?selected=${a.id === f.agent}>${a.name}</option>`)}</select>
          </div>
          <div class="field">
            <label for="watch-link">Link</label>
            <select id="watch-link" name="link">
              <option value="" ?selected=${!f.link}>All traffic</option>
              ${this.links.map((l) => html`<option value=${l.id} ?selected=${l.id === f.link}>${l.name}</option>`)}
              ${f.link && !this.links.some((l) => l.id === f.link) ? html`<option value=${f.link} selected>${f.link}</option>` : nothing}
            </select>
          </div>
          <div class="field"><label for="watch-from">From</label><input id="watch-from" name="from" type="date" .value=${f.from} /></div>
          <div class="field"><label for="watch-to">To</label><input id="watch-to" name="to" type="date" .value=${f.to} /></div>
          <div class="field">
            <label for="watch-feedback">Feedback</label>
            <select id="watch-feedback" name="feedback">
              ${FEEDBACK_FILTERS.map(([value, label]) => html`<option value=${value} ?selected=${value === (f.feedback ?? '')}>${label}</option>`)}
            </select>
          </div>
          <div class="field"><label for="watch-user">User id</label><input id="watch-user" name="user" type="text" maxlength="256" .value=${f.user ?? ''} placeholder="Signed-in user" /></div>
        </div>
        <div class="actions"><button type="submit" class="primary">Apply filters</button><a href=${hrefFor({ page: 'watch', agent: f.agent, link: '', from: '', to: '' })}>Clear</a></div>
      </form>
      ${feedbackView(this.feedback)}
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        ${
          f.agent
            ? html`<p class="actions" aria-label="Export">
                Export every session these filters select, with messages and traces:
                <a href=${this.exportHref('jsonl')} download>JSONL</a>
                <a href=${this.exportHref('csv')} download>CSV</a>
              </p>`
            : nothing
        }
        ${
          this.held.length > 0
            ? html`<div class="card" aria-label="Taken over now"><p><span class="badge warn">Taken over now</span> A person holds these sessions; the agent does not answer them:</p>
                <ul>${this.held.map(
                  (h) =>
                    html`<li><a href=${hrefFor({ page: 'session', agent: this.filters.agent, session: h.session_id, scope: h.scope })}><code>${h.session_id}</code></a> (${sourceOf(h.scope, this.links)}) by ${h.name} since ${formatDate(h.since)}</li>`,
                )}</ul></div>`
            : nothing
        }
        ${this.sessions.length === 0 && this.feedback.state !== 'busy' ? html`<p>No sessions match.</p>` : nothing}
        ${this.sessions.length > 0 ? this.renderSessions() : nothing}
        ${this.sessionsNext ? html`<button type="button" @click=${() => this.more('sessions')}>Load more sessions</button>` : nothing}
      </section>
      <section aria-labelledby="traces-heading">
        <h2 id="traces-heading">Traces</h2>
        ${this.traces.length === 0 && this.feedback.state !== 'busy' ? html`<p>No traces match.</p>` : nothing}
        ${this.traces.length > 0 ? traceTable(this.traces, { label: 'Traces table', source: (scope) => sourceOf(scope, this.links) }) : nothing}
        ${this.tracesNext ? html`<button type="button" @click=${() => this.more('traces')}>Load more traces</button>` : nothing}
      </section>`
  }

  private renderSessions() {
    return html`<div class="table-wrap" role="region" aria-label="Sessions table" tabindex="0"><table>
      <thead><tr><th scope="col">Session</th><th scope="col">Source</th><th scope="col" class="num">Messages</th><th scope="col">Feedback</th><th scope="col">Preview</th><th scope="col">Started</th><th scope="col">Last activity</th><th scope="col">User</th></tr></thead>
      <tbody>${this.sessions.map(
        (s) => html`<tr>
          <td><a href=${hrefFor({ page: 'session', agent: this.filters.agent, session: s.session_id, scope: s.scope })}><code>${s.session_id.length > 18 ? `${s.session_id.slice(0, 16)}…` : s.session_id}</code><span class="sr-only"> open transcript</span></a>${this.held.some((h) => h.session_id === s.session_id && h.scope === s.scope) ? html` <span class="badge warn">Taken over</span>` : nothing}</td>
          <td>${sourceOf(s.scope, this.links)}</td>
          <td class="num">${s.message_count}</td>
          <td>${feedbackCell(s)}</td>
          <td>${s.preview}</td>
          <td>${formatDate(s.created_at)}</td>
          <td>${formatDate(s.updated_at)}</td>
          <td>${s.user ? html`<a href=${hrefFor({ page: 'watch', agent: this.filters.agent, link: '', from: '', to: '', user: s.user.id })}>${s.user.name ?? s.user.id}</a>` : '—'}</td>
        </tr>`,
      )}</tbody>
    </table></div>`
  }
}

define('porch-console-watch-page', ConsoleWatchPage)
