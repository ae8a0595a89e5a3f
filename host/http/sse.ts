/**
 * A run as a Server-Sent Events response: `id:` on every event (its number in the run), a
 * `: ping` comment every heartbeat, and the headers that keep proxies from buffering.
 * The client going away detaches it from the run; the run decides whether to wait or cancel.
 */
import type { NumberedEvent, Run } from '../runtime/runs.ts'

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const

const encoder = new TextEncoder()
const PING = encoder.encode(': ping\n\n')

/** How a run's events become stream text: each event, and what follows the last one. */
export type SseFormat = {
  /** The text for one event ('' to send nothing). */
  event(numbered: NumberedEvent): string
  /** Text sent after the run ended, before the stream closes ('' for none). */
  end(): string
}

/** The standard format: `id:` (the event's number in the run), `event:` and `data:`. */
export const porchEvents: SseFormat = {
  event: ({ id, event }) => `id: ${id}\nevent: ${event.event_type}\ndata: ${JSON.stringify(event)}\n\n`,
  end: () => '',
}

export type SseOptions = { heartbeatMs: number; signal: AbortSignal; headers?: Record<string, string> }

/**
 * Streams `run` from after event `afterId` in `format`; the client going away detaches it.
 * Events that come in one turn of the event loop (a burst of tokens read in one network chunk,
 * a replay) leave as one chunk at the end of that turn: one encode and one socket write instead
 * of one per event, which was most of an SSE chat's cost (see BENCHMARKS.md).
 */
export function runToSse(run: Run, afterId: number, options: SseOptions, format: SseFormat = porchEvents): Response {
  let stop = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true
      let pending = ''
      let flushScheduled = false
      const flush = () => {
        flushScheduled = false
        if (open && pending !== '') controller.enqueue(encoder.encode(pending))
        pending = ''
      }
      const send = (text: string) => {
        if (!open || text === '') return
        pending += text
        if (flushScheduled) return
        flushScheduled = true
        setImmediate(flush)
      }
      const heartbeat = setInterval(() => {
        flush()
        controller.enqueue(PING)
      }, options.heartbeatMs)
      let detach = () => {}
      stop = () => {
        if (!open) return
        open = false
        clearInterval(heartbeat)
        options.signal.removeEventListener('abort', stop)
        detach()
      }
      options.signal.addEventListener('abort', stop, { once: true })
      // Flush the headers at once, so the client knows the stream is open before the first event.
      controller.enqueue(encoder.encode(': stream open\n\n'))
      detach = run.attach(afterId, {
        onEvent: (numbered) => send(format.event(numbered)),
        onEnd: () => {
          if (!open) return
          send(format.end())
          flush()
          stop()
          controller.close()
        },
      })
      if (!open) detach()
    },
    cancel() {
      stop()
    },
  })
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } })
}
