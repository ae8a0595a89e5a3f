/**
 * A run as a Server-Sent Events response: `id:` on every event (its number in the run), a
 * `: ping` comment every heartbeat, and the headers that keep proxies from buffering.
 * The client going away detaches it from the run; the run decides whether to wait or cancel.
 */
import type { Run } from '../runtime/runs.ts'

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const

const encoder = new TextEncoder()
const PING = encoder.encode(': ping\n\n')

export function runToSse(run: Run, afterId: number, options: { heartbeatMs: number; signal: AbortSignal; headers?: Record<string, string> }): Response {
  let stop = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true
      const heartbeat = setInterval(() => controller.enqueue(PING), options.heartbeatMs)
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
        onEvent: ({ id, event }) => {
          if (open) controller.enqueue(encoder.encode(`id: ${id}\nevent: ${event.event_type}\ndata: ${JSON.stringify(event)}\n\n`))
        },
        onEnd: () => {
          if (!open) return
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
