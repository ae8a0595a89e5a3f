/** One place where the client meets HTTP: the base URL, the bearer, fetch, and reply checking. */
import type { z } from 'zod'
import { errorFrom, PorchError } from './errors.ts'

export type ClientOptions = {
  /** The host, such as `https://porch.example` (no trailing `/api/v1`). */
  baseUrl: string
  /** An admin token or owner key (`own_….SECRET`) for the owner API; visitor calls do not need it. */
  token?: string
  /** A fetch of your own (a proxy agent, a test double); the global fetch otherwise. */
  fetch?: typeof fetch
}

export type RequestOptions = {
  method?: string
  /** Sent as JSON. */
  json?: unknown
  /** Sent as is, with `contentType`. */
  bytes?: Uint8Array | Blob
  contentType?: string
  query?: Record<string, string | number | undefined>
  headers?: Record<string, string>
  signal?: AbortSignal
}

export class Transport {
  readonly baseUrl: string
  /** A user token (signed visitor identity), sent as `X-Porch-User-Token` on every request while set. */
  userToken: string | undefined
  readonly #fetch: typeof fetch
  constructor(
    options: ClientOptions,
    /** The bearer on every request: the owner token, a link's visitor token, or none. */
    readonly bearer: () => string | undefined = () => undefined,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
  }

  url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(this.baseUrl + path)
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value))
    return url.toString()
  }

  /** The response of a 2xx answer; any other status throws the host's PorchError, no answer a `network` one. */
  async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const token = this.bearer()
    const headers: Record<string, string> = {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(this.userToken && { 'x-porch-user-token': this.userToken }),
      ...options.headers,
    }
    let body: BodyInit | undefined
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.bytes !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream'
      body = options.bytes as BodyInit
    }
    let response: Response
    try {
      response = await this.#fetch(this.url(path, options.query), { method: options.method ?? 'GET', headers, body, signal: options.signal })
    } catch (error) {
      if (options.signal?.aborted) throw error
      throw new PorchError(0, 'network', `Porch could not be reached: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!response.ok) throw await errorFrom(response)
    return response
  }

  /** A JSON reply, checked against the shared schema: a reply that breaks the contract is a `bad_response`. */
  async json<S extends z.ZodType>(schema: S, path: string, options: RequestOptions = {}): Promise<z.output<S>> {
    const response = await this.send(path, options)
    // A share link's URL token is its credential: error messages get logged, so it stays out of them.
    const what = `${options.method ?? 'GET'} ${path.replace(/\/links\/[A-Za-z0-9_-]{43}/, '/links/…')}`
    return parseReply(schema, await response.json().catch(() => undefined), what, response.status)
  }

  /** A request answered with 204 No Content. */
  async empty(path: string, options: RequestOptions = {}): Promise<void> {
    const response = await this.send(path, options)
    await response.body?.cancel()
  }
}

export function parseReply<S extends z.ZodType>(schema: S, value: unknown, what: string, status: number): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new PorchError(
    status,
    'bad_response',
    `${what}: the reply does not match the client's schema (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
    parsed.error.issues,
  )
}
