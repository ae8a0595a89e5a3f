/** bodyLimit: a declared Content-Length is judged by the header, any other body by counting its bytes. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { errorBody, handleError } from '../http/errors.ts'
import { bodyLimit } from './body-limit.ts'

const MAX = 10

const app = new Hono()
app.onError(handleError(() => {}))
app.use(bodyLimit({ maxSize: MAX, onError: (c) => c.json(errorBody('payload_too_large', 'too large'), 413) }))
app.on(['GET', 'POST', 'PUT'], '/', async (c) => c.json({ received: c.req.method === 'GET' ? null : await c.req.text() }))

const bytes = (n: number) => new TextEncoder().encode('x'.repeat(n))

function stream(...chunks: number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const size of chunks) controller.enqueue(bytes(size))
      controller.close()
    },
  })
}

const send = (body: BodyInit, headers: Record<string, string> = {}, method = 'POST') =>
  app.request('/', { method, body, headers, duplex: 'half' } as RequestInit)

async function expectTooLarge(response: Response) {
  expect(response.status).toBe(413)
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
}

describe('bodyLimit with a Content-Length', () => {
  it('lets exactly the limit through', async () => {
    const response = await send(bytes(MAX), { 'content-length': String(MAX) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: 'x'.repeat(MAX) })
  })

  it('refuses one byte over the limit by the header alone', async () => {
    await expectTooLarge(await send(bytes(MAX + 1), { 'content-length': String(MAX + 1) }))
    await expectTooLarge(await send(bytes(MAX + 1), { 'content-length': String(MAX + 1) }, 'PUT'))
  })

  it('counts the body when a Transfer-Encoding comes with the Content-Length', async () => {
    await expectTooLarge(await send(stream(MAX + 1), { 'content-length': '1', 'transfer-encoding': 'chunked' }))
  })

  it('never judges a GET', async () => {
    expect((await app.request('/', { headers: { 'content-length': String(MAX * 100) } })).status).toBe(200)
  })
})

describe('bodyLimit without a Content-Length', () => {
  it('lets exactly the limit through, and the handler still reads all of it', async () => {
    const response = await send(bytes(MAX))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: 'x'.repeat(MAX) })
  })

  it('refuses one byte over the limit', async () => {
    await expectTooLarge(await send(bytes(MAX + 1)))
  })

  it('counts a streamed body across its chunks', async () => {
    const response = await send(stream(4, 4, 2))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: 'x'.repeat(MAX) })
    await expectTooLarge(await send(stream(4, 4, 3)))
  })

  it('lets an empty POST through', async () => {
    const response = await app.request('/', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: '' })
  })
})
