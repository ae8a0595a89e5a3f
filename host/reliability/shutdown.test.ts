/**
 * Graceful shutdown, with a real signal to a real host process: SIGTERM stops accepting, lets
 * running chats finish within PORCH_SHUTDOWN_GRACE_SECONDS, then cancels what is left and
 * stores it as cancelled. Every request gets an answer: streams end with `complete`, sync
 * chats with their reply, and a request that arrives during the shutdown gets a 503 with
 * Retry-After (or finds nothing listening), never a hang.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChildHost, killAllChildren, startChildHost } from '../testing/child-host.ts'
import { type FakeProvider, startFakeOpenAI } from '../testing/fake-providers.ts'
import { eventually, ownerClient } from '../testing/harness.ts'
import { followChat, inspectDatabase, type LiveChat, probe, rawExchange, textOfContent } from './support.ts'

const TOKEN = 'shutdown-test-admin-token-0123456789'
const STREAMS = 10
const SYNCS = 3
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `)

let fake: FakeProvider
const dirs: string[] = []

beforeAll(async () => {
  // The message says how long the fake takes: "short" answers in ~2 s, "long" in ~20 s.
  fake = await startFakeOpenAI((request) => {
    const said = JSON.stringify(request.body?.messages ?? '')
    if (request.body?.stream !== true) return { text: ['A whole reply.'], waitMs: said.includes('long') ? 20_000 : 1_500 }
    return said.includes('long') ? { text: words(200), delayMs: 100 } : { text: words(20), delayMs: 100 }
  })
})

afterAll(async () => {
  await killAllChildren()
  await fake?.close()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function hostWithAgents(graceSeconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'porch-shutdown-'))
  dirs.push(dir)
  const dbPath = join(dir, 'porch.db')
  const host = await startChildHost({
    PORCH_DB: dbPath,
    PORCH_ADMIN_TOKEN: TOKEN,
    PORCH_EXAMPLES_PORT: 'off',
    PORCH_SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test',
  })
  const owner = ownerClient(host.url, TOKEN)
  const streaming = await owner.publishedAgent({ name: 'Streams', model: 'openai:gpt-test' })
  const sync = await owner.publishedAgent({ name: 'Replies', model: 'openai:gpt-test' }, { api_response_mode: 'non_streaming' })
  return { host, dbPath, streaming, sync }
}

const chatUrl = (host: ChildHost, agentId: string) => `${host.url}/api/v1/published/${agentId}/chat`
const postSync = (host: ChildHost, agentId: string, request: string, sessionId: string) =>
  fetch(`${chatUrl(host, agentId)}/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request, session_id: sessionId }),
  }).then(async (response) => ({ status: response.status, body: await response.json() }))

/** Probes with fresh connections until the host stops answering 200: what a new visitor meets. */
async function firstRefusal(host: ChildHost) {
  return eventually(async () => {
    const seen = await probe(`${host.url}/health`)
    return seen !== 'refused' && seen.status === 200 ? undefined : seen
  }, 20_000)
}

async function expectStoredAs(dbPath: string, chats: LiveChat[], status: 'success' | 'cancelled') {
  const { integrity, messages, traces } = await inspectDatabase(dbPath)
  expect(integrity).toBe('ok')
  for (const chat of chats) {
    const traceId = chat.last('run_started')!.trace_id
    expect(traces.get(traceId)?.status).toBe(status)
    const rows = messages.filter((row) => row.trace_id === traceId)
    expect(rows.map((row) => [row.role, row.status])).toEqual([
      ['user', status === 'success' ? 'complete' : 'cancelled'],
      ['assistant', status === 'success' ? 'complete' : 'cancelled'],
    ])
    // What the visitor saw is what was kept.
    expect(textOfContent(rows[1]!.content)).toBe(chat.text())
  }
}

describe('SIGTERM', () => {
  it('lets running chats finish within the grace period and answers newcomers 503 with Retry-After', async () => {
    const { host, dbPath, streaming, sync } = await hostWithAgents(60)
    const chats = Array.from({ length: STREAMS }, (_, i) => followChat(chatUrl(host, streaming.id), { request: `short answer ${i}`, session_id: `short-${i}` }))
    const requestsBefore = fake.requests.length
    const replies = Array.from({ length: SYNCS }, (_, i) => postSync(host, sync.id, `short reply ${i}`, `sync-${i}`))
    // A chat whose body is still on its way when the signal comes: headers now, the body later.
    const body = JSON.stringify({ request: 'late body', session_id: 'late' })
    const late = await rawExchange(
      host.url,
      `POST /api/v1/published/${streaming.id}/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    )
    await eventually(() => (chats.every((chat) => chat.text() !== '') && fake.requests.length - requestsBefore >= STREAMS + SYNCS) || undefined, 20_000)
    expect(chats.filter((chat) => chat.last('complete'))).toEqual([])

    host.child.kill('SIGTERM')
    const refusal = await firstRefusal(host)
    if (refusal !== 'refused') expect(refusal).toEqual({ status: 503, retryAfter: '5' })
    late.write(body.slice(10))
    const lateResponse = await late.response
    expect(lateResponse).toMatch(/^HTTP\/1\.1 503 /)
    expect(lateResponse).toMatch(/\r\nretry-after: 5\r\n/i)
    expect(lateResponse).toContain('"code":"shutting_down"')

    await Promise.all(chats.map((chat) => chat.closed))
    for (const chat of chats) {
      expect(chat.broken).toBe(false)
      expect(chat.last('complete')).toMatchObject({ success: true, answer: words(20).join('') })
      expect(chat.events.at(-1)?.event_type).toBe('trace_saved')
    }
    for (const reply of await Promise.all(replies)) expect(reply).toMatchObject({ status: 200, body: { success: true, answer: 'A whole reply.' } })
    const exit = await host.exited
    expect(exit.code).toBe(0)
    expect(exit.stderr).toContain('SIGTERM: finishing running chats (up to 60 s')
    await expectStoredAs(dbPath, chats, 'success')
  }, 120_000)

  it('cancels chats still running when the grace period ends, ends their streams with complete and stores them as cancelled', async () => {
    const { host, dbPath, streaming, sync } = await hostWithAgents(1)
    const chats = Array.from({ length: STREAMS }, (_, i) => followChat(chatUrl(host, streaming.id), { request: `long answer ${i}`, session_id: `long-${i}` }))
    const requestsBefore = fake.requests.length
    const replies = Array.from({ length: SYNCS }, (_, i) => postSync(host, sync.id, `long reply ${i}`, `sync-${i}`))
    await eventually(() => (chats.every((chat) => chat.text() !== '') && fake.requests.length - requestsBefore >= STREAMS + SYNCS) || undefined, 20_000)
    const abortedBefore = fake.aborted

    host.child.kill('SIGTERM')
    await Promise.all(chats.map((chat) => chat.closed))
    for (const chat of chats) {
      expect(chat.broken).toBe(false)
      expect(chat.last('error')).toMatchObject({ code: 'cancelled' })
      const complete = chat.last('complete')
      expect(complete).toMatchObject({ success: false, answer: chat.text() })
      expect(complete!.answer.length).toBeLessThan(words(200).join('').length)
    }
    for (const reply of await Promise.all(replies)) expect(reply).toMatchObject({ status: 200, body: { success: false, answer: '' } })
    const exit = await host.exited
    expect(exit.code).toBe(0)
    await expectStoredAs(dbPath, chats, 'cancelled')
    // The provider calls were given up, not left running.
    expect(fake.aborted - abortedBefore).toBe(STREAMS + SYNCS)
  }, 120_000)
})
