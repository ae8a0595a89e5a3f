/**
 * "A crash never leaves a half-written turn" (design.md, Persistence), tested with a real crash:
 * the host runs as a child process, 50 chats stream from it, and it gets SIGKILL in the middle,
 * 10 times over. After each kill the database must be intact, hold only whole turns, none of
 * them twice, and keep every turn that had completed; the restarted host marks the runs it lost
 * as interrupted. It runs on a SQLite file and on a PostgreSQL database, the same on each.
 */

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectDatabase, type Snapshot, STORES, testDatabase, textOfContent } from './reliability/support.ts'
import { type ChildHost, killAllChildren, startChildHost } from './testing/child-host.ts'
import { eventually, ownerClient, parseSse, readSse } from './testing/harness.ts'

const TOKEN = 'crash-test-admin-token-0123456789abcdef'
const CYCLES = 10
const CHATS = 50
const WARM_SESSIONS = 5

const dir = mkdtempSync(join(tmpdir(), 'porch-crash-'))

afterAll(async () => {
  await killAllChildren()
  rmSync(dir, { recursive: true, force: true })
})

/** A turn that finished (its `complete` event arrived) before any kill. */
type CompletedTurn = { sessionId: string; traceId: string; request: string; answer: string }

/** A chat streaming while the host is killed: what its client saw. */
type LiveChat = { sessionId: string; status: number | null; traceId: string | null; deltas: number; completed: boolean; closed: Promise<void> }

const chatUrl = (host: ChildHost, agentId: string) => `${host.url}/api/v1/published/${agentId}/chat`
const postChat = (host: ChildHost, agentId: string, body: object) =>
  fetch(chatUrl(host, agentId), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

async function completeTurn(host: ChildHost, agentId: string, sessionId: string): Promise<CompletedTurn> {
  const request = `An earlier question in ${sessionId} (${randomUUID()})`
  const response = await postChat(host, agentId, { request, session_id: sessionId })
  expect(response.status).toBe(200)
  const events = (await readSse(response)).map((message) => message.data)
  const started = events.find((event) => event.event_type === 'run_started')
  const complete = events.find((event) => event.event_type === 'complete')
  if (started?.event_type !== 'run_started' || complete?.event_type !== 'complete') throw new Error(`incomplete run: ${JSON.stringify(events)}`)
  expect(complete.success).toBe(true)
  return { sessionId, traceId: started.trace_id, request, answer: complete.answer }
}

/** Opens a chat and follows its stream until the connection breaks, counting what arrives. */
function openChat(host: ChildHost, agentId: string, sessionId: string): LiveChat {
  const chat: LiveChat = { sessionId, status: null, traceId: null, deltas: 0, completed: false, closed: Promise.resolve() }
  // A long request makes a long reply (the demo model quotes it), so the kill lands mid-stream.
  // Every request is unique (the session ids are unique per cycle), so a stored duplicate shows.
  const request = `Keep talking, ${sessionId} (${randomUUID()}): ${'and then some more words '.repeat(20)}`
  chat.closed = (async () => {
    const response = await postChat(host, agentId, { request, session_id: sessionId })
    chat.status = response.status
    if (response.status !== 200) return
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      const end = buffer.lastIndexOf('\n\n')
      if (end === -1) continue
      for (const { data } of parseSse(buffer.slice(0, end + 2))) {
        if (data.event_type === 'run_started') chat.traceId = data.trace_id
        if (data.event_type === 'text_delta') chat.deltas += 1
        if (data.event_type === 'complete') chat.completed = true
      }
      buffer = buffer.slice(end + 2)
    }
  })().catch(() => {
    // The host was killed under this stream: the connection breaks, which is the point.
  })
  return chat
}

function groupBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    groups.set(key, [...(groups.get(key) ?? []), item])
  }
  return groups
}

/**
 * Every stored turn is whole: each session's messages are numbered 1..n, and each trace's
 * messages sit together, start with the visitor's message and end with the agent's answer
 * (the agent has no tools, so a whole turn is exactly user + assistant). A trace that holds
 * messages has finished; one still running (or interrupted) holds none.
 */
function expectOnlyWholeTurns({ integrity, messages, traces }: Snapshot) {
  expect(integrity).toBe('ok')

  const bySession = groupBy(messages, (row) => row.session_pk)
  for (const rows of bySession.values()) {
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1))
  }

  const byTrace = groupBy(messages, (row) => row.trace_id)
  for (const [traceId, rows] of byTrace) {
    const trace = traces.get(traceId)
    expect(trace, `trace ${traceId} of stored messages`).toBeDefined()
    expect(['success', 'cancelled', 'error']).toContain(trace!.status)
    expect(new Set(rows.map((row) => row.session_pk)).size).toBe(1)
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => rows[0]!.seq + index))
    expect(rows.map((row) => row.role)).toEqual(['user', 'assistant'])
    if (trace!.status === 'success') {
      expect(rows.map((row) => row.status)).toEqual(['complete', 'complete'])
      expect(textOfContent(rows[1]!.content)).toMatch(/Demo model/)
    }
  }
  for (const trace of traces.values()) {
    if (trace.status === 'running' || trace.status === 'interrupted') expect(byTrace.has(trace.trace_id), `messages of ${trace.status} trace`).toBe(false)
    if (trace.status === 'success') expect(byTrace.has(trace.trace_id), 'messages of a finished trace').toBe(true)
  }

  // No turn stored twice: every request was sent once, so its text is in one user message at most.
  const requests = messages.filter((row) => row.role === 'user').map((row) => textOfContent(row.content))
  expect(requests.length - new Set(requests).size, 'duplicated turns').toBe(0)
}

