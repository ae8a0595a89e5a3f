/**
 * HTTP tools against a real server on 127.0.0.1 (allowed, as the test config allows it), the
 * spec schema, sealing secrets at rest, and one run through the AI SDK with the fake OpenAI
 * server to see a bad call come back as a tool error rather than a failed run.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { stepCountIs, streamText, type ToolExecutionOptions } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../testing/fake-providers.ts'
import { createModelRegistry } from '../providers/models.ts'
import { type HttpToolOptions, HttpToolSpecSchema, httpTool, REDACTED_SECRET, redactToolSecrets, sealToolSecrets, ToolSecretError } from './http-tools.ts'
import { createSecretBox, isSealed, SecretBoxError } from './secret-box.ts'

type Recorded = { method: string; url: string; headers: IncomingMessage['headers']; body: string }

let server: Server
let base: string
const requests: Recorded[] = []
const box = createSecretBox('test-host-secret-0123456789abcdef0123456789')
const options: HttpToolOptions = { allowPrivate: true, decrypt: (value) => box.open(value) }

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      requests.push(recorded)
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/big') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(100_000))
      if (path === '/slow') return void setTimeout(() => res.end('too late'), 3000).unref()
      if (path === '/fail') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom:\n  the database is down')
      if (path === '/missing') return void res.writeHead(404).end()
      if (path === '/image') return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(50_000))
      if (path === '/empty') return void res.writeHead(204).end()
      if (path === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(recorded))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const spec = (fields: Record<string, unknown>) => HttpToolSpecSchema.parse({ type: 'http', name: 'lookup', url: `${base}/echo`, ...fields })
const callOptions: ToolExecutionOptions = { toolCallId: 'call_1', messages: [] }
const call = (tool: ReturnType<typeof httpTool>, input: unknown, signal?: AbortSignal) =>
  tool.execute!(input, { ...callOptions, abortSignal: signal }) as Promise<string>
const lastRequest = () => requests.at(-1)!

const searchSchema = {
  type: 'object',
  properties: { q: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 50 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['q'],
}

describe('httpTool', () => {
  it('sends GET arguments as query parameters, after those already in the URL', async () => {
    const tool = httpTool(spec({ url: `${base}/search?lang=en`, input_schema: searchSchema }), options)
    const result = JSON.parse(await call(tool, { q: 'porch lights', limit: 3, tags: ['a', 'b'] }))
    expect(result.method).toBe('GET')
    expect(result.url).toBe('/search?lang=en&q=porch+lights&limit=3&tags=a&tags=b')
    expect(result.body).toBe('')
    expect(result.headers['user-agent']).toBe('Porch-HTTP-Tool/1')
  })

  it('sends DELETE arguments as query parameters too', async () => {
    const tool = httpTool(spec({ method: 'DELETE', input_schema: { type: 'object', properties: { id: { type: 'string' } } } }), options)
    expect(JSON.parse(await call(tool, { id: '42' }))).toMatchObject({ method: 'DELETE', url: '/echo?id=42' })
  })

  it('sends POST, PUT and PATCH arguments as a JSON body', async () => {
    for (const method of ['POST', 'PUT', 'PATCH']) {
      const tool = httpTool(spec({ method, input_schema: searchSchema }), options)
      const result = JSON.parse(await call(tool, { q: 'x', tags: ['t'] }))
      expect(result).toMatchObject({ method, url: '/echo' })
      expect(JSON.parse(result.body)).toEqual({ q: 'x', tags: ['t'] })
      expect(result.headers['content-type']).toBe('application/json')
    }
  })

  it('keeps a content type the owner set', async () => {
    const tool = httpTool(spec({ method: 'POST', headers: [{ name: 'Content-Type', value: 'application/vnd.api+json' }] }), options)
    expect(JSON.parse(await call(tool, {})).headers['content-type']).toBe('application/vnd.api+json')
  })

  it('sends plain headers as they are and secret headers opened, and keeps the secret out of the result', async () => {
    const secret = 'sk-live-abcdef123456'
    const tool = httpTool(
      spec({
        headers: [
          { name: 'X-Client', value: 'porch' },
          { name: 'Authorization', secret: box.seal(`Bearer ${secret}`) },
        ],
      }),
      options,
    )
    const result = await call(tool, {})
    expect(lastRequest().headers).toMatchObject({ 'x-client': 'porch', authorization: `Bearer ${secret}` })
    // The echo server repeats the header back; the model and the visitor must not see it.
    expect(result).not.toContain(secret)
    expect(JSON.parse(result).headers.authorization).toBe('[secret]')
  })

  it('refuses arguments that do not match the schema, before any request', async () => {
    const tool = httpTool(spec({ input_schema: searchSchema }), options)
    const before = requests.length
    await expect(call(tool, { limit: 0 })).rejects.toThrow(/^invalid arguments for lookup: q: .+; limit: .*>=1/)
    await expect(call(tool, { q: 5 })).rejects.toThrow(/^invalid arguments for lookup: q: /)
    await expect(call(tool, 'not an object')).rejects.toThrow(/^invalid arguments for lookup: \(arguments\): /)
    expect(requests.length).toBe(before)
  })

  it('times out', async () => {
    const tool = httpTool(spec({ url: `${base}/slow`, timeout_ms: 1000 }), { ...options, fetchTimeoutCapMs: 200 })
    // The message names the timeout that fired: the 200 ms cap, not the tool's own 1 s (the server answers after 3 s).
    await expect(call(tool, {})).rejects.toThrow('lookup timed out after 0.2 s')
  })

  it('stops when the run is cancelled, with the cancellation rather than a timeout', async () => {
    const tool = httpTool(spec({ url: `${base}/slow` }), options)
    const run = new AbortController()
    setTimeout(() => run.abort(new Error('cancelled by the client')), 50)
    await expect(call(tool, {}, run.signal)).rejects.toThrow(/^lookup was cancelled$/)
  })

  it('caps the result at 16 KiB and says so', async () => {
    const result = await call(httpTool(spec({ url: `${base}/big` }), options), {})
    expect(result).toBe(`${'x'.repeat(16 * 1024)}\n\n[cut: the response was longer than 16 KiB]`)
  })

  it('reports a non-2xx status with a short excerpt of the body', async () => {
    await expect(call(httpTool(spec({ url: `${base}/fail` }), options), {})).rejects.toThrow('HTTP 500 Internal Server Error: boom: the database is down')
    await expect(call(httpTool(spec({ url: `${base}/missing` }), options), {})).rejects.toThrow(/^HTTP 404 Not Found$/)
  })

  it('does not pass a binary body to the model', async () => {
    expect(await call(httpTool(spec({ url: `${base}/image` }), options), {})).toBe(
      '(HTTP 200: image/png content, not shown; only text results reach the model)',
    )
  })

  it('says when a response is empty', async () => {
    expect(await call(httpTool(spec({ url: `${base}/empty` }), options), {})).toBe('(empty response, HTTP 204)')
  })

  it('is refused loopback targets unless the host allows them, with no header value in the error', async () => {
    const tool = httpTool(spec({ headers: [{ name: 'X-Key', secret: box.seal('hunter2-secret') }] }), { ...options, allowPrivate: false })
    const error = await call(tool, {}).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('refused: 127.0.0.1 is a loopback address')
  })

  it('refuses private and metadata targets', async () => {
    const refused = { ...options, allowPrivate: false }
    await expect(call(httpTool(spec({ url: 'http://10.0.0.5/api' }), refused), {})).rejects.toThrow('refused: 10.0.0.5 is a private address')
    await expect(call(httpTool(spec({ url: 'http://169.254.169.254/latest/meta-data/' }), options), {})).rejects.toThrow(
      'refused: 169.254.169.254 is a cloud metadata address',
    )
  })

  it('refuses a redirect to the metadata service', async () => {
    await expect(call(httpTool(spec({ url: `${base}/to-metadata` }), options), {})).rejects.toThrow(
      'refused redirect 1: 169.254.169.254 is a cloud metadata address',
    )
  })

  it('reports a connection failure without the secret', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const tool = httpTool(spec({ url: `http://127.0.0.1:${port}/`, headers: [{ name: 'X-Key', secret: box.seal('hunter2-secret') }] }), options)
    await expect(call(tool, {})).rejects.toThrow(`request to 127.0.0.1:${port} failed: connection refused`)
  })

  it('says so when a secret cannot be opened, without showing it', async () => {
    const other = createSecretBox('another-host-secret-0123456789abcdef0123')
    const tool = httpTool(spec({ headers: [{ name: 'X-Key', secret: other.seal('hunter2-secret') }] }), options)
    const error = (await call(tool, {}).catch((e: Error) => e)) as Error
    expect(error.message).toBe('the secret of header X-Key cannot be read (was the host secret changed?); the owner has to enter it again')
  })

  it("describes the tool to the model with the owner's schema", async () => {
    const tool = httpTool(spec({ description: 'Searches the catalog.', input_schema: searchSchema }), options)
    expect(tool.description).toBe('Searches the catalog.')
    expect(await (tool.inputSchema as { jsonSchema: unknown }).jsonSchema).toEqual(searchSchema)
  })
})

describe('through the AI SDK', () => {
  let fake: FakeProvider
  beforeAll(async () => {
    globalThis.AI_SDK_LOG_WARNINGS = false
    fake = await startFakeOpenAI([
      {
        toolCalls: [
          { id: 'call_bad', name: 'search', input: { limit: 'many' } },
          { id: 'call_good', name: 'search', input: { q: 'lamps' } },
        ],
      },
      { text: ['Done.'] },
    ])
  })
  afterAll(() => fake.close())

  it('reports a bad call as a tool error and a good one as its result, and the run goes on', async () => {
    const model = createModelRegistry({ openai: { baseURL: fake.url, apiKey: 'sk-test' } }).resolve('openai:gpt-test')
    const result = streamText({
      model,
      tools: { search: httpTool(spec({ input_schema: searchSchema }), options) },
      prompt: 'find lamps',
      stopWhen: stepCountIs(3),
    })
    const parts: { type: string; toolCallId?: string; error?: unknown; output?: unknown }[] = []
    for await (const part of result.fullStream) parts.push(part)
    const errors = parts.filter((p) => p.type === 'tool-error')
    const results = parts.filter((p) => p.type === 'tool-result')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.toolCallId).toBe('call_bad')
    expect(String((errors[0]!.error as Error).message)).toMatch(/^invalid arguments for lookup: q: .*; limit: /)
    expect(results).toHaveLength(1)
    expect(JSON.parse(results[0]!.output as string).url).toBe('/echo?q=lamps')
    expect(await result.text).toBe('Done.')
  })
})

describe('HttpToolSpecSchema', () => {
  it('fills in the defaults', () => {
    expect(HttpToolSpecSchema.parse({ type: 'http', name: 'ping', url: 'https://api.example.com/ping' })).toEqual({
      type: 'http',
      name: 'ping',
      description: '',
      input_schema: { type: 'object', properties: {} },
      url: 'https://api.example.com/ping',
      method: 'GET',
      headers: [],
      timeout_ms: 10_000,
    })
  })

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a bad name', { name: 'has space' }, /letters, digits/],
    ['a long description', { description: 'x'.repeat(1001) }, /1000/],
    ['a non-http URL', { url: 'ftp://example.com/' }, /http or https/],
    ['a relative URL', { url: '/api' }, /absolute/],
    ['credentials in the URL', { url: 'https://user:pw@example.com/' }, /secret header/],
    ['an unknown method', { method: 'TRACE' }, /GET/],
    ['a timeout below 1 s', { timeout_ms: 999 }, /1000/],
    ['a timeout above 60 s', { timeout_ms: 60_001 }, /60000/],
    ['a non-object input schema', { input_schema: { type: 'string' } }, /"type": "object"/],
    ['an unusable input schema', { input_schema: { type: 'object', properties: { a: { type: 'strin' } } } }, /not a usable JSON schema: Unsupported type/],
    ['an external $ref', { input_schema: { type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } } }, /External \$ref/],
    ['a huge input schema', { input_schema: { type: 'object', description: 'x'.repeat(16_001) } }, /16000/],
    ['a header with value and secret', { headers: [{ name: 'A', value: '1', secret: '2' }] }, /value or a secret/],
    ['a header with neither', { headers: [{ name: 'A' }] }, /value or a secret/],
    ['a header with a line break', { headers: [{ name: 'A', value: 'x\r\nInjected: 1' }] }, /line breaks/],
    ['a header the host sets', { headers: [{ name: 'Host', value: 'evil' }] }, /set by the host/],
    ['a bad header name', { headers: [{ name: 'Bad Name', value: 'x' }] }, /HTTP header name/],
    [
      'duplicate header names',
      {
        headers: [
          { name: 'X-A', value: '1' },
          { name: 'x-a', value: '2' },
        ],
      },
      /unique/,
    ],
    ['too many headers', { headers: Array.from({ length: 21 }, (_, i) => ({ name: `X-${i}`, value: 'v' })) }, /20/],
  ]
  it.each(bad)('refuses %s', (_, fields, message) => {
    const result = HttpToolSpecSchema.safeParse({ type: 'http', name: 'ok', url: 'https://example.com/', ...fields })
    expect(result.success).toBe(false)
    expect(result.error!.issues.map((issue) => issue.message).join('\n')).toMatch(message)
  })
})

describe('secret box', () => {
  it('round-trips, with a fresh IV each time', () => {
    const a = box.seal('Bearer sk-123')
    const b = box.seal('Bearer sk-123')
    expect(a).toMatch(/^enc:v1:[\w-]{16}:[\w-]{22}:[\w-]+$/)
    expect(a).not.toBe(b)
    expect(isSealed(a)).toBe(true)
    expect(box.open(a)).toBe('Bearer sk-123')
    expect(box.open(box.seal(''))).toBe('')
    expect(box.open(box.seal('ünïcødé ✓'))).toBe('ünïcødé ✓')
  })

  it('refuses values sealed under another host secret, altered, or not sealed at all', () => {
    const sealed = box.seal('Bearer sk-123')
    const other = createSecretBox('a-different-host-secret-0123456789abcdef')
    expect(() => other.open(sealed)).toThrow(SecretBoxError)
    const [prefix, version, iv, tag, ciphertext] = sealed.split(':')
    const flipped = `${ciphertext![0] === 'A' ? 'B' : 'A'}${ciphertext!.slice(1)}`
    expect(() => box.open([prefix, version, iv, tag, flipped].join(':'))).toThrow(/altered or sealed under another host secret/)
    expect(() => box.open('Bearer sk-123')).toThrow(/not a sealed secret/)
    expect(() => box.open('enc:v1:abc')).toThrow(/not a sealed secret/)
    for (const fail of [() => other.open(sealed), () => box.open('Bearer sk-123')]) {
      try {
        fail()
      } catch (error) {
        expect((error as Error).message).not.toContain('sk-123')
      }
    }
  })
})

describe('sealToolSecrets and redactToolSecrets', () => {
  const builtin = { type: 'builtin', name: 'current_time' }
  const withSecret = (secret: string, name = 'crm') =>
    spec({
      name,
      headers: [
        { name: 'X-Plain', value: 'shown' },
        { name: 'Authorization', secret },
      ],
    })

  it('seals what the owner typed and leaves everything else alone', () => {
    const [tool, other] = sealToolSecrets([withSecret('Bearer one'), builtin], [], box)
    const header = (tool as ReturnType<typeof spec>).headers[1]!
    expect(isSealed(header.secret!)).toBe(true)
    expect(box.open(header.secret!)).toBe('Bearer one')
    expect((tool as ReturnType<typeof spec>).headers[0]).toEqual({ name: 'X-Plain', value: 'shown' })
    expect(other).toBe(builtin)
  })

  it('redacts every secret for replies', () => {
    const stored = sealToolSecrets([withSecret('Bearer one'), builtin], [], box)
    const shown = redactToolSecrets(stored)
    expect(JSON.stringify(shown)).not.toContain('enc:v1:')
    expect((shown[0] as ReturnType<typeof spec>).headers).toEqual([
      { name: 'X-Plain', value: 'shown' },
      { name: 'Authorization', secret: REDACTED_SECRET },
    ])
    expect(shown[1]).toEqual(builtin)
  })

  it('keeps the stored secret when a reply is sent back unchanged, so nothing looks edited', () => {
    const stored = sealToolSecrets([withSecret('Bearer one')], [], box)
    expect(sealToolSecrets(redactToolSecrets(stored), stored, box)).toEqual(stored)
    // The same secret typed again keeps its sealed form too.
    expect(sealToolSecrets([withSecret('Bearer one')], stored, box)).toEqual(stored)
  })

  it('seals a changed secret afresh', () => {
    const stored = sealToolSecrets([withSecret('Bearer one')], [], box)
    const [changed] = sealToolSecrets([withSecret('Bearer two')], stored, box) as ReturnType<typeof spec>[]
    expect(box.open(changed!.headers[1]!.secret!)).toBe('Bearer two')
  })

  it('refuses the placeholder where no secret is stored', () => {
    const stored = sealToolSecrets([withSecret('Bearer one')], [], box)
    expect(() => sealToolSecrets([withSecret(REDACTED_SECRET)], [], box)).toThrow(ToolSecretError)
    expect(() => sealToolSecrets([withSecret(REDACTED_SECRET, 'renamed')], stored, box)).toThrow(/tool renamed, header Authorization: send the secret itself/)
  })

  it('keeps a stored secret only while the tool stays on the same origin', () => {
    const stored = sealToolSecrets([withSecret('Bearer one')], [], box)
    const moved = (url: string) => [{ ...redactToolSecrets(stored)[0]!, url }]
    // Another path, query or fragment on the same origin keeps it.
    const [samePlace] = sealToolSecrets(moved(`${base}/v2/orders?x=1`), stored, box) as ReturnType<typeof spec>[]
    expect(box.open(samePlace!.headers[1]!.secret!)).toBe('Bearer one')
    // Another host, port or scheme does not: the owner must type the secret again.
    const { hostname, port } = new URL(base)
    for (const url of [
      'https://attacker.example/collect',
      `http://${hostname}:${Number(port) + 1}/echo`,
      `https://${hostname}:${port}/echo`,
      `http://localhost.attacker.example:${port}/echo`,
    ]) {
      expect(() => sealToolSecrets(moved(url), stored, box)).toThrow(/type the secret again/)
    }
    // Typed again, the new origin gets it.
    const [retyped] = sealToolSecrets([{ ...withSecret('Bearer two'), url: 'https://elsewhere.example/api' }], stored, box) as ReturnType<typeof spec>[]
    expect(box.open(retyped!.headers[1]!.secret!)).toBe('Bearer two')
  })

  it('refuses a secret that is too long to store', () => {
    expect(() => sealToolSecrets([withSecret('x'.repeat(2049))], [], box)).toThrow(/at most 2048 bytes/)
  })
})
