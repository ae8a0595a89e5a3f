/**
 * Porch as several hosts behind nginx (deploy/nginx/porch.conf), on one PostgreSQL and one
 * Redis: what holds with hosts that share nothing but the database. An agent published through
 * the balancer serves on every host; round robin spreads one session's turns over all of them;
 * a stream comes through nginx as the model writes it; a host restarted on its port is back in
 * rotation; and a host killed with SIGKILL costs no request, since nginx sends the requests it
 * cannot connect for to the others.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Agent, LIMITS, type StreamEvent } from '../../shared/index.ts'
import { followChat } from '../reliability/support.ts'
import { CLUSTER_MODEL, type Cluster, startCluster } from '../testing/cluster.ts'
import type { ScriptedReply } from '../testing/fake-providers.ts'
import { eventually, readSse } from '../testing/harness.ts'
import type { AccessLogEntry } from '../testing/nginx.ts'

const HELD = 'Answer slowly'
const REPLY = ['Hello ', 'from ', 'the ', 'fake ', 'model.']

let cluster: Cluster
let agent: Agent
/** Released by the streaming test: until then, a request saying HELD gets one token, then nothing. */
let releaseHeld: () => void = () => {}
let held = Promise.resolve()

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 3,
    script: (request): ScriptedReply =>
      JSON.stringify(request.body?.messages ?? '').includes(HELD) ? { text: REPLY, hold: { afterChunks: 1, until: held } } : { text: REPLY },
  })
  agent = await cluster.owner.publishedAgent({ name: 'Clustered', model: CLUSTER_MODEL, attachments: true })
})

afterAll(async () => {
  releaseHeld()
  await cluster?.stop()
})

const chatPath = () => `/api/v1/published/${agent.id}/chat`

/** One whole chat turn through the balancer. */
async function chat(request: string, sessionId?: string): Promise<StreamEvent[]> {
  const response = await fetch(cluster.url + chatPath(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request, ...(sessionId && { session_id: sessionId }) }),
  })
  expect(response.status).toBe(200)
  return (await readSse(response)).map((message) => message.data)
}

const completed = (events: StreamEvent[]) => events.find((event) => event.event_type === 'complete')

/** The access log's entries for chat POSTs after the first `from` entries, once there are `count`. */
async function chatsLogged(from: number, count: number): Promise<AccessLogEntry[]> {
  return eventually(() => {
    const entries = cluster.nginx
      .accessLog()
      .slice(from)
      .filter((entry) => entry.method === 'POST' && entry.path === chatPath())
    return entries.length >= count ? entries : undefined
  })
}

/** Three turns of one session, one after the other: round robin gives each to another host. */
async function threeTurns() {
  const from = cluster.nginx.accessLog().length
  const sessionId = `cluster-${randomUUID()}`
  const turns = []
  for (const n of [1, 2, 3]) turns.push(await chat(`Turn ${n} of ${sessionId}`, sessionId))
  return { sessionId, turns, log: await chatsLogged(from, 3) }
}

