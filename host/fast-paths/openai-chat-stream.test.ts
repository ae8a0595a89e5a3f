/**
 * The fast path against the AI SDK's own `doStream`: a small OpenAI-compatible server on
 * 127.0.0.1 replays recorded SSE bodies (as separate TCP writes, split mid-line and mid-character
 * where it matters), and every body is read once by `@ai-sdk/openai`'s chat model and once by
 * the fast path. The parts, the errors and the requests must be the same. An SDK upgrade that
 * changes any of them fails here.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createOpenAI } from '@ai-sdk/openai'
import type { LanguageModelV3, LanguageModelV3CallOptions } from '@ai-sdk/provider'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { providerFetch, rawBodyTransport } from '../runtime/providers/provider-fetch.ts'
import { streamChat, withFastChatStream } from './openai-chat-stream.ts'

type Reply = { status?: number; headers?: Record<string, string>; writes: (string | Buffer)[]; cut?: boolean }

let reply: Reply = { writes: [] }
const requests: { url: string; headers: IncomingHttpHeaders; body: string }[] = []
const server = createServer((request, response) => {
  let body = ''
  request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
  request.on('end', async () => {
    requests.push({ url: request.url ?? '', headers: request.headers, body })
    const { status = 200, headers = { 'content-type': 'text/event-stream' }, writes, cut } = reply
    response.writeHead(status, headers)
    response.flushHeaders()
    for (const piece of writes) {
      await new Promise<void>((resolve) => response.write(piece, () => resolve()))
      // Each piece in its own TCP segment, as a provider sends tokens.
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    if (cut) response.socket?.destroy()
    else response.end()
  })
})

let model: LanguageModelV3
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  model = createOpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'test-key', fetch: providerFetch }).chat('gpt-4o-mini')
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_765_000_000, model: 'gpt-4o-mini' }
const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
const chunk = (delta: object, finish_reason: string | null = null, extra: object = {}) =>
  sse({ ...base, choices: [{ index: 0, delta, finish_reason }], ...extra })
const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 2 } }
const usageChunk = sse({ ...base, choices: [], usage })
const done = 'data: [DONE]\n\n'
const toolDelta = (index: number, fields: { id?: string; name?: string; arguments?: string }) => ({
  tool_calls: [{ index, ...(fields.id && { id: fields.id, type: 'function' }), function: { name: fields.name, arguments: fields.arguments } }],
})
const errorBody = (message: string, type: string, code: string | null) => JSON.stringify({ error: { message, type, param: null, code } })

const words = 'Gern geschehen — the bell rings in Zürich at 08:00 sharp.'.split(/(?<= )/)
const unicode = Buffer.from(chunk({ content: 'Grüße 👋' }))
const splitAt = unicode.indexOf(Buffer.from('👋')) + 2

const replies: Record<string, Reply> = {
  'plain text': { writes: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello there.' }), chunk({}, 'stop'), usageChunk, done] },
  'text in many small chunks': {
    writes: [chunk({ role: 'assistant', content: '' }), ...words.map((word) => chunk({ content: word })), chunk({}, 'stop'), usageChunk, done],
  },
  'all events in one write': { writes: [[chunk({ content: 'a' }), chunk({ content: 'b' }), chunk({}, 'stop'), usageChunk, done].join('')] },
  'one tool call, arguments in pieces': {
    writes: [
      chunk({ role: 'assistant', content: null, ...toolDelta(0, { id: 'call_a', name: 'current_time', arguments: '' }) }),
      chunk(toolDelta(0, { arguments: '{"time' })),
      chunk(toolDelta(0, { arguments: 'zone":"Eur' })),
      chunk(toolDelta(0, { arguments: 'ope/Berlin"}' })),
      chunk({}, 'tool_calls'),
      usageChunk,
      done,
    ],
  },
  'text, then two tool calls interleaved': {
    writes: [
      chunk({ content: 'Let me look.' }),
      chunk(toolDelta(0, { id: 'call_a', name: 'current_time', arguments: '{"timezone":' })),
      chunk(toolDelta(1, { id: 'call_b', name: 'current_time', arguments: '{"timezone":"Asia' })),
      chunk(toolDelta(0, { arguments: '"UTC"}' })),
      chunk(toolDelta(1, { arguments: '/Tokyo"}' })),
      chunk({}, 'tool_calls'),
      usageChunk,
      done,
    ],
  },
  'a tool call without an id': {
    writes: [chunk(toolDelta(0, { name: 'lookup', arguments: '{}' })), chunk({}, 'tool_calls'), done],
  },
  'a tool call without a name': {
    writes: [chunk({ content: 'Calling' }), chunk({ tool_calls: [{ index: 0, id: 'call_x', function: { arguments: '{}' } }] }), chunk({}, 'tool_calls'), done],
  },
  'a tool call without a name before any text': {
    writes: [chunk({ tool_calls: [{ index: 0, id: 'call_y', function: { arguments: '{' } }] }), chunk({}, 'tool_calls'), done],
  },
  'usage in the last chunk with the finish reason': {
    writes: [chunk({ content: 'Hi' }), chunk({}, 'stop', { usage: { ...usage, completion_tokens_details: { reasoning_tokens: 3 } } }), done],
  },
  refusal: { writes: [chunk({ role: 'assistant', refusal: "I can't help with that." }), chunk({}, 'stop'), usageChunk, done] },
  'length finish': { writes: [chunk({ content: 'This answer is cut' }), chunk({}, 'length'), usageChunk, done] },
  'content_filter finish': { writes: [chunk({ content: 'Well' }), chunk({}, 'content_filter'), done] },
  'an unknown finish reason, no usage, no [DONE]': { writes: [chunk({ content: 'x' }), chunk({}, 'something_new')] },
  'an error chunk before output': {
    writes: [
      chunk({ role: 'assistant', content: '' }),
      sse({ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'rate_limit_exceeded', code: null } }),
    ],
  },
  'an error chunk before output, insufficient quota': {
    writes: [sse({ error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } })],
  },
  'an error chunk after output': {
    writes: [chunk({ content: 'Half an ans' }), sse({ error: { message: 'The server had an error', type: 'server_error', code: null } }), done],
  },
  'a malformed JSON line': { writes: [chunk({ content: 'ok' }), 'data: {"id":"chatcmpl-1","choices":[{\n\n', chunk({}, 'stop'), done] },
  'a chunk that is JSON but not a chunk': { writes: [chunk({ content: 'ok' }), sse({ choices: [{ delta: { content: 5 } }] }), chunk({}, 'stop'), done] },
  'a malformed line before any output': { writes: ['data: not json\n\n', chunk({ content: 'late' }), chunk({}, 'stop'), done] },
  '429 with an OpenAI error body': {
    status: 429,
    headers: { 'content-type': 'application/json', 'retry-after-ms': '20' },
    writes: [errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded')],
  },
  '500 with an OpenAI error body': {
    status: 500,
    headers: { 'content-type': 'application/json' },
    writes: [errorBody('The server had an error while processing your request.', 'server_error', null)],
  },
  '400 that is not JSON': { status: 400, headers: { 'content-type': 'text/plain' }, writes: ['bad request'] },
  'a body cut short after output': { writes: [chunk({ content: 'Hello' }), chunk({ content: ' wor' })], cut: true },
  'a body cut short before output': { writes: [chunk({ role: 'assistant', content: '' })], cut: true },
  'events split mid-line across writes': {
    writes: (() => {
      const all = [chunk({ content: 'split ' }), chunk({ content: 'lines' }), chunk({}, 'stop'), usageChunk, done].join('')
      return [all.slice(0, 7), all.slice(7, 60), all.slice(60, 61), all.slice(61, 150), all.slice(150)]
    })(),
  },
  'a character split across writes': { writes: [unicode.subarray(0, splitAt), unicode.subarray(splitAt), chunk({}, 'stop'), done] },
  'CRLF line endings and comments': {
    writes: [': keep-alive\r\n\r\n', chunk({ content: 'crlf' }).replace(/\n/g, '\r\n'), chunk({}, 'stop').replace(/\n/g, '\r\n'), done],
  },
}

type Outcome = { parts: unknown[]; streamError?: unknown; thrown?: unknown; requestBody?: unknown; responseHeaders?: unknown }

async function run(doStream: (options: LanguageModelV3CallOptions) => ReturnType<LanguageModelV3['doStream']>, abortAfter?: number) {
  const controller = new AbortController()
  const options: LanguageModelV3CallOptions = {
    prompt: [
      { role: 'system', content: 'You are a shop assistant.' },
      { role: 'user', content: [{ type: 'text', text: 'What time is it in Berlin?' }] },
    ],
    tools: [
      {
        type: 'function',
        name: 'current_time',
        description: 'The time',
        inputSchema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
      },
    ],
    toolChoice: { type: 'auto' },
    temperature: 0.3,
    abortSignal: controller.signal,
  }
  const outcome: Outcome = { parts: [] }
  try {
    const result = await doStream(options)
    outcome.requestBody = result.request?.body
    outcome.responseHeaders = result.response?.headers
    const reader = result.stream.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        outcome.parts.push(value)
        if (outcome.parts.length === abortAfter) controller.abort()
      }
    } catch (error) {
      outcome.streamError = error
    }
  } catch (error) {
    outcome.thrown = error
  }
  return normalise(outcome)
}

/** Errors as plain objects (class, message, every field, the cause's too); generated tool-call ids and dates as markers. */
function normalise(outcome: Outcome) {
  const ids = new Map<string, string>()
  const plain = (value: unknown): unknown => {
    if (value instanceof Error) {
      return { class: value.constructor.name, name: value.name, message: value.message, ...plainEntries(value), cause: plain(value.cause) }
    }
    if (Array.isArray(value)) return value.map(plain)
    if (value instanceof Date) return value.toISOString()
    if (typeof value === 'object' && value !== null) return plainEntries(value)
    return value
  }
  const plainEntries = (value: object) => Object.fromEntries(Object.entries(value).map(([key, field]) => [key, plain(field)]))
  const parts = outcome.parts.map((part) => {
    const { toolCallId, id, ...rest } = part as { toolCallId?: string; id?: string }
    const stable = (value: string | undefined) =>
      value === undefined || value.startsWith('call_') || value === '0' || value.startsWith('chatcmpl')
        ? value
        : (ids.get(value) ?? ids.set(value, `generated-${ids.size}`).get(value))
    return plain({ ...rest, ...(toolCallId !== undefined && { toolCallId: stable(toolCallId) }), ...(id !== undefined && { id: stable(id) }) })
  })
  const headers = { ...(outcome.responseHeaders as Record<string, string>) }
  delete headers.date
  return { ...(plain(outcome) as Record<string, unknown>), parts, responseHeaders: outcome.responseHeaders && headers } as Outcome & { parts: unknown[] }
}

