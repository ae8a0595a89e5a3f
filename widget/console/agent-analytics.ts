/**
 * Analytics: how the agent, or every agent, did over the last 7, 30 or 90 days (GET
 * /api/v1/analytics), as charts of runs, conversations, visitors and errors, and of ratings and
 * rate-limit refusals, per day (uPlot, in the console bundle only), and the same numbers as
 * tables, which screen readers read instead of the canvases. Colors come from the console's
 * custom properties, so the charts follow light and dark.
 */
import { html, nothing, type PropertyValues } from 'lit'
import uPlot from 'uplot'
import type { AnalyticsCounts, AnalyticsReport } from '../../shared/analytics.ts'
import type { Agent } from '../../shared/index.ts'
import { api, query } from './api.ts'
import { AgentPanel, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'

const RANGES = [7, 30, 90] as const
const DAY_MS = 86_400_000

const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value).toLocaleString('en-US')} ms`)
const n = (value: number) => value.toLocaleString('en-US')
const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)} %`)

type Across = 'agent' | 'all'

/** The console's color for a custom property, read at draw time so a scheme change redraws right. */
const color = (element: Element, name: string) => getComputedStyle(element).getPropertyValue(name).trim() || 'currentColor'

export class ConsoleAgentAnalytics extends AgentPanel {
  static override properties = {
    agent: { attribute: false },
    days: { state: true },
    across: { state: true },
    report: { state: true },
    feedback: { state: true },
  }
  days: (typeof RANGES)[number] = 30
  /** This agent, or every agent the signed-in key reaches (the host refuses a key limited to some). */
  across: Across = 'agent'
  report: AnalyticsReport | null = null
  feedback: Feedback = IDLE
  /** Agent names for the per-agent table, read once "All agents" is chosen. */
  private names = new Map<string, string>()
  private charts: uPlot[] = []
  private readonly scheme = matchMedia('(prefers-color-scheme: dark)')
  private readonly redraw = () => this.draw()

  override connectedCallback(): void {
    super.connectedCallback()
    this.scheme.addEventListener('change', this.redraw)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.scheme.removeEventListener('change', this.redraw)
    for (const chart of this.charts) chart.destroy()
    this.charts = []
  }

  protected override agentOpened(): void {
    this.report = null
    void this.load()
  }

