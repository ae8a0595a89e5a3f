/**
 * Human takeover: an owner (editor or above) takes a live session over, writes to the visitor as
 * a person, and hands it back. While a person holds a session the agent does not answer it: the
 * chat service stores the visitor's messages and starts no model run (chat.ts, `heldReply`).
 * Each change is stored with its numbered event (store.ts, TakeoverStore) and then published on
 * the session's event bus, so followers on every host see it at once.
 */
import type { SessionEvent } from '../../../shared/index.ts'
import type { SessionEventRecord, SessionKey, Store, TakeOverOutcome } from '../../store/store.ts'
import type { SessionEventBus } from './event-bus.ts'

export type TakeoverServiceDeps = {
  store: Store
  events: SessionEventBus
  /** Cancels the session's runs in flight, on whichever host runs them (ChatService.stopSession). */
  stopSession(key: SessionKey): Promise<boolean>
}

export type PersonMessageOutcome = { kind: 'added'; seq: number; event: SessionEvent } | { kind: 'not_taken_over' }

export type TakeoverService = {
  /** Takes the session over for `person`; a run in flight is stopped (what it produced so far is stored as cancelled). */
  takeOver(key: SessionKey, person: { id: string; name: string }): Promise<TakeOverOutcome>
  /** Stores a person's message (as the agent's side of the chat, marked with the holder's name) and tells the session's followers. */
  say(key: SessionKey, text: string): Promise<PersonMessageOutcome>
  /** Hands the session back to the agent; false when nobody held it. */
  handBack(key: SessionKey): Promise<boolean>
}

/** A stored event as it goes over the wire. */
export function toSessionEvent(record: SessionEventRecord): SessionEvent {
  const base = { id: record.id, created_at: record.createdAt }
  switch (record.type) {
    case 'person_joined':
    case 'person_left':
      return { event_type: record.type, ...base, name: record.name ?? '' }
    case 'person_message':
      return { event_type: 'person_message', ...base, name: record.name ?? '', seq: record.seq ?? 0, text: record.text ?? '' }
    case 'visitor_message':
      return { event_type: 'visitor_message', ...base, seq: record.seq ?? 0, text: record.text ?? '' }
  }
}

export function createTakeoverService({ store, events, stopSession }: TakeoverServiceDeps): TakeoverService {
  const tell = (key: SessionKey, record: SessionEventRecord) => {
    const event = toSessionEvent(record)
    void events.publish(key, event)
    return event
  }
  return {
    async takeOver(key, person) {
      const outcome = await store.takeOver(key, person)
      if (outcome.kind !== 'taken') return outcome
      // Stopped after the takeover is stored: a run starting meanwhile finds the session held and never calls the model.
      await stopSession(key)
      if (outcome.event) tell(key, outcome.event)
      return outcome
    },
    async say(key, text) {
      // The store marks it with the holder's name, read in the same transaction.
      const outcome = await store.addTakeoverMessage(key, { role: 'assistant', content: [{ type: 'text', text }] })
      if (outcome.kind !== 'added') return outcome
      return { kind: 'added', seq: outcome.seq, event: tell(key, outcome.event) }
    },
    async handBack(key) {
      const event = await store.handBack(key)
      if (event) tell(key, event)
      return event !== null
    },
  }
}
