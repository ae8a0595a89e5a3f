/**
 * The console's HTTP client, on the shared client (widget/client): same-origin `fetch` with the
 * session cookie, the CSRF token on every request that changes something, and the host's own
 * error message on failure (the UI shows it as the reason). A 401 outside sign-in means the
 * session ended: the app listens.
 */
import { HttpError, request as send } from '../client/http.ts'

let csrfToken = ''
let onUnauthorized: () => void = () => {}

export function setCsrfToken(token: string): void {
  csrfToken = token
}

export const getCsrfToken = (): string => csrfToken

/** Called when the host answers 401 to anything but the session endpoints (the session expired). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

/** Sign-in (POST), the current session (GET) and sign-out (DELETE). */
export const SESSION_PATH = '/api/v1/console/session'

/** Sends `body` as JSON, or a Blob (a File) as its raw bytes with its own type. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const url = path.startsWith('/api/') ? path : `/api/v1${path}`
  const headers: Record<string, string> = { accept: 'application/json' }
  const raw = body instanceof Blob ? body : null
  if (body !== undefined) headers['content-type'] = raw ? raw.type || 'application/octet-stream' : 'application/json'
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken
  let response: Response
  try {
    response = await send(
      url,
      { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : (raw ?? JSON.stringify(body)) },
      'The host',
    )
  } catch (error) {
    if (!(error instanceof HttpError)) throw new HttpError(0, 'network', 'The host could not be reached. Check your connection and try again.', null)
    if (error.status === 401 && !url.startsWith(SESSION_PATH)) onUnauthorized()
    throw error
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  try {
    return (text ? JSON.parse(text) : null) as T
  } catch {
    return null as T // a proxy's HTML page with a 2xx: nothing to read
  }
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  /** POSTs a file's raw bytes (uploads that name the file in the query, not in a form). */
  upload: <T>(path: string, file: Blob) => request<T>('POST', path, file),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: (path: string) => request<void>('DELETE', path),
}

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}

/**
 * The next page's parameter, whichever paging the endpoint speaks: an opaque `next_cursor`
 * (keyset paging, fast at any depth) or the older `next_before` timestamp.
 */
export function nextPage(reply: { next_cursor?: string | null; next_before?: string | null }): Record<string, string> | null {
  if (reply.next_cursor) return { cursor: reply.next_cursor }
  if (reply.next_before) return { before: reply.next_before }
  return null
}