  private async load(): Promise<void> {
    const id = this.agent!.id
    const across = this.across
    // Whole UTC days, today included.
    const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS)
    const from = new Date(to.getTime() - this.days * DAY_MS)
    const range = { from: from.toISOString(), to: to.toISOString(), group: 'day' }
    if (across === 'all' && this.names.size === 0) {
      const { agents } = await api.get<{ agents: Agent[] }>('/agents').catch(() => ({ agents: [] as Agent[] }))
      this.names = new Map(agents.map((agent) => [agent.id, agent.name]))
    }
    const report = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading analytics…', done: '' },
      () => api.get<AnalyticsReport>(`/analytics${query(across === 'all' ? range : { agent_id: id, ...range })}`),
    )
    // Only the answer to what is still asked for.
    if (report && this.across === across && report.agent_id === (across === 'all' ? null : this.agent?.id)) this.report = report
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed)
    if (changed.has('report')) this.draw()
  }

  private draw(): void {
    for (const chart of this.charts) chart.destroy()
    this.charts = []
    const report = this.report
    if (!report || report.series.length === 0) return
    const days = report.series
    this.plot('.analytics-runs', report, [
      ['Runs', '--c-accent', days.map((d) => d.runs)],
      ['Conversations', '--c-ok', days.map((d) => d.conversations)],
      ['Visitors', '--c-muted', days.map((d) => d.visitors)],
      ['Errors', '--c-error', days.map((d) => d.errors)],
    ])
    this.plot('.analytics-feedback', report, [
      ['Rated up', '--c-ok', days.map((d) => d.feedback_up)],
      ['Rated down', '--c-error', days.map((d) => d.feedback_down)],
      ['Rate-limited', '--c-muted', days.map((d) => d.rate_limited)],
    ])
  }

  /** One chart of lines per day, in the console's colors of the moment. */
  private plot(selector: string, report: AnalyticsReport, lines: [string, string, number[]][]): void {
    const target = this.querySelector<HTMLElement>(selector)
    if (!target) return
    const x = report.series.map((day) => Date.parse(day.start) / 1000)
    const axis = { stroke: color(this, '--c-fg'), grid: { stroke: color(this, '--c-border') }, ticks: { stroke: color(this, '--c-border') } }
    const chart = new uPlot(
      {
        width: Math.max(280, Math.min(target.clientWidth || 640, 900)),
        height: 220,
        series: [{}, ...lines.map(([label, stroke]) => ({ label, stroke: color(this, stroke), width: 2 }))],
        // The whole range asked for, so one busy day does not fill the width.
        scales: { x: { time: true, range: [Date.parse(report.from) / 1000, Date.parse(report.to) / 1000] } },
        axes: [axis, axis],
        legend: { show: true },
      },
      [x, ...lines.map(([, , values]) => values)],
      target,
    )
    this.charts.push(chart)
  }

  override render() {
    const report = this.report
    return html`<section aria-labelledby="analytics-heading">
      <h2 id="analytics-heading">Analytics</h2>
      <p class="row">
        <label for="analytics-range">Range</label>
        <select id="analytics-range" @change=${(e: Event) => {
          this.days = Number((e.target as HTMLSelectElement).value) as (typeof RANGES)[number]
          void this.load()
        }}>
          ${RANGES.map((days) => html`<option value=${days} ?selected=${days === this.days}>Last ${days} days</option>`)}
        </select>
        <label for="analytics-across">Agents</label>
        <select id="analytics-across" @change=${(e: Event) => {
          this.across = (e.target as HTMLSelectElement).value as Across
          this.report = null
          void this.load()
        }}>
          <option value="agent" ?selected=${this.across === 'agent'}>This agent</option>
          <option value="all" ?selected=${this.across === 'all'}>All agents</option>
        </select>
      </p>
      ${feedbackView(this.feedback)}
      ${report ? this.renderReport(report) : nothing}
      <p class="hint">
        A conversation counts on the day of its first message, a visitor on the day first seen (the signed-in user, else the
        session). Times are read from a histogram, within 9 % of the exact value. Refusals: messages a rate limit or a
        link's quota turned away.
      </p>
    </section>`
  }

  private renderReport(report: AnalyticsReport) {
    const t = report.totals
    if (t.runs === 0 && t.rate_limited === 0) return html`<p>No runs in this range.</p>`
    return html`<dl class="analytics-totals">
        <div><dt>Conversations</dt><dd>${n(t.conversations)}</dd></div>
        <div><dt>Visitors</dt><dd>${n(t.visitors)}</dd></div>
        <div><dt>Runs</dt><dd>${n(t.runs)}</dd></div>
        <div><dt>Errors</dt><dd>${n(t.errors)}</dd></div>
        <div><dt>Rate-limited</dt><dd>${n(t.rate_limited)}</dd></div>
        <div><dt>Rated answers (up / down)</dt><dd>${n(t.feedback_up + t.feedback_down)} (${n(t.feedback_up)} / ${n(t.feedback_down)})</dd></div>
        <div><dt>Satisfaction</dt><dd>${percent(t.satisfaction)}</dd></div>
        <div><dt>Tokens in / out</dt><dd>${n(t.input_tokens)} / ${n(t.output_tokens)}</dd></div>
        <div><dt>First token p50 / p95</dt><dd>${ms(t.first_token_ms.p50)} / ${ms(t.first_token_ms.p95)}</dd></div>
        <div><dt>Total time p50 / p95</dt><dd>${ms(t.total_ms.p50)} / ${ms(t.total_ms.p95)}</dd></div>
      </dl>
      <div class="analytics-chart analytics-runs" aria-hidden="true"></div>
      <div class="analytics-chart analytics-feedback" aria-hidden="true"></div>
      ${this.countsTable(
        'Per day (UTC)',
        'Day',
        report.series.map((d) => [d.start.slice(0, 10), d, d.rate_limited]),
      )}
      ${
        report.agent_id === null
          ? this.countsTable(
              'Per agent',
              'Agent',
              report.by_agent.map((a) => [this.names.get(a.agent_id) ?? a.agent_id, a]),
            )
          : nothing
      }
      ${this.countsTable(
        'Per source',
        'Source',
        report.by_scope.map((s) => [s.link_id ? `Share link ${s.link_id}` : s.scope, s]),
      )}
      ${this.countsTable(
        'Per version',
        'Version',
        report.by_version.map((v) => [report.agent_id === null ? `${this.names.get(v.agent_id) ?? v.agent_id} v${v.version}` : `Version ${v.version}`, v]),
      )}
      ${this.listTable(
        'Most used tools',
        ['Tool', 'Calls', 'Failed'],
        report.tools.map((tool) => [tool.name, tool.calls, tool.errors]),
      )}
      ${this.listTable(
        'Most used knowledge sources',
        ['Source', 'Answers'],
        (report.sources ?? []).map((source) => [source.title, source.citations]),
      )}`
  }

  private listTable(caption: string, columns: string[], rows: [string, ...number[]][]) {
    if (rows.length === 0) return nothing
    return html`<div class="table-wrap" role="region" aria-label=${caption} tabindex="0"><table>
      <caption>${caption}</caption>
      <thead><tr>${columns.map((column, i) => html`<th scope="col" class=${i === 0 ? '' : 'num'}>${column}</th>`)}</tr></thead>
      <tbody>${rows.map(([label, ...values]) => html`<tr><th scope="row">${label}</th>${values.map((value) => html`<td class="num">${n(value)}</td>`)}</tr>`)}</tbody>
    </table></div>`
  }

  /** Counts per row; the columns added after the first six keep older readers of the table in place. */
  private countsTable(caption: string, first: string, rows: [string, AnalyticsCounts, number?][]) {
    const refusals = rows.some(([, , refused]) => refused !== undefined)
    return html`<div class="table-wrap" role="region" aria-label=${caption} tabindex="0"><table>
      <caption>${caption}</caption>
      <thead><tr><th scope="col">${first}</th><th scope="col" class="num">Conversations</th><th scope="col" class="num">Runs</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Tokens in</th><th scope="col" class="num">Tokens out</th><th scope="col" class="num">Visitors</th><th scope="col" class="num">Rated up</th><th scope="col" class="num">Rated down</th><th scope="col" class="num">Satisfaction</th>${refusals ? html`<th scope="col" class="num">Rate-limited</th>` : nothing}</tr></thead>
      <tbody>${rows.map(
        ([label, c, refused]) =>
          html`<tr><th scope="row">${label}</th><td class="num">${n(c.conversations)}</td><td class="num">${n(c.runs)}</td><td class="num">${n(c.errors)}</td><td class="num">${n(c.input_tokens)}</td><td class="num">${n(c.output_tokens)}</td><td class="num">${n(c.visitors)}</td><td class="num">${n(c.feedback_up)}</td><td class="num">${n(c.feedback_down)}</td><td class="num">${percent(c.satisfaction)}</td>${refusals ? html`<td class="num">${n(refused ?? 0)}</td>` : nothing}</tr>`,
      )}</tbody>
    </table></div>`
  }
}

define('porch-console-agent-analytics', ConsoleAgentAnalytics)
