/** The SSE reader, fed arrays of chunks as a network would cut them. */
import { describe, expect, it } from 'vitest'
import { readSse, type SseMessage } from './sse.ts'

async function read(chunks: (string | Uint8Array)[]): Promise<SseMessage[]> {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
      controller.close()
    },
  })
  const messages: SseMessage[] = []
  for await (const message of readSse(body)) messages.push(message)
  return messages
}

describe('readSse', () => {
  it('reads Porch’s own stream: comments skipped, id and event kept', async () => {
    const text = ': stream open\n\nid: 1\nevent: run_started\ndata: {"a":1}\n\n: ping\n\nid: 2\nevent: text_delta\ndata: {"b":2}\n\n'
    expect(await read([text])).toEqual([
      { id: '1', event: 'run_started', data: '{"a":1}' },
      { id: '2', event: 'text_delta', data: '{"b":2}' },
    ])
  })

  it('gives the same messages however the bytes are cut, even inside a character or a CRLF', async () => {
    const text = 'id: 7\r\ndata: grüße\r\n\r\ndata: line one\r\ndata: line two\r\n\r\n'
    const bytes = new TextEncoder().encode(text)
    const whole = await read([bytes])
    expect(whole).toEqual([
      { id: '7', event: 'message', data: 'grüße' },
      { id: '7', event: 'message', data: 'line one\nline two' },
    ])
    for (let cut = 1; cut < bytes.length; cut++) expect(await read([bytes.slice(0, cut), bytes.slice(cut)])).toEqual(whole)
    expect(await read([...bytes].map((byte) => new Uint8Array([byte])))).toEqual(whole)
  })

  it('takes LF, CR and CRLF line ends, a BOM, fields without a space or a value, and drops an unfinished last message', async () => {
    const messages = await read(['\uFEFFdata:x\r\rdata\nevent:custom\n\n', 'id\ndata: y\n\n', 'data: never finished'])
    expect(messages).toEqual([
      { id: '', event: 'message', data: 'x' },
      { id: '', event: 'custom', data: '' },
      { id: '', event: 'message', data: 'y' },
    ])
  })

  it('closes the connection when the reader stops early', async () => {
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: 1\n\ndata: 2\n\n'))
      },
      cancel() {
        cancelled = true
      },
    })
    for await (const message of readSse(body)) {
      expect(message.data).toBe('1')
      break
    }
    expect(cancelled).toBe(true)
  })
})
