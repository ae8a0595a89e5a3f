/**
 * The single error body of the API, `{error: {code, message, details?}}`, and the one place
 * that turns thrown errors into it. Handlers throw ApiError; anything else is a 500 whose
 * details stay in the log, never in the response.
 */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorBody } from '../../shared/index.ts'

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
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

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value)
  return c.json(errorBody(error.code, error.message, error.details), error.status)
}

/** A path as it may be logged: link tokens are secrets, so they are cut out. */
export const redactPath = (path: string) => path.replace(/^(\/l|\/api\/v1\/links)\/[^/]+/i, '$1/[token]')

export type ErrorLogger = (message: string, error: unknown) => void

export function handleError(log: ErrorLogger) {
  return function onError(error: Error, c: Context): Response {
    if (error instanceof ApiError) return errorResponse(c, error)
    // Hono's own HTTPException (body limit, malformed requests) carries a 4xx status.
    const status = (error as { status?: unknown }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return c.json(errorBody('bad_request', error.message || 'bad request'), status as ContentfulStatusCode)
    }
    log(`unhandled error on ${c.req.method} ${redactPath(c.req.path)}`, error)
    return c.json(errorBody('internal', 'Something went wrong on the server. The error has been logged.'), 500)
  }
}
