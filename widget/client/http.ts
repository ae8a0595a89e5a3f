/**
 * The one way the widget and the console read a failed answer of the host: `{error: {code,
 * message}}` becomes an HttpError with the host's own message (the UI shows it as the reason),
 * its code (ApiErrorCode, so comparing against a misspelt code does not compile) and Retry-After.
 * No zod here: the visitor widget must stay small, so bodies are read by hand.
 */
import type { ApiErrorCode } from '../../shared/errors.ts'

/** Codes of failures the client finds itself: no connection, a reply that is not the error body or not a stream. */
export type ClientErrorCode = 'network' | 'http_error' | 'bad_response'

export class HttpError extends Error {
  constructor(
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** The host's code (a newer host may send one this build does not know yet). */
    readonly code: ApiErrorCode | ClientErrorCode,
    message: string,
    /** Seconds the host asked us to wait (Retry-After), when it did. */
    readonly retryAfter: number | null,
  ) {
    super(message)
  }
}

/** Turns a non-2xx response into an HttpError carrying the host's own message; `service` names the host in the fallback. */
export async function errorFrom(response: Response, service = 'The chat service'): Promise<HttpError> {
  let code: HttpError['code'] = 'http_error'
  let message = `${service} answered ${response.status}.`
  try {
    const body = await response.json()
    if (typeof body?.error?.message === 'string') message = body.error.message
    if (typeof body?.error?.code === 'string') code = body.error.code
  } catch {
    // Not JSON (a proxy's error page): keep the generic message.
  }
  const retryAfter = Number(response.headers.get('retry-after'))
  return new HttpError(response.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null)
}

/** `fetch` that throws the host's HttpError for any non-2xx answer. Network failures reject as fetch's own TypeError. */
export async function request(url: string, init: RequestInit = {}, service?: string): Promise<Response> {
  const response = await fetch(url, init)
  if (!response.ok) throw await errorFrom(response, service)
  return response
}
