/** Traces as a table: status, time to first token, total time, turns, tokens, tool calls, error. */
import { html, nothing } from 'lit'
import type { TraceStatus, TraceSummary } from '../../shared/console.ts'
import { formatDate } from './console-element.ts'
import { hrefFor } from './router.ts'

const ms = (value: number | null) => (value === null ? '—' : value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`)

export function traceStatusBadge(status: TraceStatus) {
  const kind = status === 'success' ? 'ok' : status === 'error' ? 'warn' : 'off'
  return html`<span class="badge ${kind}">${status}</span>`
}

export function traceTable(
  traces: TraceSummary[],
  { label, sessionLinks = true, source }: { label: string; sessionLinks?: boolean; source?: (scope: string) => string },
) {
  return html`<div class="table-wrap" role="region" aria-label=${label} tabindex="0"><table>
    <thead><tr>
      <th scope="col">Started</th>${source ? html`<th scope="col">Source</th>` : nothing}<th scope="col">Status</th><th scope="col" class="num">First token</th><th scope="col" class="num">Total</th>
      <th scope="col" class="num">Turns</th><th scope="col" class="num">Tokens in / out</th><th scope="col" class="num">Tool calls</th><th scope="col">Error</th>${sessionLinks ? html`<th scope="col">Session</th>` : nothing}
    </tr></thead>
    <tbody>${traces.map(
      (trace) => html`<tr data-trace=${trace.trace_id}>
        <td>${formatDate(trace.started_at)}${trace.version ? html`<div class="hint">v${trace.version}</div>` : nothing}</td>
        ${source ? html`<td>${source(trace.scope)}</td>` : nothing}
        <td>${traceStatusBadge(trace.status)}</td>
        <td class="num">${ms(trace.first_token_ms)}</td>
        <td class="num">${ms(trace.total_ms)}</td>
        <td class="num">${trace.turns}</td>
        <td class="num">${trace.input_tokens} / ${trace.output_tokens}</td>
        <td class="num">${trace.tool_calls.length}</td>
        <td>${trace.error ? html`<span class="error">${trace.error}</span>` : ''}</td>
        ${
          sessionLinks
            ? html`<td>${trace.session_id ? html`<a href=${hrefFor({ page: 'session', agent: trace.agent_id, session: trace.session_id, scope: trace.scope })}>Open<span class="sr-only"> session ${trace.session_id}</span></a>` : '—'}</td>`
            : nothing
        }
      </tr>`,
    )}</tbody>
  </table></div>`
}