function expectCompletedTurnsKept({ messages, traces }: Snapshot, completed: CompletedTurn[]) {
  for (const turn of completed) {
    expect(traces.get(turn.traceId)?.status).toBe('success')
    const rows = messages.filter((row) => row.trace_id === turn.traceId)
    expect(rows.map((row) => [row.session_id, row.role, textOfContent(row.content)])).toEqual([
      [turn.sessionId, 'user', turn.request],
      [turn.sessionId, 'assistant', turn.answer],
    ])
  }
}

describe.each(STORES)('a host killed while chats stream, on %s', (kind) => {
  it(`keeps the database whole and every completed turn, over ${CYCLES} SIGKILL/restart cycles`, async () => {
    const db = await testDatabase(kind, mkdtempSync(join(dir, `${kind}-`)))
    /** Reads the database directly, as a new process would after the crash. */
    const readDatabase = () => inspectDatabase(db)
    const env = { ...db.env, PORCH_ADMIN_TOKEN: TOKEN }
    let host = await startChildHost(env)
    const agent = await ownerClient(host.url, TOKEN).publishedAgent({ name: 'Crash test', model: 'demo' })
    const completed: CompletedTurn[] = []

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const warm = await Promise.all(Array.from({ length: WARM_SESSIONS }, (_, i) => completeTurn(host, agent.id, `cycle${cycle}-warm-${i}`)))
      completed.push(...warm)

      // Distinct sessions: this cycle's warm ones, some from earlier cycles (their last run may
      // have been interrupted), and fresh ones.
      const older = completed.slice(0, -WARM_SESSIONS).map((turn) => turn.sessionId)
      const reused = [...new Set([...warm.map((turn) => turn.sessionId), ...older.slice(-WARM_SESSIONS)])]
      const sessionIds = [...reused, ...Array.from({ length: CHATS - reused.length }, (_, i) => `cycle${cycle}-fresh-${i}`)]
      const chats = sessionIds.map((sessionId) => openChat(host, agent.id, sessionId))

      // Kill once every stream is open and most are a few words into their answer.
      await eventually(
        () => (chats.every((chat) => chat.traceId !== null) && chats.filter((chat) => chat.deltas >= 3).length >= (CHATS * 3) / 4) || undefined,
        60_000,
      )
      const exit = await host.kill('SIGKILL')
      expect(exit.signal).toBe('SIGKILL')
      await Promise.all(chats.map((chat) => chat.closed))
      expect(chats.map((chat) => chat.status)).toEqual(chats.map(() => 200))

      // Straight after the crash, before any host touches the file again.
      const crashed = await readDatabase()
      expectOnlyWholeTurns(crashed)
      expectCompletedTurnsKept(crashed, completed)
      const running = [...crashed.traces.values()].filter((trace) => trace.status === 'running').map((trace) => trace.trace_id)
      // The kill did land mid-run, or this cycle tested nothing.
      expect(running.length).toBeGreaterThan(0)
      for (const chat of chats) {
        const status = crashed.traces.get(chat.traceId!)?.status
        if (chat.completed) expect(status).toBe('success')
        else expect(['running', 'success']).toContain(status)
      }

      host = await startChildHost(env)
      const restarted = await readDatabase()
      expectOnlyWholeTurns(restarted)
      expectCompletedTurnsKept(restarted, completed)
      expect([...restarted.traces.values()].filter((trace) => trace.status === 'running')).toEqual([])
      for (const traceId of running) {
        expect(restarted.traces.get(traceId)).toEqual({
          trace_id: traceId,
          session_id: crashed.traces.get(traceId)!.session_id,
          status: 'interrupted',
          error: 'the host stopped during this run',
        })
      }

      // The restarted host serves the kept history, and a session goes on after the crash.
      const history = await (await fetch(`${host.url}/api/v1/published/${agent.id}/sessions/${warm[0]!.sessionId}`)).json()
      expect(history.messages.slice(0, 2).map((message: { role: string }) => message.role)).toEqual(['user', 'assistant'])
      expect(history.messages[1].content).toEqual([{ type: 'text', text: warm[0]!.answer }])
    }

    const after = await completeTurn(host, agent.id, 'after-the-crashes')
    expectCompletedTurnsKept(await readDatabase(), [...completed, after])
    const exit = await host.kill('SIGTERM')
    expect(exit.code).toBe(0)
  }, 300_000)
})
