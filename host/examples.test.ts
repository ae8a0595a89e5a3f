/** The examples in examples/ run against a real host, as a reader would run them. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { chat } from '../examples/node-client.ts'
import { parseSse, startTestHost, type TestHost } from './testing/harness.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

it('node-client streams an answer and keeps the session', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
  let streamed = ''
  const first = await chat(host.url, agent.id, 'What time is it?', { onText: (text) => (streamed += text) })
  expect(first.answer).toContain('The `current_time` tool answered')
  expect(streamed).toContain('Let me check the clock.')
  const second = await chat(host.url, agent.id, 'And now?', { sessionId: first.sessionId })
  expect(second.sessionId).toBe(first.sessionId)
  expect(second.answer).toContain('**1** earlier question')
})

it('curl.sh picks the endpoint that matches the agent’s mode', async () => {
  const streaming = await host.owner.publishedAgent({ model: 'demo:instant' })
  const sync = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  const script = fileURLToPath(new URL('../examples/curl.sh', import.meta.url))
  const run = (agentId: string) => promisify(execFile)('bash', [script, 'Hi from curl'], { env: { ...process.env, PORCH_URL: host.url, PORCH_AGENT: agentId } })

  const streamed = parseSse((await run(streaming.id)).stdout)
  expect(streamed.at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })
  const reply = JSON.parse((await run(sync.id)).stdout)
  expect(reply).toMatchObject({ success: true })
  expect(reply.answer).toContain('> Hi from curl')
})

it('reports a busy examples port instead of crashing the host', async () => {
  const { createServer } = await import('node:net')
  const { startExamplesServer } = await import('./examples-server.ts')
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  const port = (busy.address() as { port: number }).port
  try {
    await expect(startExamplesServer({ port, hostname: '127.0.0.1', porchUrl: host.url, agentId: 'x', assets: host.assets })).rejects.toThrow(/EADDRINUSE/)
  } finally {
    busy.close()
  }
})
