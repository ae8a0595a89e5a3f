/**
 * A whole host on PostgreSQL (PORCH_DATABASE_URL): it serves chats from it, and a second start
 * on the same database finds everything the first stored. The rest of the host's tests run on
 * PostgreSQL too with PORCH_TEST_STORE=postgres (host/testing/harness.ts).
 */
import { afterAll, expect, it } from 'vitest'
import { startTestHost, type TestHost } from '../../testing/harness.ts'
import { createTestDatabase } from '../../testing/postgres.ts'

const hosts: TestHost[] = []
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()))
})

it('serves chats from PostgreSQL, and a restart finds them there', async () => {
  const url = await createTestDatabase()
  const first = await startTestHost({ PORCH_DATABASE_URL: url })
  hosts.push(first)
  const agent = await first.owner.publishedAgent({ name: 'On PostgreSQL', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
  const answer = await first.post(`/api/v1/published/${agent.id}/chat/sync`, { request: 'hello', session_id: 'visitor-1' })
  expect(answer.status).toBe(200)
  await first.stop()
  hosts.pop()

  const second = await startTestHost({ PORCH_DATABASE_URL: url })
  hosts.push(second)
  const session = { agentId: agent.id, scope: 'public', sessionId: 'visitor-1' }
  const messages = await second.store.getMessages(session)
  expect(messages.map((m) => [m.seq, m.role])).toEqual([
    [1, 'user'],
    [2, 'assistant'],
  ])
  expect((await second.store.listSessionTraces(session)).map((t) => t.status)).toEqual(['success'])
  expect((await second.owner.call('GET', `/agents/${agent.id}`)).status).toBe(200)
})
