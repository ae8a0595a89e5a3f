import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A tool call the fake model makes; `input` is sent as the JSON-encoded arguments. */
export type ScriptedToolCall = { id: string; name: string; input: unknown }

/** What the fake model answers to one request. */
export type ScriptedReply = {
  /** Text chunks, streamed one per SSE chunk (joined when not streaming). */
  text?: string[]
  /** Tool calls made after the text; the finish reason becomes tool calls / tool_use. */
  toolCalls?: ScriptedToolCall[]
  /** Token usage to report; defaults to `{ input: 10, output: 5 }`. */
  usage?: { input: number; output: number }
  /** Wait between streamed chunks, in milliseconds (default 0). */
  delayMs?: number
  /** Non-200 status: reply with a provider-shaped JSON error body instead of a completion. */
  status?: number
  /** Message in that error body. */
  errorMessage?: string
  /**
   * Destroy the socket once this many content chunks (text pieces or tool-argument pieces)
   * have been streamed; protocol frames before them (e.g. Anthropic's message_start) still go out.
   * A whole (non-streamed) reply is cut after half its JSON.
   */
  cutAfterChunks?: number
  /** Send one chunk of invalid JSON right after the first text chunk (a whole reply: invalid JSON). */
  malformedChunk?: boolean
  /** Wait this long before answering at all (no status line, no headers). */
  waitMs?: number
  /** Never answer: the request stays open, silent, until the client gives up or the fake closes. */
  hang?: boolean
  /**
   * Go silent, connection open, once this many content chunks have been streamed (a provider
   * that stalls mid-answer); like `cutAfterChunks`, protocol frames before them still go out.
   * A whole reply goes silent after half its JSON.
   */
  stallAfterChunks?: number
  /**
   * Stream `afterChunks` content chunks, then wait for `until` before the rest: a model still
   * at work while its first tokens travel, for as long as the test wants (no clock involved).
   */
  hold?: { afterChunks: number; until: Promise<unknown> }
  /** Send this raw text as the whole streamed body, with a 200 (for bodies no dialect would write). */
  rawStream?: string
}

/** A request the fake received; `body` is the parsed JSON (or the raw text if it was not JSON). */
export type RecordedRequest = { path: string; headers: Record<string, string | string[] | undefined>; body: any }

/** A running fake provider server on 127.0.0.1. */
export type FakeProvider = {
  /** Base URL to hand to the SDK (`http://127.0.0.1:PORT/v1`). */
  url: string
  /** Every request received, in order. */
  requests: RecordedRequest[]
  /** How many streaming (or hanging) responses the client closed before they finished. */
  aborted: number
  /** Stop listening and drop open connections. */
  close(): Promise<void>
}

/** Replies by request index (the last element repeats), or a function choosing the reply. */
export type Script = ScriptedReply[] | ((request: RecordedRequest, index: number) => ScriptedReply)

type Frame = { sse: string; content: boolean }
type Context = { id: string; model: string; created: number }
type Dialect = {
  path: string
  error(status: number, message: string): unknown
  complete(reply: ScriptedReply, ctx: Context): unknown
  stream(reply: ScriptedReply, ctx: Context): Frame[]
}

