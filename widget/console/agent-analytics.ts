/**
 * Analytics: how the agent did over the last 7, 30 or 90 days (GET /api/v1/analytics), as a
 * chart of runs, conversations and errors per day (uPlot, in the console bundle only), and the
 * same numbers as tables, which screen readers read instead of the canvas. Colors come from the
 * console's custom properties, so the chart follows light and dark.
 */
import { html, nothing, type PropertyValues } from 'lit'
import uPlot from 'uplot'
import type { AnalyticsCounts, AnalyticsReport } from '../../shared/analytics.ts'
import { api, query } from './api.ts'
import { AgentPanel, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'

const RANGES = [7, 30, 90] as const
const DAY_MS = 86_400_000

const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value).toLocaleString('en-US')} ms`)
const n = (value: number) => value.toLocaleString('en-US')

/** The console's color for a custom property, read at draw time so a scheme change redraws right. */
const color = (element: Element, name: string) => getComputedStyle(element).getPropertyValue(name).trim() || 'currentColor'

export class ConsoleAgentAnalytics extends AgentPanel {
  static override properties = { agent: { attribute: false }, days: { state: true }, report: { state: true }, feedback: { state: true } }
  days: (typeof RANGES)[number] = 30
  report: AnalyticsReport | null = null
  feedback: Feedback = IDLE
  private chart: uPlot | null = null
  private readonly scheme = matchMedia('(prefers-color-scheme: dark)')
  private readonly redraw = () => this.draw()

  override connectedCallback(): void {
    super.connectedCallback()
    this.scheme.addEventListener('change', this.redraw)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.scheme.removeEventListener('change', this.redraw)
    this.chart?.destroy()
    this.chart = null
  }

  protected override agentOpened(): void {
    this.report = null
    void this.load()
  }

  private async load(): Promise<void> {
    const id = this.agent!.id
    // Whole UTC days, today included.
    const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS)
    const from = new Date(to.getTime() - this.days * DAY_MS)
    const report = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading analytics…', done: '' },
      () => api.get<AnalyticsReport>(`/analytics${query({ agent_id: id, from: from.toISOString(), to: to.toISOString(), group: 'day' })}`),
    )
    if (report && report.agent_id === this.agent?.id) this.report = report
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed)
    if (changed.has('report')) this.draw()
  }

  private draw(): void {
    this.chart?.destroy()
    this.chart = null
    const target = this.querySelector<HTMLElement>('.analytics-chart')
    const report = this.report
    if (!target || !report || report.series.length === 0) return
    const x = report.series.map((day) => Date.parse(day.start) / 1000)
    const line = (label: string, stroke: string) => ({ label, stroke: color(this, stroke), width: 2 })
    const axis = { stroke: color(this, '--c-fg'), grid: { stroke: color(this, '--c-border') }, ticks: { stroke: color(this, '--c-border') } }
    this.chart = new uPlot(
      {
        width: Math.max(280, Math.min(target.clientWidth || 640, 900)),
        height: 240,
        series: [{}, line('Runs', '--c-accent'), line('Conversations', '--c-ok'), line('Errors', '--c-error')],
        // The whole range asked for, so one busy day does not fill the width.
        scales: { x: { time: true, range: [Date.parse(report.from) / 1000, Date.parse(report.to) / 1000] } },
        axes: [axis, axis],
        legend: { show: true },
      },
      [x, report.series.map((d) => d.runs), report.series.map((d) => d.conversations), report.series.map((d) => d.errors)],
      target,
    )
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
      </p>
      ${feedbackView(this.feedback)}
      ${report ? this.renderReport(report) : nothing}
      <p class="hint">Not counted yet: feedback, unique visitors and rate-limit refusals.</p>
    </section>`
  }

  private renderReport(report: AnalyticsReport) {
    const t = report.totals
    if (t.runs === 0) return html`<p>No runs in this range.</p>`
    return html`<dl class="analytics-totals">
        <div><dt>Conversations</dt><dd>${n(t.conversations)}</dd></div>
        <div><dt>Runs</dt><dd>${n(t.runs)}</dd></div>
        <div><dt>Errors</dt><dd>${n(t.errors)}</dd></div>
        <div><dt>Tokens in / out</dt><dd>${n(t.input_tokens)} / ${n(t.output_tokens)}</dd></div>
        <div><dt>First token p50 / p95</dt><dd>${ms(t.first_token_ms.p50)} / ${ms(t.first_token_ms.p95)}</dd></div>
        <div><dt>Total time p50 / p95</dt><dd>${ms(t.total_ms.p50)} / ${ms(t.total_ms.p95)}</dd></div>
      </dl>
      <div class="analytics-chart" aria-hidden="true"></div>
      ${this.countsTable(
        'Per day (UTC)',
        'Day',
        report.series.map((d) => [d.start.slice(0, 10), d]),
      )}
      ${this.countsTable(
        'Per source',
        'Source',
        report.by_scope.map((s) => [s.link_id ? `Share link ${s.link_id}` : s.scope, s]),
      )}
      ${this.countsTable(
        'Per version',
        'Version',
        report.by_version.map((v) => [`Version ${v.version}`, v]),
      )}
      ${
        report.tools.length === 0
          ? nothing
          : html`<div class="table-wrap" role="region" aria-label="Most used tools" tabindex="0"><table>
              <caption>Most used tools</caption>
              <thead><tr><th scope="col">Tool</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Failed</th></tr></thead>
              <tbody>${report.tools.map((tool) => html`<tr><th scope="row">${tool.name}</th><td class="num">${n(tool.calls)}</td><td class="num">${n(tool.errors)}</td></tr>`)}</tbody>
            </table></div>`
      }`
  }

  private countsTable(caption: string, first: string, rows: [string, AnalyticsCounts][]) {
    return html`<div class="table-wrap" role="region" aria-label=${caption} tabindex="0"><table>
      <caption>${caption}</caption>
      <thead><tr><th scope="col">${first}</th><th scope="col" class="num">Conversations</th><th scope="col" class="num">Runs</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Tokens in</th><th scope="col" class="num">Tokens out</th></tr></thead>
      <tbody>${rows.map(
        ([label, c]) =>
          html`<tr><th scope="row">${label}</th><td class="num">${n(c.conversations)}</td><td class="num">${n(c.runs)}</td><td class="num">${n(c.errors)}</td><td class="num">${n(c.input_tokens)}</td><td class="num">${n(c.output_tokens)}</td></tr>`,
      )}</tbody>
    </table></div>`
  }
}

define('porch-console-agent-analytics', ConsoleAgentAnalytics)
