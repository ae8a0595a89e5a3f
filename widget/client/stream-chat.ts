/**
 * One chat request over SSE, on @microsoft/fetch-event-source, for every chat the browser side
 * runs (a visitor's, the console's try-it). A dropped stream is resumed by re-POSTing the same
 * body (same request_id) with Last-Event-ID, so the host re-attaches to the same run; 4xx answers
 * are never retried; a hidden tab keeps its stream (no re-POST when it becomes visible again).
 */
import { EventStreamContentType, fetchEventSource } from '@microsoft/fetch-event-source'
import type { ChatRequest, StreamEvent, StreamEventType } from '../../shared/protocol.ts'
import { errorFrom, HttpError } from './http.ts'
import type { ChatEndpoint } from './urls.ts'

/**
 * The stream events this build knows. A Record over the shared union: an event added to
 * shared/protocol.ts does not compile here until it is listed.
 */
const EVENT_TYPES: Record<StreamEventType, 1> = {
  run_started: 1,
  turn_start: 1,
  text_delta: 1,
  tool_call: 1,
  tool_result: 1,
  output_file: 1,
  context_compressed: 1,
  sources: 1,
  complete: 1,
  trace_saved: 1,
  error: 1,
  taken_over: 1,
}

/** A stream event this build knows, or null for anything else (a newer host may send more). */
export function readEvent(data: string): StreamEvent | null {
  try {
    const value = JSON.parse(data)
    return value && typeof value === 'object' && EVENT_TYPES[value.event_type as keyof typeof EVENT_TYPES] === 1 ? (value as StreamEvent) : null
  } catch {
    return null
  }
}

export type StreamOptions = {
  /** The chat request; its request_id makes a resume re-attach instead of starting anew. */
  body: ChatRequest & { request_id: string }
  signal: AbortSignal
  onEvent: (event: StreamEvent) => void
  /** Reconnects after a dropped stream before giving up. */
  maxRetries?: number
  /** Wait before reconnect n (0-based); exponential by default. */
  retryDelay?: (attempt: number) => number
}

class StreamDropped extends Error {}

export function streamChat(endpoint: ChatEndpoint, options: StreamOptions): Promise<void> {
  const { maxRetries = 5, retryDelay = (attempt) => Math.min(500 * 2 ** attempt, 8000) } = options
  let finished = false
  let retries = 0
  return fetchEventSource(endpoint.chat, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...endpoint.headers },
    credentials: endpoint.credentials,
    body: JSON.stringify(options.body),
    signal: options.signal,
    openWhenHidden: true,
    async onopen(response) {
      if (response.ok && response.headers.get('content-type')?.startsWith(EventStreamContentType)) {
        retries = 0
        return
      }
      throw response.ok
        ? new HttpError(response.status, 'bad_response', 'The chat service answered with something other than a stream.', null)
        : await errorFrom(response)
    },
    onmessage(message) {
      const event = readEvent(message.data)
      if (!event) return
      if (event.event_type === 'complete') finished = true
      options.onEvent(event)
    },
    onclose() {
      // A stream that ends before `complete` was cut (a proxy, a restart): resume it.
      if (!finished) throw new StreamDropped('the stream ended early')
    },
    onerror(error) {
      // 4xx are final (bad input, auth, quota, rate limit); 5xx and network drops are retried
      // with the same request_id, which the host de-duplicates.
      if (error instanceof HttpError && error.status < 500) throw error
      if (retries >= maxRetries) throw new HttpError(0, 'network', 'The connection to the chat service was lost.', null)
      return retryDelay(retries++)
    },
  })
}

/** Tells the host to stop the answer to `requestId` at once (so the model stops spending); never rejects. */
export function stopChat(endpoint: ChatEndpoint, requestId: string): Promise<void> {
  return fetch(endpoint.stop, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...endpoint.headers },
    credentials: endpoint.credentials,
    body: JSON.stringify({ request_id: requestId }),
    keepalive: true,
  }).then(
    () => {},
    () => {},
  )
}