const frame = (data: unknown, content = false, event?: string): Frame => ({
  sse: `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
  content,
})
const usageOf = (reply: ScriptedReply) => reply.usage ?? { input: 10, output: 5 }
const argsOf = (call: ScriptedToolCall) => JSON.stringify(call.input ?? {})
// Arguments go out in two pieces so the SDK's partial-JSON accumulation is exercised.
const halves = (s: string) => [s.slice(0, s.length >> 1), s.slice(s.length >> 1)].filter(Boolean)

function textFrames(reply: ScriptedReply, toFrame: (text: string, i: number) => Frame, malformed: Frame): Frame[] {
  return (reply.text ?? []).flatMap((t, i) => (i === 0 && reply.malformedChunk ? [toFrame(t, i), malformed] : [toFrame(t, i)]))
}

const openai: Dialect = {
  path: '/v1/chat/completions',
  error: (status, message) => ({
    error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null },
  }),
  complete(reply, { id, model, created }) {
    const calls = reply.toolCalls ?? []
    const { input, output } = usageOf(reply)
    const toolCalls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: argsOf(c) } }))
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.text?.join('') ?? null, ...(calls.length > 0 && { tool_calls: toolCalls }) },
          finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
        },
      ],
      usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
    }
  },
  stream(reply, { id, model, created }) {
    const chunk = (choices: unknown[], extra: object = {}) => ({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })
    const delta = (d: object) => frame(chunk([{ index: 0, delta: d, finish_reason: null }]), true)
    const calls = reply.toolCalls ?? []
    const { input, output } = usageOf(reply)
    return [
      ...textFrames(reply, (content, i) => delta(i === 0 ? { role: 'assistant', content } : { content }), frame('{"id":"broken","choices":[{')),
      ...calls.flatMap((c, index) => [
        delta({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }),
        ...halves(argsOf(c)).map((piece) => delta({ tool_calls: [{ index, function: { arguments: piece } }] })),
      ]),
      frame(chunk([{ index: 0, delta: {}, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' }])),
      // Sent even if include_usage was not requested; the SDK always requests it.
      frame(chunk([], { usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output } })),
      frame('[DONE]'),
    ]
  },
}

const anthropicErrorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
}
const event = (data: { type: string; [key: string]: unknown }, content = false) => frame(data, content, data.type)

const anthropic: Dialect = {
  path: '/v1/messages',
  error: (status, message) => ({ type: 'error', error: { type: anthropicErrorTypes[status] ?? 'api_error', message } }),
  complete(reply, { id, model }) {
    const calls = reply.toolCalls ?? []
    const text = reply.text?.join('') ?? ''
    return {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [...(text ? [{ type: 'text', text }] : []), ...calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input ?? {} }))],
      stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usageOf(reply).input, output_tokens: usageOf(reply).output },
    }
  },
  stream(reply, { id, model }) {
    const calls = reply.toolCalls ?? []
    const { input, output } = usageOf(reply)
    const frames = [
      event({
        type: 'message_start',
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: input, output_tokens: 1 },
        },
      }),
    ]
    const block = (index: number, start: object, deltas: Frame[]) => [
      event({ type: 'content_block_start', index, content_block: start }),
      ...deltas,
      event({ type: 'content_block_stop', index }),
    ]
    const delta = (index: number, d: object) => event({ type: 'content_block_delta', index, delta: d }, true)
    const offset = reply.text?.length ? 1 : 0
    if (offset) {
      const malformed = frame('{"type":"content_block_delta","index":0,', false, 'content_block_delta')
      frames.push(
        ...block(
          0,
          { type: 'text', text: '' },
          textFrames(reply, (text) => delta(0, { type: 'text_delta', text }), malformed),
        ),
      )
    }
    calls.forEach((c, i) => {
      const pieces = halves(argsOf(c)).map((partial_json) => delta(i + offset, { type: 'input_json_delta', partial_json }))
      frames.push(...block(i + offset, { type: 'tool_use', id: c.id, name: c.name, input: {} }, pieces))
    })
    frames.push(
      event({
        type: 'message_delta',
        delta: { stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: output },
      }),
      event({ type: 'message_stop' }),
    )
    return frames
  },
}

/** Index of the first frame not to send: the content frame after `cut` content frames were sent. */
function cutIndex(frames: Frame[], cut: number): number {
  let sent = 0
  const i = frames.findIndex((f) => f.content && sent++ === cut)
  // Fewer content frames than `cut`: still cut before the terminal frame so the stream is incomplete.
  return i === -1 ? frames.length - 1 : i
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits `ms`; false when the client closed the request meanwhile. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose)
      resolve(true)
    }, ms)
    const onClose = () => {
      clearTimeout(timer)
      resolve(false)
    }
    res.once('close', onClose)
  })
}

async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function startFake(dialect: Dialect, script: Script): Promise<FakeProvider> {
  const requests: RecordedRequest[] = []

  async function stream(res: ServerResponse, reply: ScriptedReply, frames: Frame[]): Promise<void> {
    let closed = false
    let cut = false
    res.on('close', () => {
      closed = true
      if (!res.writableEnded && !cut) fake.aborted++
    })
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.flushHeaders()
    const stop = reply.cutAfterChunks === undefined ? Infinity : cutIndex(frames, reply.cutAfterChunks)
    const stall = reply.stallAfterChunks === undefined ? Infinity : cutIndex(frames, reply.stallAfterChunks)
    const hold = reply.hold === undefined ? Infinity : cutIndex(frames, reply.hold.afterChunks)
    for (const [i, f] of frames.entries()) {
      if (i > 0 && reply.delayMs) await sleep(reply.delayMs)
      if (i === hold) await reply.hold!.until
      if (closed) return
      // Silent from here on; the connection is dropped when the client gives up or the fake closes.
      if (i === stall) return
      if (i === stop) {
        cut = true
        // As a provider's connection drops mid-answer: the chunks sent travel first, then the
        // connection goes. Cut in the same instant, newer clients (Node 24.22's fetch) can get
        // the bytes and the close at once and fail the whole response before reading a chunk.
        await sleep(50)
        // end() flushes what was written before the socket goes away, unlike destroy() alone.
        res.socket?.end(() => res.socket?.destroy())
        return
      }
      res.write(f.sse)
    }
    res.end()
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request: RecordedRequest = { path: req.url ?? '', headers: req.headers, body: await readBody(req) }
    const index = requests.push(request) - 1
    if (req.method !== 'POST' || request.path.split('?')[0] !== dialect.path) {
      return sendJson(res, 404, dialect.error(404, `No fake route for ${req.method} ${req.url}`))
    }
    const reply = Array.isArray(script) ? (script[Math.min(index, script.length - 1)] ?? {}) : script(request, index)
    if (reply.hang) return void res.on('close', () => fake.aborted++)
    if (reply.waitMs && !(await waitUnlessClosed(res, reply.waitMs))) return void fake.aborted++
    if (reply.rawStream !== undefined) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }).end(reply.rawStream)
      return
    }
    if (reply.status !== undefined && reply.status !== 200) {
      return sendJson(res, reply.status, dialect.error(reply.status, reply.errorMessage ?? `Fake error ${reply.status}`))
    }
    const ctx: Context = { id: `fake-${index}`, model: String(request.body?.model ?? 'fake'), created: Math.floor(Date.now() / 1000) }
    if (request.body?.stream === true) return stream(res, reply, dialect.stream(reply, ctx))
    const json = JSON.stringify(dialect.complete(reply, ctx))
    if (!reply.malformedChunk && reply.cutAfterChunks === undefined && reply.stallAfterChunks === undefined) return sendJson(res, 200, JSON.parse(json))
    // A whole reply gone wrong: half of it, then invalid JSON, a dropped connection or silence.
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write(json.slice(0, json.length >> 1))
    if (reply.malformedChunk) return void res.end('}{')
    if (reply.cutAfterChunks !== undefined) {
      // As for a stream: the half sent travels before the connection drops (see stream()).
      await sleep(50)
      return void res.socket?.end(() => res.socket?.destroy())
    }
    res.on('close', () => fake.aborted++)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  const fake: FakeProvider = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    aborted: 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
  return fake
}

/** Start a fake OpenAI Chat Completions server (`POST /v1/chat/completions`, streaming and not). */
export function startFakeOpenAI(script: Script): Promise<FakeProvider> {
  return startFake(openai, script)
}

/** Start a fake Anthropic Messages server (`POST /v1/messages`, streaming and not). */
export function startFakeAnthropic(script: Script): Promise<FakeProvider> {
  return startFake(anthropic, script)
}

/** A running fake OpenAI-compatible embeddings server (`POST /v1/embeddings`). */
export type FakeEmbeddings = FakeProvider & {
  /** The texts embedded so far, in the order they arrived (every successful call's inputs). */
  embedded: string[]
  /** The next `count` calls fail with `status` (503, 429…), with `retry-after-ms: 1` so the SDK retries at once. */
  failNext(count: number, status?: number): void
  /** Every call after this waits `ms` before answering (a slow provider). */
  setDelay(ms: number): void
}

/** Words the fake reads as one: a synonym, as a real model would place it near its partner. */
export const FAKE_SYNONYMS: Record<string, string> = {
  automobile: 'car',
  vehicle: 'car',
  cars: 'car',
  refund: 'money',
  refunds: 'money',
  reimbursement: 'money',
  repayment: 'money',
}

/**
 * A deterministic embedding: the hashed bag of the text's words (FAKE_SYNONYMS folded together),
 * normalised, so texts that share words (or synonyms) have a high cosine and others about none.
 */
export function fakeEmbedding(text: string, dimensions = 64): number[] {
  const vector = new Array<number>(dimensions).fill(0)
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const word = FAKE_SYNONYMS[raw] ?? raw
    let hash = 2166136261
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619)
    vector[(hash >>> 0) % dimensions]! += 1
  }
  const length = Math.hypot(...vector) || 1
  return vector.map((value) => value / length)
}

/** Start a fake OpenAI-compatible embeddings server on 127.0.0.1 giving `fakeEmbedding` vectors. */
export async function startFakeEmbeddings({ dimensions = 64 }: { dimensions?: number } = {}): Promise<FakeEmbeddings> {
  const requests: RecordedRequest[] = []
  const embedded: string[] = []
  const failures: number[] = []
  let delayMs = 0
  const server = createServer((req, res) => {
    void (async () => {
      const request: RecordedRequest = { path: req.url ?? '', headers: req.headers, body: await readBody(req) }
      requests.push(request)
      if (req.method !== 'POST' || request.path.split('?')[0] !== '/v1/embeddings') {
        return sendJson(res, 404, { error: { message: `No fake route for ${req.method} ${req.url}`, type: 'invalid_request_error' } })
      }
      if (delayMs > 0 && !(await waitUnlessClosed(res, delayMs))) return
      const failure = failures.shift()
      if (failure !== undefined) {
        res.writeHead(failure, { 'content-type': 'application/json', 'retry-after-ms': '1' })
        return void res.end(JSON.stringify({ error: { message: `Fake error ${failure}`, type: 'server_error' } }))
      }
      const input: string[] = Array.isArray(request.body?.input) ? request.body.input : [String(request.body?.input ?? '')]
      embedded.push(...input)
      sendJson(res, 200, {
        object: 'list',
        model: String(request.body?.model ?? 'fake'),
        data: input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, dimensions) })),
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      })
    })().catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    embedded,
    aborted: 0,
    failNext(count, status = 503) {
      for (let i = 0; i < count; i++) failures.push(status)
    },
    setDelay(ms) {
      delayMs = ms
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
