/**
 * Where a session's events go live, to every client following the session: this process's
 * listeners (one host), or every host's through Redis (redis-event-bus.ts, the shared mode).
 * The store keeps every event (numbered per session), so the bus may lose one without harm:
 * a follower that sees a number jump reads the missing ones from the store, and a client that
 * reconnects replays from the store after its Last-Event-ID.
 */
import type { SessionEvent } from '../../../shared/index.ts'
import type { SessionKey } from '../../store/store.ts'

export type SessionEventListener = (event: SessionEvent) => void

export interface SessionEventBus {
  /** Tells every follower of the session, on every host; never rejects (a lost event is read from the store). */
  publish(key: SessionKey, event: SessionEvent): Promise<void>
  /** Follows the session's live events; returns the function that stops following. */
  subscribe(key: SessionKey, listener: SessionEventListener): () => void
  /** Lets go of what the bus holds outside this process. */
  close(): Promise<void>
}

export const sessionChannel = (key: SessionKey) => `${key.agentId}\n${key.scope}\n${key.sessionId}`

/** Listeners by session, in this process: what both buses deliver to. */
export class SessionListeners {
  private readonly bySession = new Map<string, Set<SessionEventListener>>()

  add(channel: string, listener: SessionEventListener): () => void {
    let listeners = this.bySession.get(channel)
    if (!listeners) this.bySession.set(channel, (listeners = new Set()))
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0 && this.bySession.get(channel) === listeners) this.bySession.delete(channel)
    }
  }

  deliver(channel: string, event: SessionEvent): void {
    for (const listener of this.bySession.get(channel) ?? []) listener(event)
  }
}

/** One host: events go straight to this process's listeners. */
export class LocalEventBus implements SessionEventBus {
  private readonly listeners = new SessionListeners()

  async publish(key: SessionKey, event: SessionEvent): Promise<void> {
    this.listeners.deliver(sessionChannel(key), event)
  }

  subscribe(key: SessionKey, listener: SessionEventListener): () => void {
    return this.listeners.add(sessionChannel(key), listener)
  }

  async close(): Promise<void> {}
}
