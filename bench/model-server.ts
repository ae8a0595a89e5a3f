/**
 * A stand-in model provider for benchmarks: an OpenAI-compatible `/v1/chat/completions` on
 * 127.0.0.1 whose answers cost it next to nothing, so what is measured is whoever calls it.
 * The last user message steers it: `tokens=N` (answer length), `pace=K` (stream K tokens per
 * millisecond tick instead of all at once), `gap=MS` (one token every MS milliseconds, as a
 * real model's pace), `hold` (send one token, then keep the stream open
 * until the client leaves), `think=MS` (send the headers at once, as real providers do, and the
 * answer MS milliseconds later).
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

export type ModelServer = {
  url: string
  baseURL: string
  open(): number
  /** Bytes of the last request's body: what the caller sent the model (its prompt, grown or not). */
  lastRequestBytes(): number
  close(): Promise<void>
}

const WORDS = [
  'the',
  'host',
  'streams',
  'tokens',
  'to',
  'a',
  'widget',
  'that',
  'renders',
  'markdown',
  'as',
  'it',
  'arrives',
  'without',
  'redrawing',
  'earlier',
  'text',
]

/** A markdown answer of exactly `count` tokens: paragraphs, emphasis, lists, code blocks. */
export function answerTokens(count: number): string[] {
  const tokens: string[] = []
  for (let i = 0; tokens.length < count; i++) {
    const word = WORDS[i % WORDS.length]!
    if (i % 200 === 150) tokens.push('\n\n```js\n', 'const x = 1\n', '```\n\n')
    else if (i % 60 === 59) tokens.push(`${word}.\n\n`)
    else if (i % 60 === 40) tokens.push('\n- ', `${word} `)
    else if (i % 13 === 7) tokens.push(`**${word}** `)
    else if (i % 17 === 3) tokens.push(`\`${word}\` `)
    else tokens.push(`${word} `)
  }
  return tokens.slice(0, count)
}

type Steering = { tokens: number; pace: number; gap: number; hold: boolean; think: number }

function steer(body: { messages?: { role: string; content: unknown }[] }, defaults: Steering): Steering {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')
  const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '')
  const number = (name: string, fallback: number) => Number(new RegExp(`${name}=(\\d+)`).exec(text)?.[1] ?? fallback)
  return {
    tokens: number('tokens', defaults.tokens),
    pace: number('pace', defaults.pace),
    gap: number('gap', defaults.gap),
    hold: /\bhold\b/.test(text) || defaults.hold,
    think: number('think', defaults.think),
  }
}

export async function startModelServer(defaults: Partial<Steering> = {}): Promise<ModelServer> {
  const base: Steering = { tokens: 20, pace: 0, gap: 0, hold: false, think: 0, ...defaults }
  let open = 0
  let lastRequestBytes = 0
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/open') {
      response.end(String(open))
      return
    }
    let raw = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (raw += chunk))
    request.on('end', () => {
      lastRequestBytes = Buffer.byteLength(raw)
      const body = JSON.parse(raw || '{}')
      const plan = steer(body, base)
      const tokens = answerTokens(plan.hold ? 1 : plan.tokens)
      if (!body.stream) {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(completion(tokens.join(''))))
        return
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      open++
      response.on('close', () => open--)
      if (plan.hold) {
        response.write(tokens.map(chunk).join(''))
        return // the client ends it
      }
      if (plan.think > 0) {
        response.flushHeaders()
        setTimeout(() => response.end(tokens.map(chunk).join('') + FINISH), plan.think)
        return
      }
      if (plan.pace === 0 && plan.gap === 0) {
        response.end(tokens.map(chunk).join('') + FINISH)
        return
      }
      paced(response, tokens, plan.pace || 1, plan.gap || 1)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    baseURL: `${url}/v1`,
    open: () => open,
    lastRequestBytes: () => lastRequestBytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function paced(response: ServerResponse, tokens: string[], perTick: number, tickMs: number) {
  let next = 0
  const tick = () => {
    if (response.destroyed) return
    response.write(
      tokens
        .slice(next, next + perTick)
        .map(chunk)
        .join(''),
    )
    next += perTick
    if (next < tokens.length) setTimeout(tick, tickMs)
    else response.end(FINISH)
  }
  tick()
}

const created = Math.floor(Date.now() / 1000)
const frame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`
const chunk = (content: string) =>
  frame({ id: 'bench', object: 'chat.completion.chunk', created, model: 'bench', choices: [{ index: 0, delta: { content }, finish_reason: null }] })
const FINISH =
  frame({ id: 'bench', object: 'chat.completion.chunk', created, model: 'bench', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
  frame({
    id: 'bench',
    object: 'chat.completion.chunk',
    created,
    model: 'bench',
    choices: [],
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
  }) +
  'data: [DONE]\n\n'

function completion(text: string) {
  return {
    id: 'bench',
    object: 'chat.completion',
    created,
    model: 'bench',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
  }
}

// As its own process (bench/floor-process.ts), for benchmarks that need this process's open
// files for their clients: `tsx bench/model-server.ts '{"hold":true}'`; `GET /open` counts its open streams.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startModelServer(JSON.parse(process.argv[2] ?? '{}'))
  console.log(`listening on ${server.url}`)
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)))
}
