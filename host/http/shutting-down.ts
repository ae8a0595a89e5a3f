/**
 * The one answer to a request that arrives while the host shuts down: a 503 that says when to
 * come back, on a connection the client should not reuse (the next start may be another process).
 */
import { ApiError, errorBody } from './errors.ts'

const RETRY_AFTER_SECONDS = 5
const MESSAGE = 'The host is restarting. Please try again in a moment.'
const HEADERS = { 'Retry-After': String(RETRY_AFTER_SECONDS), Connection: 'close' }

/** For handlers that find out mid-request (a chat whose body arrived after the shutdown began). */
export const shuttingDown = () => new ApiError(503, 'shutting_down', MESSAGE, { retry_after_seconds: RETRY_AFTER_SECONDS }, HEADERS)

/** For requests that reach the host after the shutdown began, before any route runs. */
export const shuttingDownResponse = () =>
  Response.json(errorBody('shutting_down', MESSAGE, { retry_after_seconds: RETRY_AFTER_SECONDS }), { status: 503, headers: HEADERS })
