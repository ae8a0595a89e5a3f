/**
 * The one answer to a request that arrives while the host shuts down: a 503 that says when to
 * come back, on a connection the client should not reuse (the next start may be another process).
 * Its words are in errors.ts (SHUTDOWN), where a handler that finds out mid-request gets them too.
 */
import { errorBody, SHUTDOWN, shuttingDown } from './errors.ts'

export { shuttingDown }

/** For requests that reach the host after the shutdown began, before any route runs. */
export const shuttingDownResponse = () =>
  Response.json(errorBody('shutting_down', SHUTDOWN.message, SHUTDOWN.details), { status: 503, headers: SHUTDOWN.headers })
