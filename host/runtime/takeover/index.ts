/**
 * Human takeover: the service (takeover.ts), the bus that carries a session's events to its
 * followers on this host or every host (event-bus.ts, redis-event-bus.ts). Followers read them
 * over SSE (host/routes/session-events.ts).
 */
export { LocalEventBus, type SessionEventBus } from './event-bus.ts'
export { RedisEventBus } from './redis-event-bus.ts'
export { createTakeoverService, type TakeoverService, toSessionEvent } from './takeover.ts'
