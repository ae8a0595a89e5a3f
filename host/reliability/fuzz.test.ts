/**
 * Fuzzing every route the app knows, over real HTTP against a real host: fast-check makes more
 * than 10,000 malformed requests (bodies, headers, ids, encodings, sizes, methods, raw bytes on
 * the socket), sent a few dozen at a time. None may get a 5xx, hang or break the connection
 * without an answer; afterwards the host still serves, the database's integrity check is ok
 * (`PRAGMA integrity_check` on SQLite, amcheck on PostgreSQL) and every message stored before is
 * there unchanged. It runs once on each store.
 *
 * The seed is printed with any failure; PORCH_FUZZ_SEED replays it.
 */

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Agent, LIMITS } from '../../shared/index.ts'
import { ADMIN_TOKEN, readSse, startTestHost, type TestHost } from '../testing/harness.ts'
import { inspectDatabase, rawExchange, STORES, type TestDatabase, testDatabase } from './support.ts'

const REQUESTS = 10_500
const CONCURRENCY = 32
const SEED = Number(process.env.PORCH_FUZZ_SEED ?? Date.now() % 2_147_483_647)

type Route = { method: string; path: string }

/** Every route Hono knows (middleware, registered for ALL methods, is reached through them). */
function routesOf(host: TestHost): Route[] {
  const seen = new Map<string, Route>()
  for (const { method, path } of host.app.routes) if (method !== 'ALL') seen.set(`${method} ${path}`, { method, path })
  return [...seen.values()]
}

const paramsOf = (path: string) => path.split('/').filter((part) => part.startsWith(':') || part === '*')

// One describe block per store, run one after the other: each one's beforeAll sets these.
let host: TestHost
let routes: Route[]
/** What the fuzzer may put where a route takes an id: real ones (to get past lookups) and no ids at all. */
let ids: Record<string, string[]>
let auths: string[]
let messagesBefore: unknown[]
let db: TestDatabase

/** The pools of the visitor chat API's parameters after its agent or link (a knowledge source of another agent: a lookup that finds none). */
const visitorPool = (name: string | undefined) =>
  name === ':sessionId' || name === ':chatId' || name === '*'
    ? 'session'
    : name === ':fileId'
      ? 'file'
      : name === ':sourceId'
        ? 'knowledgeSource'
        : name === ':seq'
          ? 'seq'
          : undefined

/** Which id pool a route parameter draws from, for a request with `method` (a DELETE gets the doomed ids). */
function poolFor(route: Route, index: number, method = route.method): string | undefined {
  const parts = route.path.split('/')
  const name = paramsOf(route.path)[index]
  const doomed = (pool: string) => (method === 'DELETE' ? `doomed${pool[0]!.toUpperCase()}${pool.slice(1)}` : pool)
  if (route.path.startsWith('/api/v1/published/')) return name === ':id' ? 'published' : visitorPool(name)
  if (route.path.startsWith('/api/v1/links/')) {
    if (name === ':id') return route.path === '/api/v1/links/:id' && (method === 'PATCH' || method === 'DELETE') ? doomed('linkId') : 'link'
    return visitorPool(name)
  }
  if (route.path.startsWith('/console/')) return name === ':file' ? 'consoleAsset' : 'consolePage'
  if (route.path.startsWith('/api/v1/agents/')) {
    if (name === ':id') return route.path === '/api/v1/agents/:id' ? doomed('agent') : 'agent'
    if (name === ':sourceId') return doomed('knowledgeSource')
    return name === ':n' ? 'version' : name === ':sid' ? 'session' : undefined
  }
  if (route.path.startsWith('/api/v1/keys/')) return name === ':keyId' ? (route.path.endsWith('/refresh') ? 'apiKey' : doomed('apiKey')) : undefined
  if (route.path.startsWith('/api/v1/owner-keys/')) return name === ':keyId' ? doomed('ownerKey') : undefined
  if (route.path.startsWith('/widget/')) return name === ':version' ? 'widgetVersion' : 'widgetFile'
  // Langdock chat's downloads: a published agent, the key whose sessions hold the file, then as for visitors.
  if (route.path.startsWith('/agent/v1/')) return name === ':agentId' ? 'published' : name === ':keyId' ? 'chatKeyId' : visitorPool(name)
  if (parts[1] === 'published' || parts[1] === 'l') return 'page'
  return undefined
}

