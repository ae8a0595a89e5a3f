/**
 * Outbound HTTP for owner-defined tools, without letting a tool reach inside the host's network
 * (SSRF). Every hop's host name is resolved once, every address it resolves to is checked, and
 * the connection goes to those checked addresses only, so a DNS answer that changes between the
 * check and the connect (rebinding) cannot slip through. Redirects are followed by hand and each
 * hop is checked again.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { type AddressKind, ALWAYS_REFUSED, classifyAddress, KIND_WORDS, METADATA_HOSTNAMES } from './address-kind.ts'

export { type AddressKind, classifyAddress } from './address-kind.ts'

// ---------------------------------------------------------------- target checks

/** One address a request is about to go to, as the policy sees it. */
export type Target = { hostname: string; address: string; family: 4 | 6; port: number; kind: AddressKind }

/**
 * Whether non-public addresses (loopback, private, link-local, shared, unspecified, reserved)
 * may be reached: all of them, none, or those a predicate picks. Metadata, multicast and
 * broadcast addresses are refused whatever this says.
 */
export type AllowPrivate = boolean | ((target: Target) => boolean)

export type ResolvedAddress = { address: string; family: 4 | 6 }
/** Resolves a host name to every address it has (tests pass their own; no network needed). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>

export class RefusedTargetError extends Error {
  override name = 'RefusedTargetError'
}

const systemResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true })
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }))
}

/**
 * The addresses a request to `url` may connect to, or a RefusedTargetError saying why none may.
 * A host name is refused when any one of its addresses is: the connection could go to any of them.
 */
export async function checkTarget(url: URL, options: { allowPrivate: AllowPrivate; resolve?: Resolver; signal?: AbortSignal }): Promise<ResolvedAddress[]> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RefusedTargetError(`refused: only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}`)
  }
  const hostname = bareHostname(url)
  const name = hostname.toLowerCase().replace(/\.$/, '')
  if (METADATA_HOSTNAMES.has(name)) throw new RefusedTargetError(`refused: ${hostname} is ${KIND_WORDS.metadata}`)

  const literal = isIP(hostname)
  const addresses: ResolvedAddress[] =
    literal === 4 || literal === 6 ? [{ address: hostname, family: literal }] : await abortable((options.resolve ?? systemResolver)(hostname), options.signal)
  if (addresses.length === 0) throw new Error(`${hostname} has no addresses`)

  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
  for (const { address, family } of addresses) {
    const kind = classifyAddress(address)
    if (kind === 'public') continue
    const allowed =
      !ALWAYS_REFUSED.has(kind) &&
      (typeof options.allowPrivate === 'function' ? options.allowPrivate({ hostname, address, family, port, kind }) : options.allowPrivate)
    if (allowed) continue
    const what = KIND_WORDS[kind]
    throw new RefusedTargetError(literal !== 0 ? `refused: ${address} is ${what}` : `refused: ${hostname} resolves to ${address}, ${what}`)
  }
  return addresses
}

function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '')
}

// ---------------------------------------------------------------- the guarded request

export type GuardedRequestInit = {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
}

export type GuardOptions = {
  allowPrivate: AllowPrivate
  /** Redirects followed before giving up; 0 returns the redirect response itself. */
  maxRedirects?: number
  resolve?: Resolver
}

export type GuardedResponse = {
  status: number
  statusText: string
  headers: IncomingHttpHeaders
  /** Where the response came from, after redirects. */
  url: string
  /** Reads the body as text, at most `maxBytes` of it; the rest is never downloaded. */
  readText(maxBytes: number): Promise<{ text: string; truncated: boolean }>
  /** Reads the body as bytes, at most `maxBytes` of it; the rest is never downloaded. */
  readBytes(maxBytes: number): Promise<{ data: Buffer; truncated: boolean }>
  /** Drops the body unread and closes the connection. */
  discard(): void
}

/** Headers that still go to another origin after a redirect; everything else may be a credential. */
const CROSS_ORIGIN_SAFE_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent'])
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

