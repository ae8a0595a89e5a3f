/**
 * A Node client for a streaming Porch agent, with no dependencies beyond fetch: it prints the
 * answer as it streams, and if the connection drops it re-POSTs the same message with the same
 * request_id and a Last-Event-ID header, so it picks up where it left off instead of asking twice.
 *
 *   npx tsx examples/node-client.ts http://localhost:8787 <agent id> "What time is it?"
 */
import { randomUUID } from 'node:crypto'

type StreamEvent = { event_type: string; [field: string]: unknown }

export async function chat(base: string, agentId: string, request: string, options: { sessionId?: string; onText?: (text: string) => void } = {}) {
  const body = JSON.stringify({ request, session_id: options.sessionId, request_id: randomUUID() })
  let lastEventId = 0
  let answer = ''
  let sessionId = options.sessionId
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const response = await fetch(`${base}/api/v1/published/${agentId}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(lastEventId > 0 && { 'last-event-id': String(lastEventId) }) },
        body,
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.json()).error?.message}`)
      for await (const { id, event } of sseEvents(response.body!)) {
        lastEventId = id
        if (event.event_type === 'run_started') sessionId = String(event.session_id)
        if (event.event_type === 'text_delta') options.onText?.(String(event.text))
        if (event.event_type === 'complete') answer = String(event.answer)
        if (event.event_type === 'trace_saved') return { answer, sessionId }
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('HTTP ')) throw error
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt)) // the network dropped: resume
    }
  }
  throw new Error('the stream kept dropping')
}

async function* sseEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<{ id: number; event: StreamEvent }> {
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = stream.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const id = /^id: (\d+)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (id && data) yield { id: Number(id), event: JSON.parse(data) }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [base = 'http://localhost:8787', agentId, message = 'Hello!'] = process.argv.slice(2)
  if (!agentId) {
    console.error('usage: npx tsx examples/node-client.ts <host url> <agent id> [message]')
    process.exit(2)
  }
  await chat(base, agentId, message, { onText: (text) => process.stdout.write(text) })
  process.stdout.write('\n')
}
