/**
 * The single error body of the API, `{error: {code, message, details?}}`, and the one place
 * that turns thrown errors into it. Handlers throw ApiError; the chat runtime throws its own
 * ChatError (host/runtime/errors.ts), which gets its status here (`toApiError`); anything else
 * is a 500 whose details stay in the log, never in the response.
 */

import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ApiErrorCode } from '../../shared/errors.ts'
import type { ErrorBody } from '../../shared/index.ts'
import { ChatError, type ChatErrorCode } from '../runtime/errors.ts'

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    /** One of the codes in shared/errors.ts, which the widget and the console match against. */
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

export const errorBody = (code: string, message: string, details?: unknown): ErrorBody => ({
  error: { code, message, ...(details !== undefined && { details }) },
})

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`)

const SHUTDOWN_RETRY_AFTER_SECONDS = 5
/** The one answer of a host that is shutting down; http/shutting-down.ts sends it before any route runs. */
export const SHUTDOWN = {
  message: 'The host is restarting. Please try again in a moment.',
  details: { retry_after_seconds: SHUTDOWN_RETRY_AFTER_SECONDS },
  // On a connection the client should not reuse: the next start may be another process.
  headers: { 'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS), Connection: 'close' },
} as const

/** For handlers that find out mid-request (a chat whose body arrived after the shutdown began). */
export const shuttingDown = () => new ApiError(503, 'shutting_down', SHUTDOWN.message, SHUTDOWN.details, SHUTDOWN.headers)

const UNAVAILABLE_RETRY_AFTER_SECONDS = 5
/** Something the host shares with other hosts (Redis) cannot be reached: 503, try again shortly. */
export const temporarilyUnavailable = (message: string) =>
  new ApiError(
    503,
    'temporarily_unavailable',
    message,
    { retry_after_seconds: UNAVAILABLE_RETRY_AFTER_SECONDS },
    { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
  )

/** The status of each way the chat runtime refuses a message. */
const CHAT_ERROR_STATUS: Record<Exclude<ChatErrorCode, 'shutting_down' | 'temporarily_unavailable'>, ContentfulStatusCode> = {
  attachments_disabled: 400,
  invalid_request: 400,
  unknown_attachment: 400,
  request_id_conflict: 409,
  run_gone: 410,
  not_found: 404,
}

/** A domain error as the API answers it; an ApiError as it is; anything else null (a 500). */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error
  if (error instanceof ChatError) {
    if (error.code === 'shutting_down') return shuttingDown()
    if (error.code === 'temporarily_unavailable') return temporarilyUnavailable(error.message)
    return new ApiError(CHAT_ERROR_STATUS[error.code], error.code, error.message)
  }
  return null
}

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value)
  return c.json(errorBody(error.code, error.message, error.details), error.status)
}

/** A path as it may be logged: link tokens are secrets, so they are cut out. */
export const redactPath = (path: string) => path.replace(/^(\/l|\/api\/v1\/links)\/[^/]+/i, '$1/[token]')

export type ErrorLogger = (message: string, error: unknown) => void

export function handleError(log: ErrorLogger) {
  return function onError(error: Error, c: Context): Response {
    const known = toApiError(error)
    if (known) return errorResponse(c, known)
    // Hono's own HTTPException (body limit, malformed requests) carries a 4xx status.
    const status = (error as { status?: unknown }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return c.json(errorBody('bad_request', error.message || 'bad request'), status as ContentfulStatusCode)
    }
    log(`unhandled error on ${c.req.method} ${redactPath(c.req.path)}`, error)
    return c.json(errorBody('internal', 'Something went wrong on the server. The error has been logged.'), 500)
  }
}