// ---------------------------------------------------------------------------------------------
// What a request is made of. Each arbitrary aims at one kind of bad input.

const printable = fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))
const junkId = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2e%2e',
    '%2F',
    '%00',
    '%zz',
    '%',
    '%25',
    '%c0%af',
    '%ef%bf%bd',
    '%u0041',
    'null',
    'undefined',
    '0',
    '-1',
    '1e999',
    'NaN',
    '__proto__',
    'constructor',
  ),
  fc.constantFrom(randomUUID(), randomUUID().toUpperCase(), 'A'.repeat(129), 'a'.repeat(4000), `${'../'.repeat(8)}etc/passwd`),
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
)
/** How to fill one parameter: `pick` chooses a real id (as is, upper-cased or all percent-encoded) or the junk. */
const paramChoice = fc.record({ pick: fc.nat(), junk: junkId })
type ParamChoice = typeof paramChoice extends fc.Arbitrary<infer T> ? T : never

function fill(choice: ParamChoice, pool: string[] | undefined): string {
  const mode = choice.pick % 10
  if (pool === undefined || pool.length === 0 || mode >= 7) return choice.junk
  const id = pool[Math.floor(choice.pick / 10) % pool.length]!
  if (mode === 5) return id.toUpperCase()
  if (mode === 6) return [...id].map((ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')
  return id
}

const bodyKeys = [
  'request',
  'session_id',
  'request_id',
  'password',
  'name',
  'model',
  'instructions',
  'description',
  'api_response_mode',
  'access',
  'allowed_origins',
  'tools',
  'temperature',
  'max_turns',
  'quota_total',
  'quota_per_visitor_per_day',
  'expires_in_seconds',
  'enabled',
  'rotate_token',
  'role',
  'agent_ids',
  'agentId',
  'chatId',
  'userChatInput',
  'stream',
  'messages',
  'instruction',
  '__proto__',
  'constructor',
]
const validChat = fc.record(
  {
    request: fc.string({ minLength: 1, maxLength: 60 }),
    session_id: fc.oneof(fc.constantFrom('kept-1', 'kept-2', 'fuzz-new'), fc.string({ maxLength: 140 })),
    request_id: fc.oneof(fc.uuid(), fc.string({ maxLength: 140 })),
  },
  { requiredKeys: ['request'] },
)
/** Values a body field might really take here, besides any JSON at all. */
const fieldValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      'demo:instant',
      'demo',
      'streaming',
      'non_streaming',
      'public',
      'link',
      'editor',
      'viewer',
      'A name',
      'open sesame',
      true,
      false,
      1,
      0,
      -1,
      [],
      {},
      null,
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('SPARE_AGENT', 'KEPT_AGENT') },
)
/** Shaped like what the route takes, with keys it knows and plausible values. */
const validBody = fc.oneof(
  validChat.map((value) => JSON.stringify(value)),
  fc.dictionary(fc.constantFrom(...bodyKeys), fieldValue, { maxKeys: 5 }).map((value) => JSON.stringify(value)),
  fc
    .record({
      agentId: fc.constantFrom('SPARE_AGENT', 'KEPT_AGENT'),
      chatId: fc.string({ maxLength: 20 }),
      userChatInput: fc.string({ maxLength: 40 }),
      description: fc.string({ maxLength: 120 }),
    })
    .map((value) => JSON.stringify(value)),
  fc
    .record({
      model: fc.constant('KEPT_AGENT'),
      stream: fc.boolean(),
      messages: fc.array(fc.record({ role: fc.constantFrom('user', 'system', 'assistant', 'tool'), content: fc.oneof(fc.string(), fc.jsonValue()) }), {
        maxLength: 3,
      }),
    })
    .map((value) => JSON.stringify(value)),
)
const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant<string | Uint8Array | undefined>(undefined) },
  { weight: 4, arbitrary: validChat.map((value) => JSON.stringify(value)) },
  { weight: 4, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null') },
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...bodyKeys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":true},"request":"x"}',
      '{"constructor":{"prototype":{"polluted":true}},"request":"x"}',
      '{"request":"\\ud800"}',
      '{"request":1e400}',
      '{"request":"a","request":"b"}',
      '{"request":"x"',
      '\ufeff{"request":"with a BOM"}',
      `{"request":"${'x'.repeat(LIMITS.requestChars + 1)}"}`,
      '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}],"model":"x"}',
      'null',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300_000 }).map((extra) => `{"request":"${'y'.repeat(LIMITS.bodyBytes + extra)}"}`) },
)
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/event-stream',
  '*/*',
  'application/json, text/plain',
  ';;;',
)
const header = (values: fc.Arbitrary<string>) => fc.option(values, { nil: undefined, freq: 2 })
const headers = fc.record({
  authorization: header(
    fc.oneof(
      fc.constant('AUTH'),
      printable,
      printable.map((s) => `Bearer ${s}`),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${'k'.repeat(9000)}`, 'Bearer a.b.c'),
    ),
  ),
  'content-type': contentType,
  origin: header(fc.oneof(fc.constantFrom('https://evil.example', 'null', 'http://localhost', 'file://'), printable)),
  'x-forwarded-for': header(fc.oneof(printable, fc.constantFrom('1.2.3.4', '::1, 10.0.0.1', 'unknown', ', , ,'))),
  'last-event-id': header(fc.oneof(fc.constantFrom('0', '1', '5', '-1', '99999999999', '1.5', ' '), printable)),
  'content-encoding': header(fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-unknown')),
  'x-session-id': header(printable),
  accept: header(fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/html')),
})
const pathShape = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant('ROUTE') },
    { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') },
  ),
  upper: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  doubleSlash: fc.integer({ min: 0, max: 9 }),
  trailingSlash: fc.boolean(),
  query: fc.option(fc.oneof(printable.map(encodeURIComponent), fc.constantFrom('agent_id=', 'agentId=%00', 'scope=link:x', 'a=1&a=2', '%')), {
    nil: undefined,
  }),
})
/**
 * Each request is right but for what its focus breaks, so it gets past auth, lookups and the
 * size limit to the part under test; `mixed` breaks everything at once.
 */
const FOCI = ['body', 'body', 'body', 'body', 'body', 'headers', 'ids', 'path', 'raw', 'mixed', 'valid'] as const
type Focus = (typeof FOCI)[number]
const request = fc.record({
  focus: fc.constantFrom<Focus>(...FOCI),
  shape: pathShape,
  params: fc.array(paramChoice, { minLength: 4, maxLength: 4 }),
  picks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  body,
  headers,
  chunked: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  validBody: validBody,
  rawMethod: fc.constantFrom('GET', 'POST', 'get', 'FOO', 'PRI', 'CONNECT', 'TRACE', 'POST /x'),
})
type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never

// ---------------------------------------------------------------------------------------------

type Outcome = { label: string; status: number | null; error?: string; oversize: boolean; raw: boolean; errorShape?: boolean }

/** Porch's own API answers every 4xx with `{error: {code, message}}` (HEAD has no body to check). */
function hasErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text)
    return typeof body?.error?.code === 'string' && typeof body.error.message === 'string'
  } catch {
    return false
  }
}

/** The credential a route wants, so that requests focused elsewhere get past authentication. */
function rightAuth(route: Route, method: string, path: string): string | undefined {
  const [admin, chatKey, editorKey, visitor] = auths
  if (route.path === '/api/v1/links/:id' && (method === 'PATCH' || method === 'DELETE')) return admin
  if (route.path.startsWith('/api/v1/links/')) return path.includes(ids.link![1]!) ? visitor : undefined
  if (route.path.startsWith('/api/v1/published/')) return undefined
  if (route.path.startsWith('/api/v1/')) return admin
  if (route.path.startsWith('/agent/v1/')) return editorKey
  if (route.path.startsWith('/openapi/') || route.path.startsWith('/v1/')) return chatKey
  return undefined
}

/** Builds the request for `route` from what fast-check generated. */
function build(route: Route, generated: Generated) {
  const { shape, focus } = generated
  const breaks = (part: Focus) => focus === part || focus === 'mixed'
  const method = breaks('path') && shape.method !== 'ROUTE' ? shape.method : route.method
  let index = 0
  let path = route.path.replace(/:[A-Za-z]+|\*/g, () => {
    const pool = poolFor(route, index, method)
    const choice = generated.params[index++]!
    // Not focused on ids: a real one (junk only where no pool exists).
    return fill(breaks('ids') ? choice : { ...choice, pick: choice.pick - (choice.pick % 10) }, pool === undefined ? undefined : ids[pool])
  })
  if (breaks('path')) {
    if (shape.upper) path = path.toUpperCase()
    if (shape.doubleSlash === 0) path = path.replace('/', '//')
    if (shape.doubleSlash === 1) path = path.replace(/\/([^/]*)$/, '//$1')
    if (shape.trailingSlash) path += '/'
    if (shape.query !== undefined) path += `?${shape.query}`
  }
  const auth = rightAuth(route, method, path)
  const headerValues: Record<string, string> = { 'content-type': 'application/json', ...(auth && { authorization: auth }) }
  if (breaks('headers')) {
    for (const [name, value] of Object.entries(generated.headers)) {
      if (value === undefined) delete headerValues[name]
      else headerValues[name] = value === 'AUTH' ? auths[generated.picks[0]! % auths.length]! : value
    }
  }
  let body = breaks('body')
    ? generated.body
    : focus === 'valid'
      ? JSON.stringify({ request: 'A fair question', session_id: 'fuzz-valid' })
      : generated.validBody
  // Real agent ids where the body names one (the kept agent only in ways that add, never remove).
  if (typeof body === 'string') body = body.replaceAll('SPARE_AGENT', ids.agent![0]!).replaceAll('KEPT_AGENT', ids.published![0]!)
  return { method, path, headers: headerValues, body }
}

async function send(route: Route, generated: Generated): Promise<Outcome> {
  const { method, path, headers: requestHeaders, body: payload } = build(route, generated)
  const label = `${method} ${path.slice(0, 200)} (route ${route.method} ${route.path})`
  const size = payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
  const oversize = size > LIMITS.bodyBytes
  if (generated.focus === 'raw')
    return sendRaw(
      generated.rawMethod === 'GET' || generated.rawMethod === 'POST' ? method : generated.rawMethod,
      path,
      requestHeaders,
      payload,
      label,
      oversize,
    )

  const bytes = payload === undefined ? undefined : Buffer.from(typeof payload === 'string' ? payload : payload)
  // node:http, one connection per request: the path goes out as made (no URL parser resolves
  // "..") and an answer counts from its status line, even if the host then closes the socket
  // on a body it did not want (which a fetch would report as a failed request).
  return new Promise<Outcome>((resolve) => {
    let status: number | null = null
    let text = ''
    const checked = () => status !== null && status >= 400 && status < 500 && method !== 'HEAD' && /^\/api\//i.test(path)
    const done = (error?: unknown) =>
      resolve({
        label,
        status,
        oversize,
        raw: false,
        ...(status === null && error !== undefined && { error: String(error) }),
        ...(checked() && { errorShape: hasErrorBody(text) }),
      })
    const request = httpRequest(
      host.url + path,
      {
        method,
        // A chunked body has no Content-Length: the size limit must hold for those too. (Named
        // explicitly, since node:http sends a GET's or DELETE's body unframed otherwise.)
        headers: { ...requestHeaders, ...(bytes && (generated.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes.length) })) },
        agent: false,
        signal: AbortSignal.timeout(60_000),
      },
      (response) => {
        status = response.statusCode ?? null
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        response.on('close', () => done())
      },
    )
    request.on('error', (error) => done(error))
    request.end(bytes)
  })
}

async function sendRaw(
  method: string,
  path: string,
  requestHeaders: Record<string, string>,
  payload: string | Uint8Array | undefined,
  label: string,
  oversize: boolean,
): Promise<Outcome> {
  // On the socket, paths go out exactly as made: raw "..", "%zz" and bytes no URL parser would keep.
  const bytes = payload === undefined ? Buffer.alloc(0) : Buffer.from(typeof payload === 'string' ? payload : payload)
  const lines = [
    `${method} ${path.replace(/%2e/gi, '.')} HTTP/1.1`,
    'Host: fuzz',
    'Connection: close',
    ...Object.entries(requestHeaders).map(([name, value]) => `${name}: ${value}`),
  ]
  if (bytes.length > 0) lines.push(`Content-Length: ${bytes.length}`)
  const exchange = await rawExchange(host.url, `${lines.join('\r\n')}\r\n\r\n`)
  exchange.socket.write(bytes)
  const timer = setTimeout(() => exchange.socket.destroy(), 60_000)
  const text = await exchange.response
  clearTimeout(timer)
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]
  return {
    label: `raw ${label}`,
    status: status ? Number(status) : null,
    error: status ? undefined : `no status line: ${JSON.stringify(text.slice(0, 80))}`,
    oversize,
    raw: true,
  }
}

describe.each(STORES)(`fuzzing every route with ${REQUESTS} malformed requests (seed ${SEED}), on %s`, (kind) => {
  /** Messages are appended, never rewritten: every row from before must be there, byte for byte. */
  async function readMessages(): Promise<unknown[]> {
    return (await inspectDatabase(db)).messages.map(({ session_pk, seq, role, content, status, trace_id, created_at }) => ({
      session_pk,
      seq,
      role,
      content,
      status,
      trace_id,
      created_at,
    }))
  }

  async function integrity(): Promise<string> {
    return (await inspectDatabase(db)).integrity
  }

  beforeAll(async () => {
    db = await testDatabase(kind, mkdtempSync(join(tmpdir(), 'porch-fuzz-')))
    host = await startTestHost({ ...db.env, PORCH_RATE_CHAT_PER_MINUTE: '1000000', PORCH_RATE_UNLOCK_PER_15MIN: '1000000' })
    const owner = host.owner
    // Kept: their messages are the ones that must survive. They are reachable only through the
    // visitor and compat routes, which can add messages but never change or remove one.
    const kept: Agent = await owner.publishedAgent({ name: 'Kept', model: 'demo:instant' })
    const keptSync: Agent = await owner.publishedAgent({ name: 'Kept sync', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const open = (await owner.call('POST', `/agents/${kept.id}/links`, { name: 'open', quota_per_visitor_per_day: 1_000_000 })).body
    const locked = (await owner.call('POST', `/agents/${kept.id}/links`, { name: 'locked', password: 'open sesame' })).body
    const chatKey = (await owner.call('POST', `/agents/${kept.id}/keys`, { name: 'fuzz' })).body.key as string
    const editorKey = (await owner.call('POST', '/owner-keys', { name: 'fuzz', role: 'editor' })).body.key as string
    const visitor = (await (await host.post(`/api/v1/links/${locked.token}/unlock`, { password: 'open sesame' })).json()).token as string
    // Fair game: the owner routes get the admin token and these ids, and may change them at will.
    const spare: Agent = await owner.publishedAgent({ name: 'Spare', model: 'demo:instant' })
    const spareLink = (await owner.call('POST', `/agents/${spare.id}/links`, { name: 'spare' })).body
    const spareKey = (await owner.call('POST', `/agents/${spare.id}/keys`, { name: 'spare' })).body
    const spareOwnerKey = (await owner.call('POST', '/owner-keys', { name: 'spare', role: 'viewer' })).body
    // A DELETE that hits gets these, so the spare ones above stay for the rest of the run.
    const doomed = await owner.createAgent({ name: 'Doomed', model: 'demo:instant' })
    const doomedLink = (await owner.call('POST', `/agents/${spare.id}/links`, { name: 'doomed' })).body
    const doomedKey = (await owner.call('POST', `/agents/${spare.id}/keys`, { name: 'doomed' })).body
    const doomedOwnerKey = (await owner.call('POST', '/owner-keys', { name: 'doomed', role: 'viewer' })).body
    const knowledge = async (title: string) =>
      (await owner.call('POST', `/agents/${spare.id}/knowledge/sources`, { kind: 'text', title, text: `What ${title} says.` })).body.id as string
    const spareSource = await knowledge('Spare')
    const doomedSource = await knowledge('Doomed')

    for (const [agent, path] of [
      [kept, 'chat'],
      [keptSync, 'chat/sync'],
    ] as const) {
      for (const session of ['kept-1', 'kept-2']) {
        const response = await host.post(`/api/v1/published/${agent.id}/${path}`, { request: `Remember ${session}`, session_id: session })
        expect(response.status).toBe(200)
        await response.text()
      }
    }
    expect(
      (await readSse(await host.post(`/api/v1/links/${open.token}/chat`, { request: 'Through the link', session_id: 'kept-1' }))).at(-1)?.data.event_type,
    ).toBe('trace_saved')

    routes = routesOf(host)
    ids = {
      published: [kept.id, keptSync.id],
      link: [open.token, locked.token],
      linkId: [spareLink.id],
      agent: [spare.id],
      session: ['kept-1', 'kept-2'],
      version: ['1', '0', '2'],
      // A message number: an answer of the kept sessions, a question, and none.
      seq: ['2', '1', '99'],
      apiKey: [spareKey.id],
      chatKeyId: [chatKey.split('.')[0]!, 'admin'],
      ownerKey: [spareOwnerKey.id],
      doomedLinkId: [doomedLink.id],
      doomedAgent: [doomed.id],
      doomedApiKey: [doomedKey.id],
      doomedOwnerKey: [doomedOwnerKey.id],
      knowledgeSource: [spareSource],
      doomedKnowledgeSource: [doomedSource],
      widgetVersion: host.assets.versions(), // the current one and every frozen release
      widgetFile: ['embed.js', 'porch-chat.js'],
      // No file was ever stored: a well-formed id that names none, and junk.
      file: [randomUUID()],
      consoleAsset: ['console.js', 'console.css', 'missing.js'],
      consolePage: ['agents', `agents/${spare.id}`, 'keys'],
      page: [kept.id, open.token],
    }
    auths = [`Bearer ${ADMIN_TOKEN}`, `Bearer ${chatKey}`, `Bearer ${editorKey}`, `Bearer ${visitor}`]
    messagesBefore = await readMessages()
    expect(messagesBefore.length).toBe(10)
  }, 60_000)

  afterAll(async () => {
    await host?.stop()
    if (db) rmSync(dirname(db.path), { recursive: true, force: true })
  })

  it('knows every route of the app, with an id pool for each parameter of the public, owner and compat routes', () => {
    expect(routes.length).toBeGreaterThanOrEqual(50)
    for (const prefix of [
      '/api/v1/published/',
      '/api/v1/links/',
      '/api/v1/agents',
      '/api/v1/owner-keys',
      '/v1/chat/completions',
      '/openapi/',
      '/agent/v1/',
      '/l/',
      '/widget/',
    ]) {
      expect(
        routes.some((route) => route.path.startsWith(prefix)),
        prefix,
      ).toBe(true)
    }
    // A new route with a parameter the fuzzer cannot fill sensibly fails here, so it gets a pool.
    for (const route of routes) {
      paramsOf(route.path).forEach((_, i) => {
        for (const method of [route.method, 'DELETE']) expect(ids[poolFor(route, i, method) ?? 'none'], `${method} ${route.path} parameter ${i}`).toBeDefined()
      })
    }
  })

  it('answers every one with a status below 500 and keeps every stored message', async () => {
    const samples = fc.sample(request, { numRuns: REQUESTS, seed: SEED })
    const outcomes: Outcome[] = []
    let next = 0
    const worker = async () => {
      while (next < samples.length) {
        const i = next++
        const generated = samples[i]!
        // Round robin over the routes, so each gets its share whatever fast-check picks.
        const outcome = await send(routes[i % routes.length]!, generated)
        outcomes.push({ ...outcome, label: `#${i} ${generated.focus}: ${outcome.label}` })
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))

    expect(outcomes).toHaveLength(REQUESTS)
    const serverErrors = outcomes.filter((outcome) => outcome.status !== null && outcome.status >= 500)
    expect(serverErrors.slice(0, 10), `seed ${SEED}`).toEqual([])
    // No answer at all is only fair when the request itself could not be read: a body over the
    // limit (the host answers 413 and closes while it is still being sent) or bytes on a raw socket
    // that are not HTTP (Node's parser answers 400, or closes on a method it does not know).
    const unanswered = outcomes.filter((outcome) => outcome.status === null && !outcome.oversize && !outcome.raw)
    expect(unanswered.slice(0, 10), `seed ${SEED}`).toEqual([])
    expect(outcomes.filter((outcome) => outcome.errorShape === false).slice(0, 10), `seed ${SEED}`).toEqual([])
    const answered = outcomes.filter((outcome) => outcome.status !== null)
    expect(answered.length).toBeGreaterThan(REQUESTS * 0.9)
    // The fuzzer reached past the validation now and then: some requests were accepted.
    expect(answered.filter((outcome) => outcome.status! < 300).length).toBeGreaterThan(100)
    expect(answered.filter((outcome) => outcome.status! >= 400).length).toBeGreaterThan(REQUESTS / 2)

    expect((await host.get('/health')).status).toBe(200)
    const events = await readSse(await host.post(`/api/v1/published/${ids.published![0]}/chat`, { request: 'Still there?', session_id: 'kept-1' }))
    expect(events.find((message) => message.data.event_type === 'complete')?.data).toMatchObject({ success: true })
    expect(await integrity()).toBe('ok')
    const after = await readMessages()
    const key = (row: unknown) => JSON.stringify(row)
    const afterRows = new Set(after.map(key))
    expect(messagesBefore.filter((row) => !afterRows.has(key(row)))).toEqual([])
  }, 240_000)
})
