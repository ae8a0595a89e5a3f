/** runToSse on the in-process path (no Node response): headers, framing, replay, end, ping and detach. */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { StreamEvent } from '../../shared/index.ts'
import { Run } from '../runtime/runs/runs.ts'
import { porchEvents, runToSse, SSE_HEADERS, type SseFormat, type SseOptions } from './sse.ts'

const delta = (text: string): StreamEvent => ({ event_type: 'text_delta', turn: 1, text })
const HOUR = 3_600_000

function serve(run: Run, options: SseOptions = { heartbeatMs: HOUR }, format?: SseFormat, afterId = 0) {
  const app = new Hono()
  app.get('/stream', (c) => {
    c.header('Access-Control-Allow-Origin', 'https://shop.example')
    return runToSse(c, run, afterId, options, format)
  })
  return app.request('/stream')
}

/** Reads the stream until `until` is in it (or it ends), then lets go of it. */
async function readUntil(response: Response, until?: string): Promise<string> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text
    text += decoder.decode(value, { stream: true })
    if (until !== undefined && text.includes(until)) {
      await reader.cancel()
      return text
    }
  }
}

describe('porchEvents', () => {
  it('frames an event with its number, type and JSON data', () => {
    const event = delta('line one\nline two')
    expect(porchEvents.event({ id: 7, event })).toBe(`id: 7\nevent: text_delta\ndata: ${JSON.stringify(event)}\n\n`)
    expect(porchEvents.event({ id: 7, event }).split('\n')).toHaveLength(5) // a newline in the text stays escaped in the data line
    expect(porchEvents.end()).toBe('')
  })
})

describe('runToSse', () => {
  it('answers with the SSE headers, extra headers and those already set on the context', async () => {
    const run = new Run('f', 0)
    run.end()
    const response = await serve(run, { heartbeatMs: HOUR, headers: { 'X-Porch-Session': 's1' } })
    expect(response.status).toBe(200)
    for (const [name, value] of Object.entries(SSE_HEADERS)) expect(response.headers.get(name)).toBe(value)
    expect(response.headers.get('x-porch-session')).toBe('s1')
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example')
  })

  it('opens with a comment, replays the events after afterId, follows live ones and closes when the run ends', async () => {
    const run = new Run('f', 0)
    run.push(delta('a'))
    run.push(delta('b'))
    const response = await serve(run, undefined, undefined, 1)
    run.push(delta('c'))
    setImmediate(() => run.end())
    const text = await readUntil(response)
    expect(text).toBe(': stream open\n\n' + porchEvents.event({ id: 2, event: delta('b') }) + porchEvents.event({ id: 3, event: delta('c') }))
  })

  it("sends the format's own frames and its closing text", async () => {
    const run = new Run('f', 0)
    run.push(delta('hi'))
    run.end()
    const format: SseFormat = { event: ({ event }) => (event.event_type === 'text_delta' ? `data: ${event.text}\n\n` : ''), end: () => 'data: [DONE]\n\n' }
    expect(await readUntil(await serve(run, undefined, format))).toBe(': stream open\n\ndata: hi\n\ndata: [DONE]\n\n')
  })

  it('sends a ping comment every heartbeat while the run is quiet', async () => {
    const run = new Run('f', 0)
    const text = await readUntil(await serve(run, { heartbeatMs: 1 }), ': ping\n\n')
    expect(text.startsWith(': stream open\n\n')).toBe(true)
    run.end()
  })

  it('detaches from the run when the client goes away (a run with no grace is cancelled)', async () => {
    const run = new Run('f', 0)
    await readUntil(await serve(run), ': stream open')
    expect(run.signal.aborted).toBe(true)
    expect(run.ended).toBe(false)
  })
})
