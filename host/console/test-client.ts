/**
 * For tests: the console's way of calling the host, as a browser on the host's own origin does:
 * the session cookie, the CSRF header, `Sec-Fetch-Site: same-origin`. Each default can be
 * overridden per request to play a cross-site page or a forgetful client.
 */
import { CONSOLE } from '../../shared/console.ts'

export type SignInResult = { status: number; body: any; cookie: string | null; setCookie: string | null }

const defined = (headers: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined))

export async function signIn(base: string, token: string, headers: Record<string, string | undefined> = {}): Promise<SignInResult> {
  const response = await fetch(`${base}/api/v1/console/session`, {
    method: 'POST',
    headers: defined({ 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers }),
    body: JSON.stringify({ token }),
  })
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith(`${CONSOLE.cookie}=`)) ?? null
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null, cookie: setCookie && setCookie.split(';')[0]!, setCookie }
}

export type ConsoleClient = ReturnType<typeof consoleClient>

export function consoleClient(base: string, cookie: string, csrfToken: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}) => {
    const merged: Record<string, string | undefined> = {
      cookie,
      'sec-fetch-site': 'same-origin',
      [CONSOLE.csrfHeader.toLowerCase()]: csrfToken,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    }
    const response = await fetch(`${base}${path.startsWith('/api/') || path.startsWith('/console') ? path : `/api/v1${path}`}`, {
      method,
      headers: defined(merged),
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    let parsed: any = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // An SSE or HTML body stays text.
    }
    return { status: response.status, body: parsed, headers: response.headers }
  }
  return { call, cookie, csrfToken }
}

/** Signs in and returns a client, failing loudly when sign-in does not succeed. */
export async function signedInClient(base: string, token: string): Promise<ConsoleClient & { session: any }> {
  const result = await signIn(base, token)
  if (result.status !== 200 || !result.cookie) throw new Error(`sign-in → ${result.status} ${JSON.stringify(result.body)}`)
  return { ...consoleClient(base, result.cookie, result.body.csrf_token), session: result.body }
}
