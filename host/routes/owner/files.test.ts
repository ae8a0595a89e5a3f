/**
 * GET /api/v1/agents/{id}/files: what an agent's files take (attachments, tools' output, uploads
 * no message named), today's count against the budgets, and the sessions taking the most; any
 * role may read it for the agents its key reaches, and no other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentFilesSchema } from '../../../shared/console.ts'
import type { Agent } from '../../../shared/index.ts'
import { utcDay } from '../../store/utc-day.ts'
import { ownerClient, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost

beforeAll(async () => {
  host = await startTestHost({ PORCH_ATTACHMENT_SESSION_MB: '2', PORCH_ATTACHMENT_AGENT_DAY_MB: '10', PORCH_UPLOAD_UNUSED_MINUTES: '15' })
})
afterAll(async () => {
  await host.stop()
})

const attachingAgent = () =>
  host.owner.publishedAgent(
    { model: 'demo:instant', attachments: true, tools: [{ type: 'builtin', name: 'create_file' }] },
    { api_response_mode: 'non_streaming' },
  )

async function upload(agent: Agent, session: string, bytes: number): Promise<string> {
  const response = await fetch(`${host.url}/api/v1/published/${agent.id}/sessions/${session}/attachments?filename=n.txt`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(bytes),
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { file_id: string }).file_id
}

describe('an agent’s file usage', () => {
  it('reports totals by kind, unused uploads, today’s count, the budgets and the largest sessions', async () => {
    const agent = await attachingAgent()
    const empty = await host.owner.call('GET', `/agents/${agent.id}/files`)
    expect(empty.status).toBe(200)
    expect(AgentFilesSchema.parse(empty.body)).toEqual({
      agent_id: agent.id,
      totals: { attachments: { count: 0, bytes: 0 }, outputs: { count: 0, bytes: 0 }, unused_attachments: { count: 0, bytes: 0 } },
      today: { day: utcDay(Date.now()), attachment_bytes: 0 },
      budgets: { session_attachment_bytes: 2 * 1024 * 1024, agent_attachment_bytes_per_day: 10 * 1024 * 1024, unused_minutes: 15 },
      top_sessions: [],
    })

    const named = await upload(agent, 'big', 3000)
    await upload(agent, 'big', 2000)
    await upload(agent, 'small', 50)
    const reply = await (
      await host.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'Read this and make me a CSV file', session_id: 'big', attachments: [named] })
    ).json()
    expect(reply.success).toBe(true)
    const transcript = (await host.owner.call('GET', `/agents/${agent.id}/sessions/big`)).body
    const output = transcript.messages
      .flatMap((m: { content: { type: string; size?: number }[] }) => m.content)
      .find((b: { type: string }) => b.type === 'output_file')
    expect(output.size).toBeGreaterThan(0)
    // Another agent's files are not counted.
    await upload(await attachingAgent(), 'big', 700)

    const usage = AgentFilesSchema.parse((await host.owner.call('GET', `/agents/${agent.id}/files`)).body)
    expect(usage.totals).toEqual({
      attachments: { count: 3, bytes: 5050 },
      outputs: { count: 1, bytes: output.size },
      unused_attachments: { count: 2, bytes: 2050 },
    })
    expect(usage.today.attachment_bytes).toBe(5050)
    expect(usage.top_sessions).toEqual([
      { session_id: 'big', scope: 'public', link_id: null, count: 3, bytes: 5000 + output.size, has_messages: true },
      { session_id: 'small', scope: 'public', link_id: null, count: 1, bytes: 50, has_messages: false },
    ])
  })

  it('lists at most 20 sessions, the largest first, with their link', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', attachments: true }, { access: 'link' })
    const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Files' })).body
    for (let i = 1; i <= 22; i++) {
      const response = await fetch(`${host.url}/api/v1/links/${link.token}/sessions/s${i}/attachments?filename=n.txt`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x'.repeat(i * 10),
      })
      expect(response.status).toBe(201)
    }
    const usage = AgentFilesSchema.parse((await host.owner.call('GET', `/agents/${agent.id}/files`)).body)
    expect(usage.totals.attachments.count).toBe(22)
    expect(usage.top_sessions).toHaveLength(20)
    expect(usage.top_sessions[0]).toEqual({ session_id: 's22', scope: `link:${link.id}`, link_id: link.id, count: 1, bytes: 220, has_messages: false })
    expect(usage.top_sessions.at(-1)!.session_id).toBe('s3')
  })

  it('answers a viewer for the agents its key reaches, 403 for others, 404 for none', async () => {
    const [mine, theirs] = await Promise.all([attachingAgent(), attachingAgent()])
    await upload(theirs, 'secret', 100)
    const key = (await host.owner.call('POST', '/owner-keys', { name: 'files viewer', role: 'viewer', agent_ids: [mine.id] })).body.key as string
    const viewer = ownerClient(host.url, key)
    const own = await viewer.call('GET', `/agents/${mine.id}/files`)
    expect(own.status).toBe(200)
    expect(AgentFilesSchema.parse(own.body).agent_id).toBe(mine.id)
    const other = await viewer.call('GET', `/agents/${theirs.id}/files`)
    expect(other.status).toBe(403)
    expect(other.body.error.code).toBe('forbidden')
    expect(JSON.stringify(other.body)).not.toContain('secret')
    expect((await host.owner.call('GET', '/agents/00000000-0000-4000-8000-000000000000/files')).status).toBe(404)
    expect((await fetch(`${host.url}/api/v1/agents/${mine.id}/files`)).status).toBe(401)
  })
})
