/**
 * One chat request over SSE, on @microsoft/fetch-event-source. A dropped stream is resumed by
 * re-POSTing the same body (same request_id) with Last-Event-ID, so the host re-attaches to the
 * same run; 4xx answers are never retried; a hidden tab keeps its stream (no re-POST when it
 * becomes visible again).
 */
import { EventStreamContentType, fetchEventSource } from '@microsoft/fetch-event-source'
import { apiBase, authHeaders, errorFrom, HttpError, readEvent, type ChatTarget, type StreamEvent } from './api.ts'

export type StreamOptions = {
  target: ChatTarget
  body: { request: string; session_id: string; request_id: string }
  signal: AbortSignal
  onEvent: (event: StreamEvent) => void
  /** Reconnects after a dropped stream before giving up. */
  maxRetries?: number
  /** Wait before reconnect n (0-based); exponential by default. */
  retryDelay?: (attempt: number) => number
}

class StreamDropped extends Error {}

export function streamChat(options: StreamOptions): Promise<void> {
  const { maxRetries = 5, retryDelay = (attempt) => Math.min(500 * 2 ** attempt, 8000) } = options
  let finished = false
  let retries = 0
  return fetchEventSource(`${apiBase(options.target)}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(options.target) },
    body: JSON.stringify(options.body),
    signal: options.signal,
    openWhenHidden: true,
    async onopen(response) {
      if (response.ok && response.headers.get('content-type')?.startsWith(EventStreamContentType)) {
        retries = 0
        return
      }
      throw response.ok ? new HttpError(response.status, 'bad_response', 'The chat service answered with something other than a stream.', null) : await errorFrom(response)
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
