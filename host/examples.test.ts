/** The examples in examples/ run against a real host, as a reader would run them. */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { chat } from '../examples/node-client.ts'
import { ADMIN_TOKEN, parseSse, startTestHost, type TestHost } from './testing/harness.ts'

const repo = fileURLToPath(new URL('..', import.meta.url))

/**
 * Runs the commands an example's header prints (its `export …`, `npx tsx examples/…` and
 * `python3 examples/…` lines), in bash from the repository root, with the variables of the
 * `export` line `npm start` prints.
 */
async function runAsPrinted(example: string, env: Record<string, string>) {
  const header = readFileSync(`${repo}/examples/${example}`, 'utf8').split('\n').slice(0, 20)
  const commands = header.map((line) => line.replace(/^\s*\*?\s*/, '')).filter((line) => /^(export PORCH_|npx tsx examples\/|python3 examples\/)/.test(line))
  expect(commands.at(-1)).toContain(`examples/${example}`)
  const script = ['set -euo pipefail', ...commands].join('\n')
  return promisify(execFile)('bash', ['-c', script], { cwd: repo, env: { ...process.env, PORCH_URL: host.url, PORCH_TOKEN: ADMIN_TOKEN, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  )
}

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

it('openai-sdk.ts: a chat key, one reply, then a streamed one in the same conversation', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
  const run = await runAsPrinted('openai-sdk.ts', { PORCH_AGENT: agent.id })
  expect(run.stderr).toBe('')
  const [whole, streamed] = run.stdout.split('\n---\n')
  expect(whole).toContain('> What time is it?')
  expect(whole).toContain('**0** earlier questions')
  // The streamed reply continued the session the first one started.
  expect(streamed).toContain('> Thanks! And what did I ask before?')
  expect(streamed).toContain('**1** earlier question')
  expect(run.code).toBe(0)
}, 60_000)

it('typed-client.ts: streams typed events, reads the versions as the owner, and names a refusal by its code', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
  const run = await runAsPrinted('typed-client.ts', { PORCH_AGENT: agent.id })
  expect(run.stdout).toMatch(/^# Test agent\nLet me check the clock\.\n\[tool current_time\]\n/)
  expect(run.stdout).toContain('The `current_time` tool answered')
  expect(run.stdout).toContain('1 published version(s); visitors get v1 (demo:instant)')
  expect(run.code).toBe(0)

  const missing = await runAsPrinted('typed-client.ts', { PORCH_AGENT: crypto.randomUUID() })
  expect(missing.code).toBe(1)
  expect(missing.stderr).toMatch(/^404 not_found: /)
}, 60_000)

it('python-client.py: streams with the standard library, tool calls and sessions included, and answers a sync agent', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
  const session = `py-${crypto.randomUUID()}`
  const first = await runAsPrinted('python-client.py', { PORCH_AGENT: agent.id, PORCH_SESSION: session })
  expect(first.stdout).toMatch(/^Let me check the clock\.\n\[tool current_time\]\n/)
  expect(first.stdout).toContain('The `current_time` tool answered')
  expect(first.code).toBe(0)
  const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/${session}`)).json()
  expect(history.messages[0].content[0].text).toBe('What time is it?')

  const sync = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  const reply = await runAsPrinted('python-client.py', { PORCH_AGENT: sync.id })
  expect(reply.stdout).toContain('> What time is it?')

  const unknown = await runAsPrinted('python-client.py', { PORCH_AGENT: crypto.randomUUID() })
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toMatch(/^404 not_found: /)
}, 60_000)

it('python-client.py resumes a stream whose connection dropped, without repeating or losing a word', async () => {
  const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
  // A proxy that cuts the first chat stream right after its first text delta, as a network would.
  const chats: (string | undefined)[] = []
  const proxy = createServer((incoming, outgoing) => {
    const target = new URL(host.url)
    const forward = request({ host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      const isChat = incoming.method === 'POST' && incoming.url?.endsWith('/chat')
      if (isChat) chats.push(incoming.headers['last-event-id'] as string | undefined)
      let held = Buffer.alloc(0)
      let cutOff = false
      answer.on('data', (chunk: Buffer) => {
        if (!(isChat && chats.length === 1)) return void outgoing.write(chunk)
        if (cutOff) return
        held = Buffer.concat([held, chunk])
        const delta = held.indexOf('event: text_delta')
        const cut = delta === -1 ? -1 : held.indexOf('\n\n', delta)
        if (cut === -1) return
        // Everything up to the first text delta reaches the client; then the connection is gone, mid-answer.
        cutOff = true
        answer.destroy()
        outgoing.write(held.subarray(0, cut + 2), () => outgoing.socket?.destroy())
      })
      answer.on('end', () => outgoing.end())
    })
    incoming.pipe(forward)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  try {
    const session = `py-${crypto.randomUUID()}`
    const run = await runAsPrinted('python-client.py', {
      PORCH_AGENT: agent.id,
      PORCH_SESSION: session,
      PORCH_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    })
    expect(run.code).toBe(0)
    expect(chats).toHaveLength(2)
    expect(Number(chats[1])).toBeGreaterThan(0)
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/${session}`)).json()
    expect(history.messages).toHaveLength(2)
    expect(run.stdout).toBe(`${history.messages[1].content[0].text}\n`)
  } finally {
    proxy.closeAllConnections()
    await new Promise((resolve) => proxy.close(resolve))
  }
}, 60_000)
