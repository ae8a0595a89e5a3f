/**
 * What visitors' uploads may take, through a real host: an upload no message names is deleted
 * by the sweep while a named one stays; a session's attachments have a budget (413), an agent's
 * day has one (429 until midnight UTC) that deleting unused uploads does not give back; every
 * refusal stores nothing, and uploads fired at once cannot overshoot either budget.
 */
// SQLite-only on purpose: it backdates uploads and reads raw counts behind the host's back, which no Store method does.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../shared/index.ts'
import { secondsToNextUtcDay } from '../store/utc-day.ts'
import { eventually, startTestHost, type TestHost } from '../testing/harness.ts'

/** 0.001 MiB: 1048 bytes a session; 0.002 MiB: 2097 bytes an agent a day. */
const SESSION_BYTES = 1048
const DAY_BYTES = 2097

let host: TestHost

beforeAll(async () => {
  // The sweep runs every 20 ms here instead of every minute; uploads become "old" by aging their rows.
  host = await startTestHost({ PORCH_ATTACHMENT_SESSION_MB: '0.001', PORCH_ATTACHMENT_AGENT_DAY_MB: '0.002' }, { uploadSweepMs: 20 })
})
afterAll(async () => {
  await host.stop()
})

const attachingAgent = () =>
  host.owner.publishedAgent(
    { model: 'demo:instant', attachments: true, tools: [{ type: 'builtin', name: 'create_file' }] },
    { api_response_mode: 'non_streaming' },
  )
const base = (agent: Agent) => `/api/v1/published/${agent.id}`

