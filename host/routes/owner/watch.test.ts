/** Watching: sessions and traces, their filters and keyset paging, up to 100,000 sessions. */
// SQLite-only on purpose: it seeds 100,000 sessions with SQL and checks the query plans of the SQLite listing (EXPLAIN QUERY PLAN); paging through the interface is in the contract suite.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCursor } from '../../store/cursor.ts'
import { type SqliteSessionQuery as SessionQuery, sessionListSql, type SqliteTraceQuery as TraceQuery, traceListSql } from '../../store/sqlite-watch.ts'
import { ADMIN_TOKEN, readSse, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

const get = async (path: string) => {
  const result = await host.owner.call('GET', path)
  if (result.status !== 200) throw new Error(`GET ${path} → ${result.status} ${JSON.stringify(result.body)}`)
  return result.body
}
const ids = (list: { session_id: string }[]) => list.map((s) => s.session_id)

describe('filters', () => {
  let agentId: string
  let linkId: string
  let marks: { afterFirst: string }
  beforeAll(async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    agentId = agent.id
    const link = (await host.owner.call('POST', `/agents/${agentId}/links`, { name: 'watch' })).body
    linkId = link.id
    const long = `What time is it? ${'and more '.repeat(30)}`
    await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: long, session_id: 'pub-1' }))
    marks = { afterFirst: new Date().toISOString() }
    await new Promise((resolve) => setTimeout(resolve, 5))
    await readSse(await host.post(`/api/v1/published/${agentId}/chat`, { request: 'hello', session_id: 'pub-2' }))
    await readSse(await host.post(`/api/v1/links/${link.token}/chat`, { request: 'via link', session_id: 'lnk-1' }))
    await readSse(
      await fetch(`${host.url}/api/v1/agents/${agentId}/try`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ request: 'trying', session_id: 'try-1' }),
      }),
    )
  })

  it('lists sessions newest first with size, preview and link, and filters by scope, link and date', async () => {
    const all = await get(`/agents/${agentId}/sessions`)
    expect(ids(all.sessions)).toEqual(['lnk-1', 'pub-2', 'pub-1'])
    expect(all).toMatchObject({ next_cursor: null, next_before: null })
    const [viaLink, , first] = all.sessions
    expect(viaLink).toMatchObject({ scope: `link:${linkId}`, link_id: linkId, message_count: 2, preview: 'via link' })
    expect(first).toMatchObject({ scope: 'public', link_id: null, message_count: 4 })
    expect(first.preview).toHaveLength(120)
    expect(first.preview.startsWith('What time is it? and more')).toBe(true)

    expect(ids((await get(`/agents/${agentId}/sessions?scope=public`)).sessions)).toEqual(['pub-2', 'pub-1'])
    expect(ids((await get(`/agents/${agentId}/sessions?link_id=${linkId}`)).sessions)).toEqual(['lnk-1'])
    expect(ids((await get(`/agents/${agentId}/sessions?scope=link:${linkId}&link_id=${linkId}`)).sessions)).toEqual(['lnk-1'])
    expect(ids((await get(`/agents/${agentId}/sessions?scope=try`)).sessions)).toEqual(['try-1'])
    expect(ids((await get(`/agents/${agentId}/sessions?from=${marks.afterFirst}`)).sessions)).toEqual(['lnk-1', 'pub-2'])
    expect(ids((await get(`/agents/${agentId}/sessions?to=${marks.afterFirst}`)).sessions)).toEqual(['pub-1'])
    // A bound with an offset means the same instant.
    const offset = new Date(Date.parse(marks.afterFirst) + 2 * 3600_000).toISOString().replace('Z', '+02:00')
    expect(ids((await get(`/agents/${agentId}/sessions?to=${encodeURIComponent(offset)}`)).sessions)).toEqual(['pub-1'])
  })

  it('shows a whole transcript with tool calls and the session’s traces', async () => {
    const transcript = await get(`/agents/${agentId}/sessions/pub-1`)
    expect(transcript).toMatchObject({ session_id: 'pub-1', agent_id: agentId, scope: 'public', message_count: 4 })
    const blocks = transcript.messages.flatMap((m: { content: { type: string }[] }) => m.content.map((b) => b.type))
    expect(blocks).toEqual(expect.arrayContaining(['tool_use', 'tool_result']))
    expect(transcript.messages.every((m: { status: string }) => m.status === 'complete')).toBe(true)
    expect(transcript.traces).toEqual([expect.objectContaining({ session_id: 'pub-1', status: 'success', turns: 2, version: 1 })])
    expect(transcript.traces[0].tool_calls).toEqual([expect.objectContaining({ tool_name: 'current_time' })])
    expect((await get(`/agents/${agentId}/sessions/lnk-1?scope=link:${linkId}`)).link_id).toBe(linkId)
    expect((await host.owner.call('GET', `/agents/${agentId}/sessions/lnk-1`)).status).toBe(404)
  })

  it('lists traces with timings and filters them by agent, link, session, status and date', async () => {
    const traces = (await get(`/traces?agent_id=${agentId}`)).traces
    expect(traces.map((t: { session_id: string }) => t.session_id)).toEqual(['try-1', 'lnk-1', 'pub-2', 'pub-1'])
    const [, , , first] = traces
    expect(first).toMatchObject({ agent_id: agentId, version: 1, scope: 'public', link_id: null, status: 'success', turns: 2, error: null })
    expect(first.first_token_ms).toBeGreaterThanOrEqual(0)
    expect(first.total_ms).toBeGreaterThanOrEqual(first.first_token_ms)
    expect(first.input_tokens).toBeGreaterThan(0)
    expect(first.output_tokens).toBeGreaterThan(0)
    expect(first.started_at).toMatch(/^\d{4}-/)
    const of = async (query: string) => (await get(`/traces?agent_id=${agentId}&${query}`)).traces.map((t: { session_id: string }) => t.session_id)
    expect(await of(`link_id=${linkId}`)).toEqual(['lnk-1'])
    expect(await of('session_id=pub-2')).toEqual(['pub-2'])
    expect(await of('status=success')).toHaveLength(4)
    expect(await of('status=error')).toEqual([])
    expect(await of('scope=try')).toEqual(['try-1'])
    expect(await of(`from=${marks.afterFirst}`)).toEqual(['try-1', 'lnk-1', 'pub-2'])
    expect(await of(`to=${marks.afterFirst}`)).toEqual(['pub-1'])
    // Without agent_id, the admin sees every agent's traces.
    expect((await get('/traces?limit=200')).traces.length).toBeGreaterThanOrEqual(4)
  })

  it('rejects bad filters and cursors with 400', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=x',
      'cursor=bm9wZQ',
      `cursor=${encodeCursor({ at: 'yesterday', pk: 1 })}`,
      'from=yesterday',
      'scope=secret',
      'link_id=../x',
      `scope=public&link_id=${linkId}`,
    ]) {
      const response = await host.owner.call('GET', `/agents/${agentId}/sessions?${query}`)
      expect(response.status, query).toBe(400)
      expect(response.body.error.code).toBe('invalid_request')
    }
    for (const query of ['status=weird', 'agent_id=nope', 'session_id=bad%20id', 'cursor=%5B%5D', 'to=2020']) {
      expect((await host.owner.call('GET', `/traces?${query}`)).status, query).toBe(400)
    }
  })
})

