/**
 * A run's events as the Vercel AI SDK's UI message stream (protocol v1), which `useChat` and
 * `readUIMessageStream` read: SSE `data:` JSON chunks, then `data: [DONE]`.
 *
 * | Porch event | chunks |
 * |---|---|
 * | `run_started` | `start` (messageId: the run's trace id, the same on a resume) |
 * | `turn_start` | `finish-step` of the turn before (its open text ended first), `start-step` |
 * | `text_delta` | `text-start` on a turn's first text, `text-delta`; `text-end` before anything else |
 * | `tool_call` | `tool-input-available` (`dynamic: true`, toolName, input) |
 * | `tool_result` | `tool-output-available` (output: the result text), or `tool-output-error` |
 * | `output_file` | `file` (url: the visitor download URL, absolute; mediaType) |
 * | `sources` | `source-url` per source with a URL (a web page's, else the visitor download URL of a cited file), `source-document` (text/plain: the passages the model read) per other |
 * | `error` | `error` (errorText), or `abort` for a run the visitor stopped |
 * | `complete` | `finish-step`, then `finish` |
 * | the run ends | anything still open closed, an `error` if it never completed, `[DONE]` |
 *
 * `ai` 5.0.0 parses chunks with strict schemas (an unknown field fails the whole stream), so
 * every chunk here carries only the fields that version knows; newer versions accept them too.
 * The chunk types below are that subset.
 */
import type { StreamEvent } from '../../../shared/index.ts'

export type UiMessageChunk =
  | { type: 'start'; messageId?: string }
  | { type: 'start-step' }
  | { type: 'finish-step' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown; dynamic: true }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown; dynamic: true }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string; dynamic: true }
  | { type: 'file'; url: string; mediaType: string }
  | { type: 'source-url'; sourceId: string; url: string; title: string }
  | { type: 'source-document'; sourceId: string; mediaType: string; title: string }
  | { type: 'error'; errorText: string }
  | { type: 'abort' }
  | { type: 'finish' }

/** The headers of a UI message stream response (the SDK's own, plus Porch's SSE headers). */
export const UI_MESSAGE_STREAM_HEADERS = { 'x-vercel-ai-ui-message-stream': 'v1' } as const

export const UI_STREAM_DONE = 'data: [DONE]\n\n'

export const uiChunkFrame = (chunk: UiMessageChunk) => `data: ${JSON.stringify(chunk)}\n\n`

/**
 * Folds a run's events, one at a time, into UI message chunks. One per stream: it remembers the
 * open step and text part, so text chunks always pair up by id and steps never nest.
 */
export class UiMessageStreamFold {
  private stepOpen = false
  private textId: string | null = null
  private texts = 0
  private started = false
  private completed = false
  private failed = false

  /** `absolute` turns a host path (a download URL) into the URL a client on any origin can fetch. */
  constructor(private readonly absolute: (path: string) => string) {}

  add(event: StreamEvent): UiMessageChunk[] {
    switch (event.event_type) {
      case 'run_started':
        this.started = true
        return [{ type: 'start', messageId: event.trace_id }]
      case 'turn_start':
        return [...this.closeStep(), ...this.openStep()]
      case 'text_delta': {
        if (event.text === '') return []
        const opening = this.openStep()
        if (this.textId === null) {
          this.texts += 1
          this.textId = `text-${this.texts}`
          opening.push({ type: 'text-start', id: this.textId })
        }
        return [...opening, { type: 'text-delta', id: this.textId, delta: event.text }]
      }
      case 'tool_call':
        return [
          ...this.closeText(),
          ...this.openStep(),
          { type: 'tool-input-available', toolCallId: event.tool_call_id, toolName: event.tool_name, input: event.tool_input ?? null, dynamic: true },
        ]
      case 'tool_result':
        return [
          ...this.closeText(),
          ...this.openStep(),
          event.is_error
            ? { type: 'tool-output-error', toolCallId: event.tool_call_id, errorText: event.tool_result, dynamic: true }
            : { type: 'tool-output-available', toolCallId: event.tool_call_id, output: event.tool_result, dynamic: true },
        ]
      case 'output_file':
        return [...this.closeText(), ...this.openStep(), { type: 'file', url: this.absolute(event.download_url), mediaType: event.content_type }]
      case 'sources':
        return [
          ...this.closeText(),
          ...event.sources.map((source): UiMessageChunk => {
            const sourceId = String(source.index)
            const title = [source.title, ...source.heading_path].join(' › ')
            const url = source.url ?? (source.file_url === undefined ? null : this.absolute(source.file_url))
            return url === null ? { type: 'source-document', sourceId, mediaType: 'text/plain', title } : { type: 'source-url', sourceId, url, title }
          }),
        ]
      case 'error':
        this.failed = true
        return [...this.closeStep(), event.code === 'cancelled' ? { type: 'abort' } : { type: 'error', errorText: event.message }]
      case 'complete': {
        this.completed = true
        const failure: UiMessageChunk[] = !event.success && !this.failed ? [{ type: 'error', errorText: event.error ?? 'The agent could not answer.' }] : []
        this.failed ||= !event.success
        return [...this.closeStep(), ...failure, { type: 'finish' }]
      }
      default:
        return []
    }
  }

  /** The chunks after the run's last event: whatever is still open, closed; an error when it never completed. */
  end(): UiMessageChunk[] {
    if (this.completed) return this.closeStep()
    const start: UiMessageChunk[] = this.started ? [] : [{ type: 'start' }]
    const error: UiMessageChunk[] = this.failed ? [] : [{ type: 'error', errorText: 'The agent stopped before it answered.' }]
    return [...start, ...this.closeStep(), ...error, { type: 'finish' }]
  }

  private openStep(): UiMessageChunk[] {
    if (this.stepOpen) return []
    this.stepOpen = true
    return [{ type: 'start-step' }]
  }

  private closeText(): UiMessageChunk[] {
    if (this.textId === null) return []
    const id = this.textId
    this.textId = null
    return [{ type: 'text-end', id }]
  }

  private closeStep(): UiMessageChunk[] {
    const text = this.closeText()
    if (!this.stepOpen) return text
    this.stepOpen = false
    return [...text, { type: 'finish-step' }]
  }
}
