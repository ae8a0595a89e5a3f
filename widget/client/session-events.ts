/**
 * Follows a session's events (human takeover: a person joined, wrote, left; the visitor's
 * messages, for the console) over SSE, on @microsoft/fetch-event-source like the chat stream.
 * The stream stays open; when it drops it reconnects with Last-Event-ID (the library sends the
 * last `id:` it saw), backing off up to 30 s. A 4xx other than 429 ends it for good (the
 * session is gone, the token expired).
 */
import { fetchEventSource } from '@microsoft/fetch-event-source'
import type { SessionEvent } from '../../shared/protocol.ts'
import { errorFrom, HttpError } from './http.ts'

export type SessionEventsOptions = {
  headers?: Record<string, string>
  credentials?: RequestCredentials
  /** The id of the last event already shown (the history's `last_event_id`). */
  afterId: number
  signal: AbortSignal
  onEvent: (event: SessionEvent) => void
  retryDelay?: (attempt: number) => number
}

const KNOWN = ['person_joined', 'person_message', 'person_left', 'visitor_message']

class Ended extends Error {}

export function followSessionEvents(url: string, options: SessionEventsOptions): Promise<void> {
  const { retryDelay = (attempt) => Math.min(1000 * 2 ** attempt, 30_000) } = options
  let retries = 0
  return fetchEventSource(url, {
    headers: { ...options.headers, ...(options.afterId > 0 && { 'last-event-id': String(options.afterId) }) },
    credentials: options.credentials,
    signal: options.signal,
    openWhenHidden: true,
    async onopen(response) {
      if (response.ok) {
        retries = 0
        return
      }
      throw await errorFrom(response)
    },
    onmessage(message) {
      try {
        const event = JSON.parse(message.data)
        if (KNOWN.includes(event?.event_type)) options.onEvent(event as SessionEvent)
      } catch {
        // Not an event this build reads.
      }
    },
    onclose() {
      // The host closed the stream (a restart, a proxy timeout): follow again from the last id.
      throw new Ended()
    },
    onerror(error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 429) throw error
      return retryDelay(retries++)
    },
  })
}
