/**
 * A session's events as Server-Sent Events (`GET …/sessions/{session_id}/events`, for visitors
 * in chat-api.ts and for owners in owner/takeover.ts): `id:` is the event's number in its
 * session, so a client that reconnects with Last-Event-ID gets exactly what it missed. Missed
 * events are replayed from the store (every event is stored, nothing is buffered in memory);
 * live ones come from the session event bus, and a follower that sees a number jump (an event
 * the bus lost) reads the gap from the store. A `: ping` comment goes out every heartbeat.
 *
 * Streams stay open as long as the chat does, so each host bounds how many it holds: per
 * client (IP) and in all (EventStreamLimits).
 */
import type { Context } from 'hono'
import type { SessionEvent } from '../../shared/index.ts'
import { type Sink, sseResponse } from '../fast-paths/sse.ts'
import { ApiError } from '../http/errors.ts'
import { type SessionEventBus, toSessionEvent } from '../runtime/takeover/index.ts'
import type { SessionKey, Store } from '../store/store.ts'

/** Events read from the store per query while catching up. */
const PAGE = 200

/** One open stream's place in the count: given back once when the stream ends; `onClose` is how a shutdown ends it. */
export type EventStreamSlot = { release(): void; onClose(end: () => void): void }

export type EventStreamLimits = {
  /** Takes a slot for one open stream of `client`; throws 429 (this client has too many) or 503 (the host has too many). */
  acquire(client: string): EventStreamSlot
  /**
   * Ends every open stream (the host is shutting down): they never end by themselves, and a
   * shutdown waits for open responses. Clients reconnect, to another host behind a balancer.
   */
  closeAll(): void
}

/**
 * Open event streams, counted in this process: what an open stream costs (a socket, a listener)
 * is this host's, so each host bounds its own. A visitor with a few tabs open stays well under
 * `perClient`; a script opening streams in a loop is refused at that number.
 */
export function createEventStreamLimits({ perClient = 8, total = 5_000 }: { perClient?: number; total?: number } = {}): EventStreamLimits {
  const open = new Map<string, number>()
  const enders = new Set<() => void>()
  let all = 0
  return {
    acquire(client) {
      const mine = open.get(client) ?? 0
      if (mine >= perClient)
        throw new ApiError(
          429,
          'rate_limited',
          `At most ${perClient} event streams may be open at once; close one first.`,
          { retry_after_seconds: 5 },
          { 'Retry-After': '5' },
        )
      if (all >= total)
        throw new ApiError(503, 'temporarily_unavailable', 'The host follows too many chats right now. Please try again in a moment.', undefined, {
          'Retry-After': '5',
        })
      open.set(client, mine + 1)
      all += 1
      let released = false
      let ender: (() => void) | undefined
      return {
        release() {
          if (released) return
          released = true
          if (ender) enders.delete(ender)
          all -= 1
          const left = (open.get(client) ?? 1) - 1
          if (left > 0) open.set(client, left)
          else open.delete(client)
        },
        onClose(end) {
          ender = end
          if (!released) enders.add(end)
        },
      }
    },
    closeAll() {
      for (const end of [...enders]) end()
    },
  }
}

export type SessionEventsOptions = {
  store: Store
  events: SessionEventBus
  key: SessionKey
  /** The client's Last-Event-ID (0: from the session's first event). */
  afterId: number
  heartbeatMs: number
  /** Its place in the count, given back once when the stream ends, whoever ends it. */
  slot: EventStreamSlot
  log: (message: string, error: unknown) => void
}

const format = (event: SessionEvent) => `id: ${event.id}\nevent: ${event.event_type}\ndata: ${JSON.stringify(event)}\n\n`

export function sessionEventsToSse(c: Context, options: SessionEventsOptions): Response {
  return sseResponse(c, {}, (sink) => follow(options, sink))
}

function follow({ store, events, key, afterId, heartbeatMs, slot, log }: SessionEventsOptions, sink: Sink) {
  let open = true
  let lastSent = afterId
  const send = (event: SessionEvent) => {
    if (!open || event.id <= lastSent) return
    lastSent = event.id
    sink.write(format(event))
  }
  const catchUp = async () => {
    for (;;) {
      const page = await store.listSessionEvents(key, lastSent, PAGE)
      for (const record of page) send(toSessionEvent(record))
      if (page.length < PAGE || !open) return
    }
  }
  // One step at a time, in order: the replay first, then each live event (after the gap before it, if any).
  let steps: Promise<void> = Promise.resolve()
  const then = (step: () => Promise<void> | void) => {
    steps = steps.then(step).catch((error: unknown) => {
      log('a session event stream could not read its events', error)
      end()
    })
  }
  const heartbeat = setInterval(() => sink.write(': ping\n\n'), heartbeatMs)
  const unsubscribe = events.subscribe(key, (event) =>
    then(async () => {
      if (!open) return
      if (event.id > lastSent + 1) await catchUp()
      send(event)
    }),
  )
  const stop = () => {
    if (!open) return
    open = false
    clearInterval(heartbeat)
    unsubscribe()
    slot.release()
  }
  const end = () => {
    if (!open) return
    stop()
    sink.close()
  }
  sink.onGone(stop)
  slot.onClose(end)
  sink.write(': stream open\n\n')
  then(catchUp)
}
