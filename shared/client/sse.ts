/**
 * A Server-Sent Events reader for any fetch body (Node ≥ 20, browsers, workers), after the
 * WHATWG parsing rules: lines end in CRLF, LF or CR; `data:` lines join with newlines; `id:`
 * carries over to later messages; comments (`: ping`) and blank data are skipped.
 * @microsoft/fetch-event-source, which the widget uses, reads `window` and `document`, so it
 * cannot run in Node; this is the part of it the client needs.
 */

export type SseMessage = { id: string; event: string; data: string }

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  let lastId = ''
  let event = ''
  let data: string[] = []
  let first = true
  try {
    for (;;) {
      const { value, done } = await reader.read()
      buffer += done ? decoder.decode() + '\n' : decoder.decode(value, { stream: true })
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1)
        first = false
      }
      let start = 0
      for (;;) {
        const end = lineEnd(buffer, start)
        // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
        if (end === -1 || (buffer[end] === '\r' && end === buffer.length - 1 && !done)) break
        const line = buffer.slice(start, end)
        start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1)
        if (line === '') {
          if (data.length > 0) yield { id: lastId, event: event || 'message', data: data.join('\n') }
          event = ''
          data = []
          continue
        }
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        let fieldValue = colon === -1 ? '' : line.slice(colon + 1)
        if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1)
        if (field === 'data') data.push(fieldValue)
        else if (field === 'event') event = fieldValue
        else if (field === 'id' && !fieldValue.includes('\0')) lastId = fieldValue
      }
      buffer = buffer.slice(start)
      if (done) return
    }
  } finally {
    // A reader that stops early (a `break` in for-await) closes the connection too.
    await reader.cancel().catch(() => {})
  }
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 10 || code === 13) return i
  }
  return -1
}
