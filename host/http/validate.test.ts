/** readJson, readQuery and check: every bad body or query is a 4xx in the one error body, saying which. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { JSON_MAX_DEPTH } from '../../shared/json-depth.ts'
import { ApiError, handleError } from './errors.ts'
import { check, lastEventId, readJson, readQuery } from './validate.ts'

const Body = z.object({ name: z.string(), tags: z.array(z.string()).optional() })

const app = new Hono()
app.onError(handleError(() => {}))
app.post('/body', async (c) => c.json(await readJson(c, Body)))
app.post('/any', async (c) => c.json({ ok: (await readJson(c, z.unknown())) !== undefined }))
app.get('/query', (c) => c.json(readQuery(c, z.object({ limit: z.coerce.number().int().positive().optional(), q: z.string().optional() }))))

const post = (path: string, body: BodyInit | null, type?: string) =>
  app.request(path, { method: 'POST', body, headers: type === undefined ? {} : { 'content-type': type } })

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  const body = (await response.json()) as { error: { code: string; message: string; details?: unknown } }
  expect(body.error.code).toBe(code)
  return body.error
}

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)

describe('readJson', () => {
  it('reads a JSON body that fits the schema, dropping unknown fields', async () => {
    const response = await post('/body', JSON.stringify({ name: 'a', extra: 1 }), 'application/json')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ name: 'a' })
  })

  it.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/x+json'])(
    'accepts Content-Type %s',
    async (type) => {
      expect((await post('/body', '{"name":"a"}', type)).status).toBe(200)
    },
  )

  it('accepts a body without a Content-Type', async () => {
    // A byte body, unlike a string one, gets no Content-Type from the Request constructor.
    const response = await app.request('/body', { method: 'POST', body: new TextEncoder().encode('{"name":"a"}') })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ name: 'a' })
  })

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x', 'text/json'])(
    'refuses Content-Type %s with 415',
    async (type) => {
      await expectError(await post('/body', '{"name":"a"}', type), 415, 'unsupported_media_type')
    },
  )

  it('refuses a body that is not UTF-8', async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) // {"n":"\xff\xfe"}
    await expectError(await post('/body', bytes, 'application/json'), 400, 'invalid_encoding')
  })

  it.each([
    ['broken', '{"name":'],
    ['a trailing comma', '{"name":"a",}'],
    ['single quotes', "{'name':'a'}"],
  ])('refuses %s JSON', async (_, text) => {
    await expectError(await post('/body', text, 'application/json'), 400, 'invalid_json')
  })

  it.each([
    ['empty', ''],
    ['blank', ' \n\t '],
  ])('refuses an %s body as invalid_json', async (_, text) => {
    const error = await expectError(await post('/body', text, 'application/json'), 400, 'invalid_json')
    expect(error.message).toMatch(/empty/)
  })

  it(`accepts JSON nested exactly ${JSON_MAX_DEPTH} levels deep`, async () => {
    const response = await post('/any', nested(JSON_MAX_DEPTH), 'application/json')
    expect(response.status).toBe(200)
  })

  it(`refuses JSON nested ${JSON_MAX_DEPTH + 1} levels deep, and far deeper, before validating it`, async () => {
    for (const levels of [JSON_MAX_DEPTH + 1, 100_000]) {
      const error = await expectError(await post('/any', nested(levels), 'application/json'), 400, 'invalid_json')
      expect(error.message).toContain(String(JSON_MAX_DEPTH))
    }
    const objects = '{"a":'.repeat(JSON_MAX_DEPTH + 1) + '1' + '}'.repeat(JSON_MAX_DEPTH + 1)
    await expectError(await post('/any', objects, 'application/json'), 400, 'invalid_json')
  })

  it('refuses JSON that does not fit the schema as invalid_request, naming the first issue', async () => {
    const error = await expectError(await post('/body', JSON.stringify({ name: 1, tags: ['a', 2] }), 'application/json'), 400, 'invalid_request')
    expect(error.message).toMatch(/^name: /)
    const issues = (error.details as { issues: { path: string; message: string }[] }).issues
    expect(issues.map((issue) => issue.path)).toEqual(['name', 'tags.1'])
    expect(issues.every((issue) => issue.message.length > 0)).toBe(true)
  })

  it('refuses JSON null as invalid_request, not as an empty body', async () => {
    await expectError(await post('/body', 'null', 'application/json'), 400, 'invalid_request')
  })
})

describe('readQuery', () => {
  it('reads and coerces the query', async () => {
    const response = await app.request('/query?limit=5&q=hi')
    expect(await response.json()).toEqual({ limit: 5, q: 'hi' })
  })

  it('refuses a query that does not fit, naming the parameter', async () => {
    const error = await expectError(await app.request('/query?limit=-1'), 400, 'invalid_request')
    expect(error.message).toMatch(/^limit: /)
  })
})

describe('check', () => {
  it('returns the parsed value', () => {
    expect(check(z.object({ n: z.coerce.number() }), { n: '3' })).toEqual({ n: 3 })
  })

  it('throws a 400 ApiError whose message has no path prefix for an issue at the root', () => {
    let thrown: unknown
    try {
      check(z.string(), 5)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ApiError)
    const error = thrown as ApiError
    expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    expect(error.message).not.toMatch(/^: /)
    expect(error.details).toEqual({ issues: [{ path: '', message: error.message }] })
  })

  it('joins nested paths with dots', () => {
    expect(() => check(z.object({ a: z.array(z.object({ b: z.number() })) }), { a: [{ b: 1 }, { b: 'x' }] })).toThrow(/^a\.1\.b: /)
  })
})

describe('lastEventId', () => {
  const app = new Hono()
  app.onError(handleError(() => {}))
  app.get('/', (c) => c.json({ after: lastEventId(c) }))
  const read = (value?: string) => app.request('/', value === undefined ? {} : { headers: { 'Last-Event-ID': value } })

  it('is 0 without the header (or with an empty one), else the number', async () => {
    for (const [value, after] of [
      [undefined, 0],
      ['', 0],
      ['  ', 0],
      ['7', 7],
      [' 42 ', 42],
    ] as const)
      expect(await (await read(value)).json()).toEqual({ after })
  })

  it('is a 400 invalid_request for anything but a whole number', async () => {
    for (const value of ['-1', '1.5', 'abc', '1234567890']) {
      const response = await read(value)
      expect(response.status).toBe(400)
      expect((await response.json()).error).toEqual({ code: 'invalid_request', message: 'Last-Event-ID must be a whole number' })
    }
  })
})