async function bothWays(abortAfter?: number) {
  requests.length = 0
  const sdk = await run((options) => model.doStream(options), abortAfter)
  const fast = await run((options) => streamChat(model, options, rawBodyTransport), abortAfter)
  return { sdk, fast, requests: requests.slice() }
}

describe('the OpenAI chat stream fast path against the SDK', () => {
  for (const [name, recorded] of Object.entries(replies)) {
    it(`gives the SDK's parts, errors and request: ${name}`, async () => {
      reply = recorded
      const { sdk, fast, requests: sent } = await bothWays()
      expect(fast).toEqual(sdk)
      expect(sent).toHaveLength(2)
      expect(sent[1]!.body).toBe(sent[0]!.body)
      expect(sent[1]!.url).toBe(sent[0]!.url)
      const { 'content-length': _a, ...fastHeaders } = sent[1]!.headers
      expect(sent[1]!.headers).toEqual(sent[0]!.headers)
      expect(fastHeaders['user-agent']).toMatch(/ai-sdk\/openai\/.* ai-sdk\/provider-utils\//)
      // Something happened worth comparing: parts, or an error.
      expect(sdk.parts.length > 1 || sdk.thrown !== undefined || sdk.streamError !== undefined).toBe(true)
    })
  }

  it('sends the request body the SDK documents for a stream', async () => {
    reply = replies['plain text']!
    const { requests: sent } = await bothWays()
    const body = JSON.parse(sent[1]!.body)
    expect(body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, temperature: 0.3, tool_choice: 'auto' })
    expect(sent[1]!.url).toBe('/v1/chat/completions')
    expect(sent[1]!.headers.authorization).toBe('Bearer test-key')
  })

  // The SDK's pipeline may hand out a part or two already in its queues after the abort, as the
  // error travels through its stages; the fast path stops at once. Same error, parts a prefix.
  it('aborts as the SDK does mid-stream', async () => {
    reply = replies['text in many small chunks']!
    const { sdk, fast } = await bothWays(4)
    expect((sdk.streamError as { name: string }).name).toBe('AbortError')
    expect(fast.streamError).toEqual(sdk.streamError)
    expect(fast.parts).toHaveLength(4)
    expect(fast.parts).toEqual(sdk.parts.slice(0, 4))
  })

  it('the wrapped model streams through the fast path and generates through the SDK', async () => {
    reply = replies['plain text']!
    const wrapped = withFastChatStream(model, rawBodyTransport)
    const sdkStream = vi.spyOn(model, 'doStream')
    expect(wrapped.provider).toBe(model.provider)
    expect(wrapped.modelId).toBe('gpt-4o-mini')
    const outcome = await run((options) => wrapped.doStream(options))
    expect(outcome.parts.map((part) => (part as { type: string }).type)).toEqual([
      'stream-start',
      'response-metadata',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish',
    ])
    expect(sdkStream).not.toHaveBeenCalled()
    // A model given another fetch than the transport's keeps the SDK's doStream.
    const other = withFastChatStream(model, { ...rawBodyTransport, sdkFetch: fetch })
    await run((options) => other.doStream(options))
    expect(sdkStream).toHaveBeenCalledTimes(1)
    sdkStream.mockRestore()
  })
})
