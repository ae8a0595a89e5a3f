/** A session event stream (…/sessions/{id}/events) read as it goes, for tests: wait for the next matching event, then close. */
import type { SessionEvent } from '../../shared/index.ts'
import { parseSse } from './harness.ts'

export type EventStreamReader = {
  status: number
  /** Every event read so far, with its SSE id. */
  seen: { id: string | undefined; data: SessionEvent }[]
  /** Resolves with the first event (already read, or still to come) that matches. */
  next(match: (event: SessionEvent) => boolean): Promise<SessionEvent>
  close(): Promise<void>
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamReader> {
  const abort = new AbortController()
  const response = await fetch(url, { headers, signal: abort.signal })
  const seen: EventStreamReader['seen'] = []
  const waiters: { match: (event: SessionEvent) => boolean; resolve: (event: SessionEvent) => void }[] = []
  const offer = (event: SessionEvent) => {
    for (const waiter of [...waiters]) {
      if (!waiter.match(event)) continue
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(event)
    }
  }
  if (response.ok && response.body) {
    void (async () => {
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += decoder.decode(value, { stream: true })
          let end: number
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const [message] = parseSse(`${buffer.slice(0, end)}\n\n`)
            buffer = buffer.slice(end + 2)
            if (!message) continue
            const event = message.data as unknown as SessionEvent
            seen.push({ id: message.id, data: event })
            offer(event)
          }
        }
      } catch {
        // Closed by the test.
      }
    })()
  }
  return {
    status: response.status,
    seen,
    next(match) {
      const found = seen.find((entry) => match(entry.data))
      if (found) return Promise.resolve(found.data)
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve })
        setTimeout(() => reject(new Error(`no matching event; saw ${JSON.stringify(seen.map((s) => s.data.event_type))}`)), 15_000).unref()
      })
    },
    async close() {
      abort.abort()
      if (!response.ok) await response.body?.cancel().catch(() => {})
    },
  }
}
