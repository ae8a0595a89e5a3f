/**
 * The session export over real HTTP, on each store: what it holds (the transcripts, exactly),
 * the session list's filters, CSV that spreadsheet apps open as data, bad input, and 100,000
 * sessions read a bounded page at a time, only as fast as the client reads.
 */
import { mkdtempSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createAdaptorServer } from '@hono/node-server'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_EXPORT_CSV_COLUMNS } from '../../../shared/console.ts'
import { STORES } from '../../reliability/support.ts'
import type { Store } from '../../store/store.ts'
import { ADMIN_TOKEN, readSse, startTestHost, type TestHost } from '../../testing/harness.ts'
import { createTestDatabase } from '../../testing/postgres.ts'
import { EXPORT_PAGE_SESSIONS } from './session-export.ts'

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
const FORMULA = '=HYPERLINK("http://evil.example","click")'
const AWKWARD = 'a "quoted", comma\nand a second line'

describe.each(STORES)('session export, on %s', (kind) => {
  let host: TestHost
  let databaseUrl: string | null = null
  beforeAll(async () => {
    databaseUrl = kind === 'postgres' ? await createTestDatabase() : null
    host = await startTestHost(databaseUrl ? { PORCH_DATABASE_URL: databaseUrl } : {})
  })
  afterAll(async () => {
    await host?.stop()
  })

  const exportOf = (agentId: string, query = '') => fetch(`${host.url}/api/v1/agents/${agentId}/export/sessions${query ? `?${query}` : ''}`, { headers: auth })
  const jsonl = async (agentId: string, query = 'format=jsonl') => {
    const response = await exportOf(agentId, query)
    expect(response.status).toBe(200)
    return (await response.text())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
  }
  const ids = (rows: { session_id: string }[]) => rows.map((row) => row.session_id)

  describe('a few sessions', () => {
    let agentId: string
    let linkId: string
    let linkToken: string
    let afterFirst: string
    beforeAll(async () => {
      const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
      agentId = agent.id
      const link = (await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'export' })).body
      linkId = link.id
      linkToken = link.token
      await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: 'What time is it?', session_id: 'pub-1' }))
      afterFirst = new Date().toISOString()
      await new Promise((resolve) => setTimeout(resolve, 5))
      await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: FORMULA, session_id: 'pub-2' }))
      await readSse(await host.post(`/api/v1/links/${link.token}/chat`, { request: AWKWARD, session_id: 'lnk-1' }))
      await readSse(
        await fetch(`${host.url}/api/v1/agents/${agentId}/try`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ request: 'trying', session_id: 'try-1' }),
        }),
      )
    })

    it('writes each session as one JSON line: its transcript exactly, newest first, try-it left out', async () => {
      const response = await exportOf(agentId)
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
      expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="sessions-${agentId}-\\d{4}-\\d{2}-\\d{2}\\.jsonl"$`))
      const lines = (await response.text()).split('\n')
      expect(lines.at(-1)).toBe('')
      const sessions = lines.slice(0, -1).map((line) => JSON.parse(line))
      const listed = (await host.owner.call('GET', `/agents/${agentId}/sessions`)).body.sessions
      expect(ids(sessions)).toEqual(['lnk-1', 'pub-2', 'pub-1'])
      expect(ids(sessions)).toEqual(ids(listed))
      for (const session of sessions) {
        // The export is the stored history: the live takeover state stays out of it.
        const { context_summaries, takeover, last_event_id, ...transcript } = (
          await host.owner.call('GET', `/agents/${agentId}/sessions/${session.session_id}?scope=${session.scope}`)
        ).body
        expect(session).toEqual(transcript)
      }
      const timed = sessions.find((s) => s.session_id === 'pub-1')
      expect(timed.messages.flatMap((m: { content: { type: string }[] }) => m.content.map((b) => b.type))).toContain('tool_use')
      expect(timed.traces).toHaveLength(1)
      expect(timed.traces[0]).toMatchObject({ status: 'success', session_id: 'pub-1', scope: 'public' })
    })

    it('takes the session list’s filters: scope, link_id, from, to', async () => {
      expect(ids(await jsonl(agentId, 'scope=public'))).toEqual(['pub-2', 'pub-1'])
      expect(ids(await jsonl(agentId, `link_id=${linkId}`))).toEqual(['lnk-1'])
      expect(ids(await jsonl(agentId, 'scope=try'))).toEqual(['try-1'])
      expect(ids(await jsonl(agentId, `from=${afterFirst}`))).toEqual(['lnk-1', 'pub-2'])
      expect(ids(await jsonl(agentId, `to=${afterFirst}&format=jsonl`))).toEqual(['pub-1'])
      expect(await jsonl(agentId, 'from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).toEqual([])
    })

    it('writes CSV a spreadsheet opens as data: a row per message, quoted where needed, no formulas', async () => {
      const response = await exportOf(agentId, 'format=csv')
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="sessions-.*\.csv"$/)
      const bytes = Buffer.from(await response.arrayBuffer())
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      const body = bytes.toString('utf8')
      expect(body.split('\r\n')[0]).toBe(`\ufeff${SESSION_EXPORT_CSV_COLUMNS.join(',')}`)
      const rows: Record<string, string>[] = parse(body, { bom: true, columns: true })
      const sessions = await jsonl(agentId)
      expect(rows).toHaveLength(sessions.reduce((sum, s) => sum + s.messages.length, 0))
      expect(rows.map((r) => [r.session_id, r.seq])).toEqual(sessions.flatMap((s) => s.messages.map((m: { seq: number }) => [s.session_id, String(m.seq)])))

      const [formula] = rows.filter((r) => r.session_id === 'pub-2' && r.seq === '1')
      expect(formula!.text).toBe(`'${FORMULA}`)
      expect(JSON.parse(formula!.content_json!)).toEqual([{ type: 'text', text: FORMULA }])
      // No cell starts a formula, whatever the visitor wrote.
      for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/)
      expect(body).toContain(`"'${FORMULA.replaceAll('"', '""')}"`)

      const [awkward] = rows.filter((r) => r.session_id === 'lnk-1' && r.seq === '1')
      expect(awkward).toMatchObject({ text: AWKWARD, scope: `link:${linkId}`, link_id: linkId, role: 'user', status: 'complete' })
      const pub1 = sessions.find((s) => s.session_id === 'pub-1')
      const [answer] = rows.filter((r) => r.session_id === 'pub-1' && r.role === 'assistant').slice(-1)
      expect(answer).toMatchObject({ trace_id: pub1.traces[0].trace_id, trace_status: 'success', version: '1', agent_id: agentId })
    })

    it('carries each answer’s feedback (JSONL as the transcript has it, CSV in two columns) and takes the feedback filter', async () => {
      const rate = (base: string, session: string, body: object) =>
        fetch(`${host.url}${base}/sessions/${session}/messages/2/feedback`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      expect((await rate(`/api/v1/published/${agentId}`, 'pub-2', { rating: 'down', comment: 'too short, "really"' })).status).toBe(200)
      expect((await rate(`/api/v1/links/${linkToken}`, 'lnk-1', { rating: 'up' })).status).toBe(200)

      expect(ids(await jsonl(agentId, 'feedback=down'))).toEqual(['pub-2'])
      expect(ids(await jsonl(agentId, 'feedback=up'))).toEqual(['lnk-1'])
      expect(ids(await jsonl(agentId, 'feedback=any'))).toEqual(['lnk-1', 'pub-2'])
      expect(ids(await jsonl(agentId, 'feedback=any&scope=public'))).toEqual(['pub-2'])

      const [rated] = await jsonl(agentId, 'feedback=down')
      const transcript = (await host.owner.call('GET', `/agents/${agentId}/sessions/pub-2?scope=public`)).body
      expect(rated.messages).toEqual(transcript.messages)
      expect(rated.messages[1].feedback).toMatchObject({ rating: 'down', comment: 'too short, "really"' })
      expect(rated.messages[0].feedback).toBeUndefined()

      const rows: Record<string, string>[] = parse(await (await exportOf(agentId, 'format=csv&feedback=any')).text(), { bom: true, columns: true })
      expect(rows.map((r) => [r.session_id, r.seq, r.feedback_rating, r.feedback_comment])).toEqual([
        ['lnk-1', '1', '', ''],
        ['lnk-1', '2', 'up', ''],
        ['pub-2', '1', '', ''],
        ['pub-2', '2', 'down', 'too short, "really"'],
      ])
    })

    it('answers bad input with a 400 (and an unknown agent with a 404, no token with a 401)', async () => {
      for (const query of ['format=xml', 'scope=everything', 'link_id=nope', 'from=yesterday', `scope=public&link_id=${linkId}`, 'feedback=sideways']) {
        const response = await exportOf(agentId, query)
        expect(response.status, query).toBe(400)
        expect((await response.json()).error.code).toBe('invalid_request')
      }
      expect((await exportOf('00000000-0000-4000-8000-000000000000')).status).toBe(404)
      expect((await fetch(`${host.url}/api/v1/agents/${agentId}/export/sessions`)).status).toBe(401)
      // A session named "export" is still a session: its transcript is not the export.
      expect((await host.owner.call('GET', `/agents/${agentId}/sessions/export`)).status).toBe(404)
    })

    it('writes only its header for an agent without sessions', async () => {
      const empty = (await host.owner.createAgent({ name: 'Quiet' })).id
      expect(await (await exportOf(empty)).text()).toBe('')
      // (Response.text() would drop the byte-order mark: read the bytes.)
      const csv = Buffer.from(await (await exportOf(empty, 'format=csv')).arrayBuffer()).toString('utf8')
      expect(csv).toBe(`\ufeff${SESSION_EXPORT_CSV_COLUMNS.join(',')}\r\n`)
    })
  })

  describe('100,000 sessions', () => {
    const TOTAL = 100_000
    let agentId: string
    let expected: string[]
    /** Every exportSessions call of the host's store while counting: the rows asked for and given. */
    let calls: { limit: number; rows: number }[] = []

    beforeAll(async () => {
      agentId = (await host.owner.createAgent({ name: 'Busy' })).id
      expected = await seed(kind, kind === 'sqlite' ? host.dbPath : databaseUrl!, agentId, TOTAL)
      const store: Store = host.store
      const exportSessions = store.exportSessions.bind(store)
      store.exportSessions = async (agent, query) => {
        const rows = await exportSessions(agent, query)
        calls.push({ limit: query.limit, rows: rows.length })
        return rows
      }
      // Seeding SQLite held the event loop (the host runs in this process): let the server close
      // the keep-alive sockets whose timeout passed meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 200))
    }, 180_000)

    it('exports every one, in order, reading one bounded page per store call, in bounded memory', async () => {
      calls = []
      const response = await exportOf(agentId)
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
      let count = 0
      let outOfOrder = 0
      let rest = ''
      let chunks = 0
      const heapBefore = retainedHeap()
      let heapPeak = heapBefore
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        const lines = (rest + value).split('\n')
        rest = lines.pop()!
        for (const line of lines) if (JSON.parse(line).session_id !== expected[count++]) outOfOrder++
        if (++chunks % 25 === 0) heapPeak = Math.max(heapPeak, retainedHeap())
      }
      expect(rest).toBe('')
      expect(count).toBe(TOTAL)
      expect(outOfOrder).toBe(0)
      expect(calls).toHaveLength(TOTAL / EXPORT_PAGE_SESSIONS)
      for (const call of calls) {
        expect(call.limit).toBe(EXPORT_PAGE_SESSIONS + 1)
        expect(call.rows).toBeLessThanOrEqual(EXPORT_PAGE_SESSIONS + 1)
      }
      // What stays reachable while the export runs: about a page, and what sits in the sockets'
      // buffers; all 100,000 sessions as records would take hundreds of megabytes.
      const grewMb = (heapPeak - heapBefore) / 2 ** 20
      console.info(`${kind}: 100,000 sessions in ${calls.length} store calls; retained heap grew by at most ${grewMb.toFixed(1)} MB`)
      expect(grewMb).toBeLessThan(48)
    }, 240_000)

    it('reads no further than the client: a client that stops reading stops the store calls', async () => {
      calls = []
      // The host's app served on a Unix socket, whose buffers have a fixed size (net.core's
      // defaults, some 200 kB). Over loopback TCP Linux grows a socket's buffers up to tens of
      // megabytes (tcp_rmem, tcp_wmem), which on some kernels hold most of this export.
      const socketPath = join(mkdtempSync(join(tmpdir(), 'porch-export-')), 'host.sock')
      const server = createAdaptorServer({ fetch: host.app.fetch })
      await new Promise<void>((resolve) => server.listen(socketPath, resolve))
      try {
        // A client that reads one chunk, then stops: paused, it reads nothing more from the socket.
        const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
          http.get({ socketPath, path: `/api/v1/agents/${agentId}/export/sessions?format=csv`, headers: auth }, resolve).on('error', reject),
        )
        expect(response.statusCode).toBe(200)
        await new Promise((resolve) => response.once('data', resolve))
        response.pause()
        // Give the server every chance to run ahead, until its store calls settle: it may fill the
        // socket's buffers, no more.
        let whileStopped = -1
        for (let quiet = 0; quiet < 10; ) {
          await new Promise((resolve) => setTimeout(resolve, 50))
          quiet = calls.length === whileStopped ? quiet + 1 : 0
          whileStopped = calls.length
        }
        expect(whileStopped).toBeGreaterThan(0)
        expect(whileStopped).toBeLessThan(TOTAL / EXPORT_PAGE_SESSIONS / 20)
        // Read again, and the store calls go on.
        response.resume()
        while (calls.length < whileStopped + 20) await new Promise((resolve) => response.once('data', resolve))
        response.destroy()
        console.info(`${kind}: ${whileStopped} of ${TOTAL / EXPORT_PAGE_SESSIONS} pages read while the client stopped reading`)
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
    }, 60_000)
  })
})

