/** A tool call with its input and result, folded; used by try-it and by stored transcripts. */
import { html, nothing } from 'lit'

export type ToolCallView = { name: string; input: unknown; result?: string; isError?: boolean }

export function toolView(tool: ToolCallView) {
  const state = tool.result === undefined ? ' (no result)' : tool.isError ? ' (failed)' : ''
  return html`<details class="tool">
    <summary>Tool call <code>${tool.name}</code>${state}</summary>
    <div class="label">Input</div>
    <pre>${JSON.stringify(tool.input, null, 2)}</pre>
    ${tool.result !== undefined ? html`<div class="label">Result</div><pre>${tool.result}</pre>` : nothing}
  </details>`
}