describe('paging at 100,000 sessions', () => {
  const TOTAL = 100_000
  const LINK = 'lnk_AAAAAAAAAAAAAAAA'
  let agentId: string
  /** Every non-try session id, in the order the API must return them. */
  let expected: string[]
  let db: Database.Database

  beforeAll(async () => {
    agentId = (await host.owner.createAgent({ name: 'Busy' })).id
    db = new Database(host.dbPath)
    const base = Date.parse('2026-01-01T00:00:00.000Z')
    const insertSession = db.prepare('INSERT INTO sessions (agent_id, scope, id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
    const insertMessage = db.prepare(
      "INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at) VALUES (?, 1, 'user', ?, 'complete', ?, ?)",
    )
    const insertTrace = db.prepare(
      'INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, total_ms) VALUES (?, ?, 1, ?, ?, ?, ?, ?, 5)',
    )
    db.transaction(() => {
      for (let i = 0; i < TOTAL; i++) {
        // Three sessions share each timestamp, so ties must be broken by the key, not skipped.
        const at = new Date(base + Math.floor(i / 3) * 1000).toISOString()
        const scope = i % 10 === 0 ? 'try' : i % 10 === 1 ? `link:${LINK}` : 'public'
        const { lastInsertRowid } = insertSession.run(agentId, scope, `s-${i}`, at, at)
        insertMessage.run(lastInsertRowid, JSON.stringify([{ type: 'text', text: `question ${i}` }]), `t-${i}`, at)
        insertTrace.run(`t-${i}`, agentId, `s-${i}`, scope, `r-${i}`, i % 7 === 0 ? 'error' : 'success', at)
      }
    })()
    expected = (
      db.prepare("SELECT id FROM sessions WHERE agent_id = ? AND scope != 'try' ORDER BY updated_at DESC, pk DESC").all(agentId) as { id: string }[]
    ).map((r) => r.id)
    // The seeding held the event loop (the host runs in this process): let the server close the
    // keep-alive sockets whose timeout passed meanwhile, before the client tries to reuse one.
    await new Promise((resolve) => setTimeout(resolve, 200))
  }, 120_000)
  afterAll(() => db.close())

  const planOf = (sql: string, params: Record<string, unknown>) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail)

  it('walks an index for the first page, a deep page and each filter: no scan of the table, no sort', () => {
    const after = { at: '2026-01-01T05:00:00.000Z', pk: 50_000 }
    const sessionShapes: SessionQuery[] = [
      { limit: 51, excludeScope: 'try' },
      { limit: 51, excludeScope: 'try', after },
      { limit: 51, scope: 'public', after },
      { limit: 51, scope: `link:${LINK}`, from: '2026-01-01T01:00:00.000Z', to: '2026-01-02T00:00:00.000Z', after },
      { limit: 51, excludeScope: 'try', before: after.at },
    ]
    for (const shape of sessionShapes) {
      const { after: cursor, ...rest } = shape
      const plan = planOf(sessionListSql(shape), { agentId, ...rest, ...(cursor && { afterAt: cursor.at, afterPk: cursor.pk }) })
      expect(plan.join(' | '), JSON.stringify(shape)).toMatch(/SEARCH s USING INDEX sessions_by_agent_(scope_)?page /)
      for (const detail of plan) {
        expect(detail).not.toMatch(/^SCAN (s|sessions)\b/)
        expect(detail).not.toContain('TEMP B-TREE')
      }
    }
    const traceShapes: TraceQuery[] = [
      { limit: 51, agentId },
      { limit: 51, agentId, after },
      { limit: 51, agentId, scope: `link:${LINK}`, after },
      { limit: 51, agentId, sessionId: 's-5' },
      { limit: 51, agentId, status: 'error', after },
      { limit: 51, after },
    ]
    for (const shape of traceShapes) {
      const { after: cursor, ...rest } = shape
      const plan = planOf(traceListSql(shape), { ...rest, ...(cursor && { afterAt: cursor.at, afterPk: cursor.pk }) })
      for (const detail of plan) {
        expect(detail, JSON.stringify(shape)).toMatch(/USING (COVERING )?INDEX traces_by/)
        expect(detail).not.toContain('TEMP B-TREE')
      }
    }
  })

  it('returns correct, non-overlapping pages from the start and from deep inside', async () => {
    expect(expected).toHaveLength(TOTAL - TOTAL / 10)
    const seen: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 5; page++) {
      const body: { sessions: { session_id: string; preview: string; message_count: number }[]; next_cursor: string | null } = await get(
        `/agents/${agentId}/sessions?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(body.sessions).toHaveLength(200)
      seen.push(...ids(body.sessions))
      cursor = body.next_cursor
      expect(cursor).not.toBeNull()
    }
    expect(seen).toEqual(expected.slice(0, 1000))
    expect(new Set(seen).size).toBe(1000)

    // A deep cursor, as the API would have handed out after row 80,000.
    const pkOf = db.prepare('SELECT pk, updated_at FROM sessions WHERE agent_id = ? AND id = ?')
    const cursorAt = (index: number) => {
      const row = pkOf.get(agentId, expected[index]) as { pk: number; updated_at: string }
      return encodeCursor({ at: row.updated_at, pk: row.pk })
    }
    const deep = await get(`/agents/${agentId}/sessions?limit=200&cursor=${cursorAt(80_000)}`)
    expect(ids(deep.sessions)).toEqual(expected.slice(80_001, 80_201))
    expect(deep.sessions[0]).toMatchObject({ preview: `question ${deep.sessions[0].session_id.slice(2)}`, message_count: 1 })

    // To the end: the last page says so.
    const nearEnd = await get(`/agents/${agentId}/sessions?limit=200&cursor=${cursorAt(expected.length - 351)}`)
    expect(ids(nearEnd.sessions)).toEqual(expected.slice(expected.length - 350, expected.length - 150))
    const last = await get(`/agents/${agentId}/sessions?limit=200&cursor=${nearEnd.next_cursor}`)
    expect(ids(last.sessions)).toEqual(expected.slice(expected.length - 150))
    expect(last.next_cursor).toBeNull()

    // The older `before` paging still answers.
    const old = await get(`/agents/${agentId}/sessions?limit=3&before=2026-01-01T00:00:03.000Z`)
    expect(ids(old.sessions)).toEqual(['s-8', 's-7', 's-6'])
    expect(old.next_before).toBe('2026-01-01T00:00:02.000Z')
  })

  it('pages traces the same way, with a filter', async () => {
    const errors = (
      db.prepare("SELECT trace_id FROM traces WHERE agent_id = ? AND status = 'error' ORDER BY started_at DESC, rowid DESC").all(agentId) as {
        trace_id: string
      }[]
    ).map((r) => r.trace_id)
    const seen: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 3; page++) {
      const body: { traces: { trace_id: string; status: string }[]; next_cursor: string | null } = await get(
        `/traces?agent_id=${agentId}&status=error&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      )
      seen.push(...body.traces.map((t) => t.trace_id))
      cursor = body.next_cursor
    }
    expect(seen).toEqual(errors.slice(0, 600))
  })
})
