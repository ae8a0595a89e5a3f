/**
 * Human takeover across two real host processes on one PostgreSQL and one Redis (the shared
 * mode): the owner works on host A, the visitor's widget talks to host B. The person's joining,
 * messages and leaving reach the visitor's event stream on B through Redis; the visitor's
 * message sent to B reaches the owner's event stream on A and starts no model run; a run in
 * flight on B stops when the owner takes over on A; after the hand-back the model answers on
 * B with the person's message in its prompt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent, SessionEvent } from '../../shared/index.ts'
import { CLUSTER_ADMIN_TOKEN, CLUSTER_MODEL, type Cluster, startCluster } from '../testing/cluster.ts'
import { openEventStream } from '../testing/event-stream.ts'
import type { ScriptedReply } from '../testing/fake-providers.ts'
import { eventually, ownerClient, readSse } from '../testing/harness.ts'

let cluster: Cluster
let agent: Agent

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 2,
    script: (request): ScriptedReply => {
      const last = JSON.stringify(request.body?.messages?.at(-1) ?? '')
      // "slow": an answer still streaming when the owner takes over (a word every 100 ms, 50 words).
      return last.includes('slow') ? { text: Array.from({ length: 50 }, (_, i) => `w${i} `), delayMs: 100 } : { text: ['Model ', 'answer.'] }
    },
    env: { PORCH_HEARTBEAT_SECONDS: '1' },
  })
  agent = await cluster.owner.publishedAgent({ name: 'Takeover', model: CLUSTER_MODEL })
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
})

const is = (type: SessionEvent['event_type']) => (event: SessionEvent) => event.event_type === type

describe('human takeover in the shared mode', () => {
  it('carries events between the owner on host A and the visitor on host B', async () => {
    const [hostA, hostB] = cluster.hostUrls as [string, string]
    const ownerA = ownerClient(hostA, CLUSTER_ADMIN_TOKEN)
    const visitorB = `${hostB}/api/v1/published/${agent.id}`
    const sessionId = 'cross-host-takeover'
    const chatOnB = async (request: string) => {
      const response = await fetch(`${visitorB}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request, session_id: sessionId }),
      })
      expect(response.status).toBe(200)
      return readSse(response)
    }
    await chatOnB('hello')
    const before = cluster.fake.requests.length

    const visitorEvents = await openEventStream(`${visitorB}/sessions/${sessionId}/events`)
    const ownerEvents = await openEventStream(`${hostA}/api/v1/agents/${agent.id}/sessions/${sessionId}/events`, {
      authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}`,
    })
    expect([visitorEvents.status, ownerEvents.status]).toEqual([200, 200])

    expect((await ownerA.call('POST', `/agents/${agent.id}/sessions/${sessionId}/takeover`, { name: 'Anna' })).status).toBe(200)
    expect(await visitorEvents.next(is('person_joined'))).toMatchObject({ name: 'Anna' })
    expect((await ownerA.call('POST', `/agents/${agent.id}/sessions/${sessionId}/takeover/messages`, { text: 'Anna from support here.' })).status).toBe(201)
    expect(await visitorEvents.next(is('person_message'))).toMatchObject({ name: 'Anna', text: 'Anna from support here.', seq: 3 })

    const reply = await chatOnB('My parcel is lost')
    expect(reply.map((m) => m.data.event_type)).toEqual(['run_started', 'taken_over', 'complete'])
    expect(await ownerEvents.next(is('visitor_message'))).toMatchObject({ text: 'My parcel is lost', seq: 4 })
    expect(cluster.fake.requests.length).toBe(before)

    expect((await ownerA.call('POST', `/agents/${agent.id}/sessions/${sessionId}/handback`, {})).status).toBe(204)
    expect(await visitorEvents.next(is('person_left'))).toMatchObject({ name: 'Anna' })
    expect(visitorEvents.seen.map((s) => Number(s.id))).toEqual([1, 2, 3, 4])

    const answered = await chatOnB('Thanks, anything else?')
    expect(answered.find((m) => m.data.event_type === 'complete')!.data).toMatchObject({ answer: 'Model answer.' })
    const prompt = cluster.fake.requests.at(-1)!.body.messages as { role: string; content: unknown }[]
    expect(prompt).toContainEqual(expect.objectContaining({ role: 'assistant', content: 'Anna from support here.' }))
    await Promise.all([visitorEvents.close(), ownerEvents.close()])
  })

  it('stops the visitor’s run on host B when the owner takes over on host A', async () => {
    const [hostA, hostB] = cluster.hostUrls as [string, string]
    const sessionId = 'cross-host-stop'
    const visitorB = `${hostB}/api/v1/published/${agent.id}`
    const chat = (request: string) =>
      fetch(`${visitorB}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request, session_id: sessionId }) })
    await readSse(await chat('hello'))
    // The client chooses no request_id, so the run's events stay on B; Stop still reaches B through Redis.
    const running = chat('slow answer please').then(readSse)
    const ownerA = ownerClient(hostA, CLUSTER_ADMIN_TOKEN)
    await eventually(async () => {
      const transcript = (await ownerA.call('GET', `/agents/${agent.id}/sessions/${sessionId}`)).body
      return transcript.traces.some((t: { status: string }) => t.status === 'running') || undefined
    })
    expect((await ownerA.call('POST', `/agents/${agent.id}/sessions/${sessionId}/takeover`, {})).status).toBe(200)
    const events = await running
    const complete = events.find((m) => m.data.event_type === 'complete')!.data as { success: boolean; answer: string }
    expect(complete.success).toBe(false)
    expect(complete.answer.split(' ').length).toBeLessThan(50)
    const stored = (await ownerA.call('GET', `/agents/${agent.id}/sessions/${sessionId}`)).body.messages
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'cancelled' })
  })
})