export async function guardedFetch(url: string | URL, init: GuardedRequestInit, options: GuardOptions): Promise<GuardedResponse> {
  const { allowPrivate, maxRedirects = 5, resolve } = options
  const { signal } = init
  let current = new URL(url)
  let method = (init.method ?? 'GET').toUpperCase()
  let body = init.body
  let headers = withoutHost(init.headers ?? {})

  for (let redirects = 0; ; redirects++) {
    let addresses: ResolvedAddress[]
    try {
      addresses = await checkTarget(current, { allowPrivate, resolve, signal })
    } catch (error) {
      if (redirects > 0 && error instanceof RefusedTargetError)
        throw new RefusedTargetError(error.message.replace(/^refused:/, `refused redirect ${redirects}:`))
      throw error
    }
    const response = await pinnedRequest(current, addresses, { method, headers, body, signal })
    const location = response.headers.location
    if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined || maxRedirects === 0) return wrap(response, current)

    response.destroy()
    if (redirects >= maxRedirects) throw new Error(`too many redirects (more than ${maxRedirects})`)
    let next: URL
    try {
      next = new URL(location, current)
    } catch {
      throw new Error(`redirect ${redirects + 1} has an invalid Location`)
    }
    // As browsers do: a 303, or a 301/302 after a POST, turns into a GET without a body.
    if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET'
      body = undefined
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)))
    }
    if (next.origin !== current.origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_SAFE_HEADERS.has(name.toLowerCase())))
    }
    current = next
  }
}

function withoutHost(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host'))
}

/** A lookup that answers with the addresses already checked, never asking DNS again. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses
    const usable = wanted.length > 0 ? wanted : addresses
    if (options.all) (callback as (err: null, all: ResolvedAddress[]) => void)(null, usable)
    else callback(null, usable[0]!.address, usable[0]!.family)
  }
}

/**
 * One request to `url`, connected only to `addresses` (already checked): the way every guarded
 * request goes out, buffered here (guardedFetch) or streamed (the MCP client's fetch).
 */
export function pinnedRequest(
  url: URL,
  addresses: ResolvedAddress[],
  init: { method: string; headers: Record<string, string>; body: string | Uint8Array | undefined; signal: AbortSignal | undefined },
): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: bareHostname(url),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: init.method,
      headers: init.body === undefined ? withoutHost(init.headers) : { ...withoutHost(init.headers), 'content-length': String(Buffer.byteLength(init.body)) },
      lookup: pinnedLookup(addresses),
      // A fresh connection per request: a pooled socket could belong to an earlier, differently checked answer.
      agent: false,
      signal: init.signal,
    })
    request.once('response', resolvePromise)
    request.once('error', reject)
    request.end(init.body)
  })
}

function wrap(response: IncomingMessage, url: URL): GuardedResponse {
  return {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? '',
    headers: response.headers,
    url: url.href,
    readText: async (maxBytes) => {
      const { data, truncated } = await readCapped(response, maxBytes)
      // `stream: true` holds back a character cut in half at the cap instead of mangling it.
      return { text: decoderFor(response.headers['content-type']).decode(data, { stream: truncated }), truncated }
    },
    readBytes: (maxBytes) => readCapped(response, maxBytes),
    discard: () => response.destroy(),
  }
}

function readCapped(response: IncomingMessage, maxBytes: number): Promise<{ data: Buffer; truncated: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (truncated: boolean) => {
      if (settled) return
      settled = true
      resolvePromise({ data: Buffer.concat(chunks, size), truncated })
    }
    response.on('data', (chunk: Buffer) => {
      if (settled) return
      const room = maxBytes - size
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room))
        size += room
        finish(true)
        response.destroy()
        return
      }
      chunks.push(chunk)
      size += chunk.length
    })
    response.once('end', () => finish(false))
    response.once('error', (error) => {
      if (!settled) {
        settled = true
        reject(error)
      }
    })
    response.once('close', () => {
      if (!settled && !response.complete) {
        settled = true
        reject(new Error('the connection closed before the response was complete'))
      }
    })
  })
}

function decoderFor(contentType: string | undefined): TextDecoder {
  const charset = /charset="?([\w-]+)"?/i.exec(contentType ?? '')?.[1]
  try {
    return new TextDecoder(charset ?? 'utf-8')
  } catch {
    return new TextDecoder('utf-8')
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolvePromise(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** A failed outbound request in words safe to show: the refusal, or what the network said (never a header). */
export function describeNetworkFailure(error: unknown, host: string): string {
  if (error instanceof RefusedTargetError) return error.message
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof RefusedTargetError) return cause.message
    switch ((cause as { code?: unknown }).code) {
      case 'ECONNREFUSED':
        return `request to ${host} failed: connection refused`
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `request to ${host} failed: the host name cannot be resolved`
      case 'ECONNRESET':
        return `request to ${host} failed: the connection was reset`
    }
  }
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim()
  return `request to ${host} failed: ${message}`
}
