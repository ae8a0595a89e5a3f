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
import { isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net'

// ---------------------------------------------------------------- address classification

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'unspecified'
  | 'reserved'
  | 'multicast'
  | 'metadata'

const KIND_WORDS: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT (shared) address',
  unspecified: 'an unspecified address',
  reserved: 'a reserved address',
  multicast: 'a multicast or broadcast address',
  metadata: 'a cloud metadata address',
}

/** Never reachable through a tool, whatever the host allows: nothing legitimate lives there. */
const ALWAYS_REFUSED: ReadonlySet<AddressKind> = new Set(['metadata', 'multicast'])

/** Names of metadata services that some resolvers answer without a DNS record. */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog'])

type Range<T> = { base: T; bits: number; kind: AddressKind | 'embedded-ipv4' | 'embedded-6to4' }

const v4 = (cidr: string, kind: AddressKind): Range<number> => {
  const [base, bits] = cidr.split('/')
  return { base: parseIPv4(base!)!, bits: Number(bits), kind }
}

// Most specific first: the first range that holds the address decides.
const IPV4_RANGES: Range<number>[] = [
  v4('169.254.169.254/32', 'metadata'), // AWS, GCP, Azure, OpenStack, Oracle…
  v4('100.100.100.200/32', 'metadata'), // Alibaba Cloud
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // includes 255.255.255.255
]

const v6 = (cidr: string, kind: Range<bigint>['kind']): Range<bigint> => {
  const [base, bits] = cidr.split('/')
  return { base: parseIPv6(base!)!, bits: Number(bits), kind }
}

const IPV6_RANGES: Range<bigint>[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::ffff:0:0/96', 'embedded-ipv4'), // IPv4-mapped: ::ffff:127.0.0.1
  v6('::ffff:0:0:0/96', 'embedded-ipv4'), // IPv4-translated
  v6('::/96', 'embedded-ipv4'), // IPv4-compatible (deprecated): ::10.0.0.1
  v6('64:ff9b::/96', 'embedded-ipv4'), // NAT64 reaches the IPv4 address it embeds
  v6('64:ff9b:1::/48', 'private'),
  v6('100::/64', 'reserved'),
  v6('2001:db8::/32', 'reserved'),
  v6('2001::/32', 'reserved'), // Teredo: the IPv4 it tunnels to is obfuscated, so refuse it all
  v6('2002::/16', 'embedded-6to4'),
  v6('fd00:ec2::254/128', 'metadata'), // AWS IMDS over IPv6
  v6('fc00::/7', 'private'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'), // site-local (deprecated)
  v6('ff00::/8', 'multicast'),
]

/** What kind of address this IPv4 or IPv6 literal is; `reserved` for anything unparseable. */
export function classifyAddress(address: string): AddressKind {
  const ipv4 = parseIPv4(address)
  if (ipv4 !== null) return classifyIPv4(ipv4)
  const ipv6 = parseIPv6(address)
  if (ipv6 === null) return 'reserved'
  const range = IPV6_RANGES.find(({ base, bits }) => ipv6 >> BigInt(128 - bits) === base >> BigInt(128 - bits))
  if (!range) return 'public'
  if (range.kind === 'embedded-ipv4') return classifyIPv4(Number(ipv6 & 0xffffffffn))
  if (range.kind === 'embedded-6to4') return classifyIPv4(Number((ipv6 >> 80n) & 0xffffffffn))
  return range.kind
}

function classifyIPv4(address: number): AddressKind {
  const range = IPV4_RANGES.find(({ base, bits }) => bits === 0 || address >>> (32 - bits) === base >>> (32 - bits))
  return range ? (range.kind as AddressKind) : 'public'
}

function parseIPv4(text: string): number | null {
  if (!isIPv4(text)) return null
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0)
}

function parseIPv6(text: string): bigint | null {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (!isIPv6(address)) return null
  let groups: string[]
  const halves = address.split('::')
  const toGroups = (part: string) => (part === '' ? [] : part.split(':').flatMap(expandEmbeddedIPv4))
  if (halves.length === 2) {
    const head = toGroups(halves[0]!)
    const tail = toGroups(halves[1]!)
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
  } else {
    groups = toGroups(address)
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n)
}

/** `a.b.c.d` at the end of an IPv6 address is its last two 16-bit groups. */
function expandEmbeddedIPv4(group: string): string[] {
  const ipv4 = group.includes('.') ? parseIPv4(group) : null
  return ipv4 === null ? [group] : [(ipv4 >>> 16).toString(16), (ipv4 & 0xffff).toString(16)]
}

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
export async function checkTarget(
  url: URL,
  options: { allowPrivate: AllowPrivate; resolve?: Resolver; signal?: AbortSignal },
): Promise<ResolvedAddress[]> {
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
    const allowed = !ALWAYS_REFUSED.has(kind) && (typeof options.allowPrivate === 'function' ? options.allowPrivate({ hostname, address, family, port, kind }) : options.allowPrivate)
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
      if (redirects > 0 && error instanceof RefusedTargetError) throw new RefusedTargetError(error.message.replace(/^refused:/, `refused redirect ${redirects}:`))
      throw error
    }
    const response = await send(current, addresses, { method, headers, body, signal })
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

function send(
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
      headers: init.body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
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
    readText: (maxBytes) => readCapped(response, maxBytes),
    discard: () => response.destroy(),
  }
}

function readCapped(response: IncomingMessage, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (truncated: boolean) => {
      if (settled) return
      settled = true
      const decoder = decoderFor(response.headers['content-type'])
      // `stream: true` holds back a character cut in half at the cap instead of mangling it.
      resolvePromise({ text: decoder.decode(Buffer.concat(chunks, size), { stream: truncated }), truncated })
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
