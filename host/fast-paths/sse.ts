/**
 * A run as a Server-Sent Events response: `id:` on every event (its number in the run), a
 * `: ping` comment every heartbeat, and the headers that keep proxies from buffering.
 * The client going away detaches it from the run; the run decides whether to wait or cancel.
 */
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context } from 'hono'
import type { NumberedEvent, RunFeed } from '../runtime/runs/index.ts'

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const

const OPENED = ': stream open\n\n'
const PING = ': ping\n\n'

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

/** `headers` are added to the SSE headers and those already set on the context (CORS). */
export type SseOptions = { heartbeatMs: number; headers?: Record<string, string> }

/** Where stream text goes: the socket, or a web stream when no Node response is at hand. */
export type Sink = { write(text: string): void; close(): void; onGone(stop: () => void): void }

/**
 * An SSE response whose text `start` writes to the sink it is given, with the SSE headers, those
 * already set on the context (CORS) and `headers`.
 *
 * Under @hono/node-server the text is written to the Node response directly: a web
 * ReadableStream in between cost about a millisecond per chat, and the adapter held the
 * headers back for a timer tick while it looked for a content length (BENCHMARKS.md, issue 7).
 * Elsewhere (`app.request` in tests, other runtimes) the same text goes into a ReadableStream.
 */
export function sseResponse(c: Context, headers: Record<string, string>, start: (sink: Sink) => void): Response {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
  if (outgoing) {
    // The headers set on the context (CORS) are read off a response c.body() builds and drops;
    // reading c.res instead would make Hono copy the response once more when the handler returns.
    const all: Record<string, string> = { ...Object.fromEntries(c.body(null).headers), ...SSE_HEADERS, ...headers }
    start({
      write: (text) => {
        if (!outgoing.headersSent) outgoing.writeHead(200, all)
        outgoing.write(text)
      },
      close: () => outgoing.end(),
      onGone: (stop) => outgoing.once('close', stop),
    })
    return RESPONSE_ALREADY_SENT
  }
  const encoder = new TextEncoder()
  let cancelled = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      start({
        write: (text) => controller.enqueue(encoder.encode(text)),
        close: () => controller.close(),
        onGone: (stop) => {
          cancelled = stop
          c.req.raw.signal.addEventListener('abort', stop, { once: true })
        },
      })
    },
    cancel: () => cancelled(),
  })
  return c.body(body, 200, { ...SSE_HEADERS, ...headers })
}

/**
 * Streams `run` from after event `afterId` in `format`; the client going away detaches it.
 * Events that come in one turn of the event loop (a burst of tokens read in one network chunk,
 * a replay) leave as one chunk at the end of that turn: one socket write instead of one per
 * event, which was most of an SSE chat's cost (see BENCHMARKS.md).
 */
export function runToSse(c: Context, run: RunFeed, afterId: number, options: SseOptions, format: SseFormat = porchEvents): Response {
  return sseResponse(c, options.headers ?? {}, (sink) => pump(run, afterId, options, format, sink))
}

function pump(run: RunFeed, afterId: number, options: SseOptions, format: SseFormat, sink: Sink) {
  let open = true
  let pending = ''
  let flushScheduled = false
  const flush = () => {
    flushScheduled = false
    if (open && pending !== '') sink.write(pending)
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
    sink.write(PING)
  }, options.heartbeatMs)
  let detach = () => {}
  const stop = () => {
    if (!open) return
    open = false
    clearInterval(heartbeat)
    detach()
  }
  sink.onGone(stop)
  // The headers leave with the first flush, at the end of this turn of the event loop: the
  // client knows the stream is open before the first event, and the run's model request has
  // gone out first (a socket write here would delay it).
  send(OPENED)
  detach = run.attach(afterId, {
    onEvent: (numbered) => send(format.event(numbered)),
    onEnd: () => {
      if (!open) return
      send(format.end())
      flush()
      stop()
      sink.close()
    },
  })
  if (!open) detach()
}
