/**
 * Every failure the client reports is a PorchError: the host's error body `{error: {code,
 * message, details?}}` gives its code, message and details; Retry-After its `retryAfter`.
 */
import type { ApiErrorCode } from '../errors.ts'
import { ErrorBodySchema } from '../protocol.ts'

/** Failures the client finds itself: no answer, a reply that is not the error body, a reply that breaks the contract. */
export type ClientErrorCode = 'network' | 'http_error' | 'bad_response'

export class PorchError extends Error {
  override readonly name = 'PorchError'
  constructor(
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** The host's code (compare against ApiErrorCode; a newer host may send one this build does not list). */
    readonly code: ApiErrorCode | ClientErrorCode,
    message: string,
    /** The error body's `details` (for a 400: which fields failed and why). */
    readonly details?: unknown,
    /** Seconds the host asked to wait (Retry-After), when it did. */
    readonly retryAfter: number | null = null,
  ) {
    super(message)
  }
}

/** A non-2xx response as a PorchError with the host's own code and message. */
export async function errorFrom(response: Response): Promise<PorchError> {
  const retryAfter = Number(response.headers.get('retry-after'))
  const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null
  const text = await response.text().catch(() => '')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not JSON (a proxy's error page): the status is all there is.
  }
  const body = ErrorBodySchema.safeParse(parsed)
  if (!body.success) return new PorchError(response.status, 'http_error', `Porch answered ${response.status}.`, undefined, wait)
  const { code, message, details } = body.data.error
  return new PorchError(response.status, code as ApiErrorCode, message, details, wait)
}