const upload = (agent: Agent, session: string, bytes: number, filename = 'notes.txt') =>
  fetch(`${host.url}${base(agent)}/sessions/${session}/attachments?filename=${filename}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(bytes),
  })

const uploaded = async (agent: Agent, session: string, bytes: number, filename?: string) => {
  const response = await upload(agent, session, bytes, filename)
  expect(response.status).toBe(201)
  return ((await response.json()) as { file_id: string }).file_id
}

const download = (agent: Agent, session: string, fileId: string) => host.get(`${base(agent)}/sessions/${session}/files/${fileId}`)

function sql<T>(query: string, ...params: unknown[]): T {
  const db = new Database(host.dbPath)
  try {
    return db.prepare(query).get(...params) as T
  } finally {
    db.close()
  }
}

const storedAttachments = (agentId: string) =>
  sql<{ n: number; bytes: number }>("SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM files WHERE agent_id = ? AND kind = 'attachment'", agentId)

/** Moves every file of the agent an hour back, as if the sweep's time had come. */
function ageFiles(agentId: string) {
  const db = new Database(host.dbPath)
  const old = new Date(Date.now() - 3_600_000).toISOString()
  db.prepare('UPDATE unused_attachments SET created_at = ? WHERE file_id IN (SELECT id FROM files WHERE agent_id = ?)').run(old, agentId)
  db.prepare('UPDATE files SET created_at = ? WHERE agent_id = ?').run(old, agentId)
  db.close()
}

describe('uploads no message names', () => {
  it('are deleted by the sweep, while attachments a message named and tools’ files stay', async () => {
    const agent = await attachingAgent()
    const used = await uploaded(agent, 'visit', 40, 'used.txt')
    const unused = await uploaded(agent, 'visit', 40, 'unused.txt')
    const reply = await (
      await host.post(`${base(agent)}/chat/sync`, { request: 'Read this and make me a CSV file', session_id: 'visit', attachments: [used] })
    ).json()
    expect(reply.success).toBe(true)
    const output = sql<{ id: string }>("SELECT id FROM files WHERE agent_id = ? AND kind = 'output'", agent.id).id

    ageFiles(agent.id)
    await eventually(async () => ((await download(agent, 'visit', unused)).status === 404 ? true : undefined))
    expect((await download(agent, 'visit', used)).status).toBe(200)
    expect((await download(agent, 'visit', output)).status).toBe(200)

    // The session goes on with the file it named; the swept one can no longer be sent.
    expect((await (await host.post(`${base(agent)}/chat/sync`, { request: 'And now?', session_id: 'visit' })).json()).success).toBe(true)
    const late = await host.post(`${base(agent)}/chat/sync`, { request: 'This one too', session_id: 'visit', attachments: [unused] })
    expect(late.status).toBe(400)
    expect((await late.json()).error.code).toBe('unknown_attachment')
  })

  it('stay unused when the message naming them is refused, and are swept', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', attachments: true }, { access: 'link' })
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'One message', quota_total: 1 })).body
    const linkBase = `/api/v1/links/${link.token}`
    const send = async (session: string, request: string) => {
      const file = await fetch(`${host.url}${linkBase}/sessions/${session}/attachments?filename=a.txt`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'abc',
      })
      const { file_id } = (await file.json()) as { file_id: string }
      return { file_id, response: await host.post(`${linkBase}/chat`, { request, session_id: session, attachments: [file_id] }) }
    }
    const first = await send('s1', 'first')
    expect(first.response.status).toBe(200)
    await first.response.text()
    const refused = await send('s2', 'second')
    expect(refused.response.status).toBe(429)

    ageFiles(agent.id)
    await eventually(async () => ((await host.get(`${linkBase}/sessions/s2/files/${refused.file_id}`)).status === 404 ? true : undefined))
    expect((await host.get(`${linkBase}/sessions/s1/files/${first.file_id}`)).status).toBe(200)
  })
})

describe('the session budget', () => {
  it('refuses an upload that would pass it with a clear 413, storing nothing; another session has its own', async () => {
    const agent = await attachingAgent()
    await uploaded(agent, 'full', 600)
    const before = storedAttachments(agent.id)
    const refused = await upload(agent, 'full', 600)
    expect(refused.status).toBe(413)
    const body = await refused.json()
    expect(body.error).toMatchObject({ code: 'session_attachment_budget_exceeded', details: { budget_bytes: SESSION_BYTES, used_bytes: 600 } })
    expect(body.error.message).toMatch(/This chat's attachments may take 1 KiB in all, and 600 bytes are taken.*Start a new chat/)
    expect(storedAttachments(agent.id)).toEqual(before)
    // What still fits is taken; another session starts empty.
    await uploaded(agent, 'full', SESSION_BYTES - 600)
    await uploaded(agent, 'other', 600)
  })

  it('cannot be overshot by uploads fired at once', async () => {
    const agent = await attachingAgent()
    const responses = await Promise.all(Array.from({ length: 8 }, () => upload(agent, 'rush', 300)))
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 201, 413, 413, 413, 413, 413])
    expect(storedAttachments(agent.id)).toEqual({ n: 3, bytes: 900 })
  })
})

describe('the agent’s daily budget', () => {
  it('refuses an upload that would pass it with 429 and Retry-After to midnight UTC, storing nothing; other agents have their own', async () => {
    const agent = await attachingAgent()
    await uploaded(agent, 'a', 1000)
    await uploaded(agent, 'b', 1000)
    const before = storedAttachments(agent.id)
    const refused = await upload(agent, 'c', 100)
    expect(refused.status).toBe(429)
    expect(Math.abs(Number(refused.headers.get('retry-after')) - secondsToNextUtcDay(Date.now()))).toBeLessThanOrEqual(2)
    const body = await refused.json()
    expect(body.error.code).toBe('agent_attachment_budget_exceeded')
    expect(body.error.message).toMatch(/all the attachments it accepts today.*midnight UTC/)
    expect(storedAttachments(agent.id)).toEqual(before)
    await uploaded(agent, 'c', DAY_BYTES - 2000)
    await uploaded(await attachingAgent(), 'a', 1000)
  })

  it('does not come back when unused uploads are swept', async () => {
    const agent = await attachingAgent()
    const first = await uploaded(agent, 'wait', 1000)
    const second = await uploaded(agent, 'wait-2', 1000)
    ageFiles(agent.id)
    await eventually(async () => (storedAttachments(agent.id).n === 0 ? true : undefined))
    expect((await download(agent, 'wait', first)).status).toBe(404)
    expect((await download(agent, 'wait-2', second)).status).toBe(404)
    const again = await upload(agent, 'wait-3', 1000)
    expect(again.status).toBe(429)
    expect(storedAttachments(agent.id)).toEqual({ n: 0, bytes: 0 })
  })

  it('cannot be overshot by uploads fired at once, each in its own session', async () => {
    const agent = await attachingAgent()
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => upload(agent, `rush-${i}`, 300)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(6)
    expect(statuses.filter((s) => s === 429)).toHaveLength(4)
    expect(storedAttachments(agent.id)).toEqual({ n: 6, bytes: 1800 })
  })
})