/** The heap that is still reachable: after a full collection (V8's gc, exposed for this test only). */
const collect = (() => {
  v8.setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()
function retainedHeap(): number {
  collect()
  return process.memoryUsage().heapUsed
}

/**
 * 100,000 sessions of one message and one trace each, straight into the database; three share
 * each timestamp, so the export's paging must break ties by key. Returns their ids newest first.
 */
async function seed(kind: 'sqlite' | 'postgres', where: string, agentId: string, total: number): Promise<string[]> {
  if (kind === 'sqlite') {
    const base = Date.parse('2026-01-01T00:00:00.000Z')
    const at = (i: number) => new Date(base + Math.floor(i / 3) * 1000).toISOString()
    const db = new Database(where)
    const insertSession = db.prepare("INSERT INTO sessions (agent_id, scope, id, created_at, updated_at, last_seq) VALUES (?, 'public', ?, ?, ?, 1)")
    const insertMessage = db.prepare(
      "INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at) VALUES (?, 1, 'user', ?, 'complete', ?, ?)",
    )
    const insertTrace = db.prepare(
      "INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, total_ms) VALUES (?, ?, 1, ?, 'public', ?, 'success', ?, 5)",
    )
    db.transaction(() => {
      for (let i = 0; i < total; i++) {
        const { lastInsertRowid } = insertSession.run(agentId, `s-${i}`, at(i), at(i))
        insertMessage.run(lastInsertRowid, JSON.stringify([{ type: 'text', text: `question ${i}` }]), `t-${i}`, at(i))
        insertTrace.run(`t-${i}`, agentId, `s-${i}`, `r-${i}`, at(i))
      }
    })()
    const ids = db.prepare('SELECT id FROM sessions WHERE agent_id = ? ORDER BY updated_at DESC, pk DESC').all(agentId) as { id: string }[]
    db.close()
    return ids.map((row) => row.id)
  }
  const sql = postgres(where, { max: 1, onnotice: () => {} })
  try {
    const t = (i: string) => `timestamptz '2026-01-01T00:00:00Z' + (${i} / 3) * interval '1 second'`
    await sql.unsafe(
      `INSERT INTO sessions (agent_id, scope, id, created_at, updated_at, last_seq)
       SELECT $1, 'public', 's-' || i, ${t('i')}, ${t('i')}, 1 FROM generate_series(0, $2::int - 1) i`,
      [agentId, total],
    )
    await sql.unsafe(
      `INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at)
       SELECT s.pk, 1, 'user', json_build_array(json_build_object('type', 'text', 'text', 'question ' || substr(s.id, 3))), 'complete', 't-' || substr(s.id, 3), s.created_at
       FROM sessions s WHERE s.agent_id = $1`,
      [agentId],
    )
    await sql.unsafe(
      `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, total_ms)
       SELECT 't-' || substr(s.id, 3), $1, 1, s.id, 'public', 'r-' || substr(s.id, 3), 'success', s.created_at, 5 FROM sessions s WHERE s.agent_id = $1`,
      [agentId],
    )
    const ids = await sql.unsafe<{ id: string }[]>('SELECT id FROM sessions WHERE agent_id = $1 ORDER BY updated_at DESC, pk DESC', [agentId])
    return ids.map((row) => row.id)
  } finally {
    await sql.end()
  }
}
