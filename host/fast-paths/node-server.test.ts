/**
 * What the fast paths rely on in @hono/node-server and Hono, through a real server on
 * 127.0.0.1: the Node response is at `c.env.outgoing` and a handler that wrote it itself returns
 * `RESPONSE_ALREADY_SENT` (sse.ts); and our body limit answers every request as Hono's own
 * bodyLimit does, only without reading a declared body first (body-limit.ts). An upgrade of
 * either library that changes these fails here.
 */

import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer, type HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit as honoBodyLimit } from 'hono/body-limit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../shared/index.ts'
import { Run } from '../runtime/runs/index.ts'
import { bodyLimit } from './body-limit.ts'
import { porchEvents, runToSse, SSE_HEADERS } from './sse.ts'

const MAX = 10
const tooLarge = (c: { text(text: string, status: 413): Response }) => c.text('too large', 413)
const echo = (limit: MiddlewareHandler) => new Hono().post('/', limit, async (c) => c.text(`got ${(await c.req.text()).length}`))

const app = new Hono<{ Bindings: HttpBindings }>()
  .get('/raw', (c) => {
    expect(c.env.outgoing.headersSent).toBe(false)
    c.env.outgoing.writeHead(200, { 'Content-Type': 'text/plain' })
    c.env.outgoing.end('written to the socket')
    return RESPONSE_ALREADY_SENT
  })
  .get('/sse', (c) => {
    const run = new Run('f', 0)
    run.push({ event_type: 'text_delta', turn: 1, text: 'hi' } satisfies StreamEvent)
    setImmediate(() => run.end())
    c.header('Access-Control-Allow-Origin', 'https://shop.example')
    return runToSse(c, run, 0, { heartbeatMs: 60_000 })
  })
  .route('/ours', echo(bodyLimit({ maxSize: MAX, onError: tooLarge })))
  .route('/hono', echo(honoBodyLimit({ maxSize: MAX, onError: tooLarge })))

let server: Server
let base: string
beforeAll(async () => {
  server = createAdaptorServer({ fetch: app.fetch }) as Server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** A raw request, so a body can be sent chunked or with a Content-Length of our choosing. */
function send(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { connection: 'close', ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    if (headers['transfer-encoding'] === 'chunked') for (const piece of body.match(/.{1,4}/g) ?? []) req.write(piece)
    else req.write(body)
    req.end()
  })
}

describe('@hono/node-server', () => {
  it('hands the Node response to a handler as c.env.outgoing and leaves it alone after RESPONSE_ALREADY_SENT', async () => {
    const response = await fetch(`${base}/raw`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('written to the socket')
  })

  it('carries runToSse written straight to the socket: headers, the context’s headers and every event', async () => {
    const response = await fetch(`${base}/sse`)
    for (const [name, value] of Object.entries(SSE_HEADERS)) if (name !== 'Connection') expect(response.headers.get(name)).toBe(value)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(await response.text()).toBe(': stream open\n\n' + porchEvents.event({ id: 1, event: { event_type: 'text_delta', turn: 1, text: 'hi' } }))
  })
})

describe('bodyLimit answers as Hono’s bodyLimit does', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['a declared body under the limit', 'x'.repeat(MAX - 1), { 'content-length': String(MAX - 1) }],
    ['a declared body at the limit', 'x'.repeat(MAX), { 'content-length': String(MAX) }],
    ['a declared body over the limit', 'x'.repeat(MAX + 1), { 'content-length': String(MAX + 1) }],
    ['a chunked body under the limit', 'x'.repeat(MAX - 1), { 'transfer-encoding': 'chunked' }],
    ['a chunked body over the limit', 'x'.repeat(3 * MAX), { 'transfer-encoding': 'chunked' }],
    ['an empty body', '', { 'content-length': '0' }],
  ]
  for (const [name, body, headers] of cases) {
    it(name, async () => {
      expect(await send('/ours', body, headers)).toEqual(await send('/hono', body, headers))
    })
  }
})