describe('three hosts behind nginx', () => {
  it('serves an agent published through the balancer on every host, one session spread over all three', async () => {
    const { sessionId, turns, log } = await threeTurns()
    for (const events of turns) expect(completed(events)).toMatchObject({ success: true, answer: REPLY.join('') })
    expect(new Set(log.map((entry) => entry.upstream))).toEqual(new Set(cluster.upstreams))
    expect(log.map((entry) => entry.status)).toEqual([200, 200, 200])
    // The third turn's host read the first two from PostgreSQL: the model got the whole conversation.
    const lastPrompt = JSON.stringify(cluster.fake.requests.at(-1)?.body.messages)
    for (const n of [1, 2, 3]) expect(lastPrompt).toContain(`Turn ${n} of ${sessionId}`)
  })

  it("limits bodies where the host does: a body at the limit reaches a host, one byte more gets nginx's 413 in the host's shape", async () => {
    const from = cluster.nginx.accessLog().length
    const send = (path: string, body: Uint8Array<ArrayBuffer>, type: string) =>
      fetch(cluster.url + path, { method: 'POST', headers: { 'content-type': type }, body })
    const upload = `/api/v1/published/${agent.id}/sessions/cluster-uploads/attachments?filename=notes.txt`
    const json = (bytes: number) => new TextEncoder().encode(JSON.stringify({ request: 'x'.repeat(bytes - 14) }))
    expect(json(LIMITS.bodyBytes).length).toBe(LIMITS.bodyBytes)
    // At the limits: the host takes the upload, and refuses the message for its length, not its size.
    expect((await send(upload, new Uint8Array(LIMITS.attachmentBytes).fill(0x61), 'text/plain')).status).toBe(201)
    const tooLong = await send(chatPath(), json(LIMITS.bodyBytes), 'application/json')
    expect(tooLong.status).toBe(400)
    expect(await tooLong.json()).not.toMatchObject({ error: { code: 'payload_too_large' } })
    for (const [path, body, type] of [
      [upload, new Uint8Array(LIMITS.attachmentBytes + 1).fill(0x61), 'text/plain'],
      [chatPath(), json(LIMITS.bodyBytes + 1), 'application/json'],
    ] as const) {
      const refused = await send(path, body, type)
      expect(refused.status).toBe(413)
      expect(await refused.json()).toMatchObject({ error: { code: 'payload_too_large' } })
    }
    const log = await eventually(() => (cluster.nginx.accessLog().length >= from + 4 ? cluster.nginx.accessLog().slice(from) : undefined))
    expect(log.map((entry) => [entry.status, entry.upstream === ''])).toEqual([
      [201, false],
      [400, false],
      [413, true],
      [413, true],
    ])
  })

  it('streams through nginx as the model writes: the first token arrives while the model holds the rest', async () => {
    held = new Promise<void>((resolve) => (releaseHeld = resolve))
    const stream = followChat(cluster.url + chatPath(), { request: `${HELD}, please (${randomUUID()})` })
    await eventually(() => (stream.events.some((event) => event.event_type === 'text_delta') ? true : undefined))
    // The model has produced one token and waits for the release: nothing else can have come.
    expect(stream.text()).toBe(REPLY[0])
    expect(stream.last('complete')).toBeUndefined()
    releaseHeld()
    await stream.closed
    expect(stream.broken).toBe(false)
    expect(stream.text()).toBe(REPLY.join(''))
    expect(stream.last('complete')).toMatchObject({ success: true })
  })

  it('takes a host restarted on its port (SIGTERM, then a start) back into rotation, no reload needed', async () => {
    for (const i of [0, 1, 2]) expect(await cluster.restart(i)).toMatchObject({ code: 0 })
    const { turns, log } = await threeTurns()
    for (const events of turns) expect(completed(events)).toMatchObject({ success: true })
    expect(new Set(log.map((entry) => entry.upstream))).toEqual(new Set(cluster.upstreams))
  })

  it('loses no request when a host is killed with SIGKILL: nginx sends them to the others', async () => {
    const killed = cluster.upstreams[0]!
    expect(await cluster.kill(0)).toMatchObject({ signal: 'SIGKILL' })
    const { turns, log } = await threeTurns()
    for (const events of turns) expect(completed(events)).toMatchObject({ success: true })
    expect(log.map((entry) => entry.status)).toEqual([200, 200, 200])
    // Round robin came to the dead host (then left it out for a while): nginx found it refusing
    // and sent the POST on to a live host, which answered.
    const retried = log.filter((entry) => entry.upstream.startsWith(`${killed}, `))
    expect(retried.length).toBeGreaterThan(0)
    for (const entry of log) expect(cluster.upstreams.slice(1)).toContain(entry.upstream.split(', ').at(-1))
  })
})
