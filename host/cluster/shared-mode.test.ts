/**
 * The shared mode (PORCH_REDIS_URL) across three real host processes on one PostgreSQL and one
 * Redis, behind nginx running deploy/nginx/porch.conf (host/testing/cluster.ts): what a visitor
 * sees when the host that runs their chat is not the one their next request reaches. A config
 * published on one host serves on the others at once; a dropped stream resumes on another host
 * (missed events once, no second run); Stop reaches the host that runs the chat; limits and
 * quotas are exact across hosts, and so are the refusals analytics counts; a host killed with SIGKILL during 50 streams ends its runs
 * cleanly for their clients and loses nothing completed; a rolling restart under steady traffic
 * loses no request.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent, StreamEvent } from '../../shared/index.ts'
import { inspectDatabase } from '../reliability/support.ts'
import { CLUSTER_ADMIN_TOKEN, CLUSTER_MODEL, type Cluster, startCluster } from '../testing/cluster.ts'
import type { ScriptedReply } from '../testing/fake-providers.ts'
import { eventually, ownerClient, parseSse, readSse, readSseUntil, textOf } from '../testing/harness.ts'

/** "slow N": N words, one every 100 ms; anything else: a short reply at once. */
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `)
const slow = (n: number) => `slow ${n}`
const RATE_PER_MINUTE = 60

let cluster: Cluster
let agent: Agent

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 3,
    script: (request): ScriptedReply => {
      const said = JSON.stringify(request.body?.messages ?? '')
      const asked = /slow (\d+)/.exec(said)
      return asked ? { text: words(Number(asked[1])), delayMs: 100 } : { text: ['Hello ', 'there.'] }
    },
    env: {
      PORCH_RATE_CHAT_PER_MINUTE: String(RATE_PER_MINUTE),
      PORCH_RESUME_GRACE_MS: '5000',
      PORCH_INSTANCE_LEASE_SECONDS: '3',
      PORCH_HEARTBEAT_SECONDS: '1',
    },
  })
  agent = await cluster.owner.publishedAgent({ name: 'Shared', model: CLUSTER_MODEL })
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
})

const chatUrl = (base: string, agentId = agent.id) => `${base}/api/v1/published/${agentId}/chat`
const post = (url: string, body: object, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

/**
 * A client that behaves as the widget does (widget/client/stream-chat.ts): it follows the
 * stream, and when the stream breaks or a 5xx comes back, it sends the same request again with
 * the same request_id and the last event id it saw, up to 5 times, waiting as the widget does
 * (0.5 s, then twice as long each time, at most 8 s).
 */
async function chatLikeTheWidget(url: string, body: { request: string; session_id?: string }, retries = 5) {
  const retryDelay = (attempt: number) => Math.min(500 * 2 ** attempt, 8000)
  const requestId = randomUUID()
  const events: { id: number; event: StreamEvent }[] = []
  const statuses: number[] = []
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt - 1)))
    const lastId = events.at(-1)?.id ?? 0
    let response: Response
    try {
      response = await post(url, { ...body, request_id: requestId }, lastId > 0 ? { 'last-event-id': String(lastId) } : {})
    } catch {
      statuses.push(0)
      continue
    }
    statuses.push(response.status)
    if (response.status >= 500) {
      await response.text()
      continue
    }
    if (response.status !== 200) return { requestId, events, statuses, final: (await response.json()).error.code as string }
    // Read as it arrives: a stream cut mid-way (its host went away) keeps what came before the cut.
    try {
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        const end = buffer.lastIndexOf('\n\n')
        if (end === -1) continue
        for (const message of parseSse(buffer.slice(0, end + 2))) events.push({ id: Number(message.id), event: message.data })
        buffer = buffer.slice(end + 2)
      }
    } catch {
      // Cut: resume from the last event seen.
    }
    if (events.some(({ event }) => event.event_type === 'complete')) {
      const failure = events.findLast(({ event }) => event.event_type === 'error')?.event
      return { requestId, events, statuses, final: failure?.event_type === 'error' ? failure.code : 'complete' }
    }
  }
  return { requestId, events, statuses, final: 'gave up' }
}

const textOfEvents = (events: { event: StreamEvent }[]) => events.map(({ event }) => (event.event_type === 'text_delta' ? event.text : '')).join('')

describe('config', () => {
  it('published on one host serves on the others at once', async () => {
    const [first, second, third] = cluster.hostUrls.map((url) => ownerClient(url, CLUSTER_ADMIN_TOKEN))
    const made = await first!.createAgent({ name: 'Version one', model: CLUSTER_MODEL })
    await first!.publish(made.id)
    const infoOn = async (url: string) => (await (await fetch(`${url}/api/v1/published/${made.id}`)).json()).name
    expect(await Promise.all(cluster.hostUrls.map(infoOn))).toEqual(['Version one', 'Version one', 'Version one'])
    await second!.updateAgent(made.id, { name: 'Version two' })
    await third!.publish(made.id)
    expect(await Promise.all(cluster.hostUrls.map(infoOn))).toEqual(['Version two', 'Version two', 'Version two'])
    const replies = await Promise.all(cluster.hostUrls.map(async (url) => (await readSse(await post(chatUrl(url, made.id), { request: 'hi' }))).at(-2)?.data))
    expect(replies.map((event) => event?.event_type === 'complete' && event.success)).toEqual([true, true, true])
  })
})

describe('signed visitor identity across hosts', () => {
  it("lists a user's conversation on every host, and a secret rotated on one host is the only one any host accepts", async () => {
    const [first, , third] = cluster.hostUrls.map((url) => ownerClient(url, CLUSTER_ADMIN_TOKEN))
    const made = await first!.createAgent({ name: 'Signed in', model: CLUSTER_MODEL })
    await first!.publish(made.id)
    const secretFrom = async (owner: typeof first) => (await owner!.call('POST', `/agents/${made.id}/identity/secret`)).body.secret as string
    const token = (secret: string) => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'cluster-user', exp: Math.floor(Date.now() / 1000) + 600 })}`
      return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
    }
    const oldSecret = await secretFrom(first)
    const asUser = (t: string) => ({ 'X-Porch-User-Token': t })
    const said = await readSse(
      await post(chatUrl(cluster.hostUrls[0]!, made.id), { request: 'Hi from host one', session_id: 'cluster-signed' }, asUser(token(oldSecret))),
    )
    expect(said.at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })
    const listOn = async (url: string, t: string) => fetch(`${url}/api/v1/published/${made.id}/conversations`, { headers: asUser(t) })
    for (const url of cluster.hostUrls) {
      const listed = await (await listOn(url, token(oldSecret))).json()
      expect(listed.conversations.map((c: { session_id: string }) => c.session_id)).toEqual(['cluster-signed'])
    }
    const newSecret = await secretFrom(third)
    for (const url of cluster.hostUrls) {
      expect((await listOn(url, token(oldSecret))).status).toBe(401)
      expect((await listOn(url, token(newSecret))).status).toBe(200)
    }
  })
})

describe('a run followed from another host', () => {
  it('resumes a dropped stream on another host: the missed events once, the rest live, and no second run', async () => {
    const [hostA, hostB] = cluster.hostUrls as [string, string]
    const requestId = randomUUID()
    const body = { request: slow(20), session_id: randomUUID(), request_id: requestId }
    const modelCallsBefore = cluster.fake.requests.length
    const first = await readSseUntil(await post(chatUrl(hostA), body), (message) => message.data.event_type === 'text_delta' && Number(message.id) >= 4)
    const lastId = Number(first.at(-1)!.id)
    const rest = await readSse(await post(chatUrl(hostB), body, { 'last-event-id': String(lastId) }))
    const ids = [...first, ...rest].map((message) => Number(message.id))
    expect(ids).toEqual(ids.map((_, i) => i + 1))
    expect(textOf([...first, ...rest])).toBe(words(20).join(''))
    expect(rest.at(-2)!.data).toMatchObject({ event_type: 'complete', success: true })
    expect(cluster.fake.requests.length - modelCallsBefore).toBe(1)
    // The same request again, on the third host, without Last-Event-ID: the whole run replayed, still one run.
    const replay = await readSse(await post(chatUrl(cluster.hostUrls[2]!), body))
    expect(textOf(replay)).toBe(words(20).join(''))
    expect(cluster.fake.requests.length - modelCallsBefore).toBe(1)
  })

  it('is stopped by a Stop sent to another host', async () => {
    const [hostA, hostB] = cluster.hostUrls as [string, string]
    const requestId = randomUUID()
    const sessionId = randomUUID()
    const stream = post(chatUrl(hostA), { request: slow(100), session_id: sessionId, request_id: requestId })
    let stopped: Promise<number> | undefined
    const seen = await readSseUntil(await stream, (message) => {
      if (message.data.event_type === 'text_delta' && Number(message.id) === 3)
        stopped = post(`${chatUrl(hostB)}/stop`, { request_id: requestId }).then((r) => r.status)
      return message.data.event_type === 'complete'
    })
    expect(await stopped).toBe(204)
    expect(seen.at(-1)!.data).toMatchObject({ event_type: 'complete', success: false })
    expect(seen.filter((message) => message.data.event_type === 'error').map((message) => message.data)).toMatchObject([{ code: 'cancelled' }])
    expect(textOf(seen).split(' ').length).toBeLessThan(50)
    const history = await eventually(async () => {
      const response = await fetch(`${cluster.hostUrls[2]}/api/v1/published/${agent.id}/sessions/${sessionId}`)
      return response.status === 200 ? (await response.json()).messages : undefined
    })
    expect(history.map((message: { role: string; status: string }) => `${message.role} ${message.status}`)).toEqual(['user cancelled', 'assistant cancelled'])
    expect((await post(`${chatUrl(hostB)}/stop`, { request_id: requestId })).status).toBe(404)
  })
})

describe('a UI chat (the AI SDK’s useChat) followed from another host', () => {
  const uiChat = (base: string) => `${base}/api/v1/published/${agent.id}/ui-chat`
  const userMessage = (text: string) => ({ id: randomUUID(), role: 'user', parts: [{ type: 'text', text }] })

  /** Reads `data:` chunks off a UI message stream until `stop` says so (or it ends); the reader is left open. */
  async function readChunks(reader: ReadableStreamDefaultReader<Uint8Array>, stop: (chunk: { type?: string }) => boolean) {
    const decoder = new TextDecoder()
    const chunks: ({ type?: string; delta?: string } | string)[] = []
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return chunks
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
        if (!line.startsWith('data: ')) continue
        const payload = line.slice(6)
        const chunk = payload === '[DONE]' ? payload : JSON.parse(payload)
        chunks.push(chunk)
        if (typeof chunk !== 'string' && stop(chunk)) return chunks
      }
    }
  }
  const deltas = (chunks: ({ type?: string; delta?: string } | string)[]) =>
    chunks.map((chunk) => (typeof chunk !== 'string' && chunk.type === 'text-delta' ? chunk.delta : '')).join('')

  it('resumes on another host from the first chunk (204 once it ended), and is stopped from another host', async () => {
    const [hostA, hostB, hostC] = cluster.hostUrls as [string, string, string]
    const chatId = randomUUID()
    const modelCallsBefore = cluster.fake.requests.length
    const first = await post(uiChat(hostA), { id: chatId, messages: [userMessage(slow(20))], trigger: 'submit-message' })
    const firstReader = first.body!.getReader()
    let seen = 0
    await readChunks(firstReader, (chunk) => chunk.type === 'text-delta' && ++seen === 3)
    // The page goes away: its stream is dropped mid-answer.
    await firstReader.cancel()

    const resumed = await fetch(`${uiChat(hostB)}/${chatId}/stream`)
    expect(resumed.status).toBe(200)
    expect(resumed.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1')
    const replay = await readChunks(resumed.body!.getReader(), () => false)
    expect(deltas(replay)).toBe(words(20).join(''))
    expect(replay.at(-1)).toBe('[DONE]')
    expect(replay.filter((chunk) => typeof chunk !== 'string' && chunk.type === 'finish')).toHaveLength(1)
    expect(cluster.fake.requests.length - modelCallsBefore).toBe(1)
    await eventually(async () => ((await fetch(`${uiChat(hostC)}/${chatId}/stream`)).status === 204 ? true : undefined))

    const stopping = await post(uiChat(hostA), { id: chatId, messages: [userMessage(slow(100))], trigger: 'submit-message' })
    const reader = stopping.body!.getReader()
    await readChunks(reader, (chunk) => chunk.type === 'text-delta')
    expect((await post(`${uiChat(hostB)}/${chatId}/stop`, {})).status).toBe(204)
    const rest = await readChunks(reader, () => false)
    expect(rest.filter((chunk) => typeof chunk !== 'string').map((chunk) => (chunk as { type: string }).type)).toContain('abort')
    expect(deltas(rest).split(' ').length).toBeLessThan(50)
  })
})

describe('limits', () => {
  it(`admit exactly PORCH_RATE_CHAT_PER_MINUTE (${RATE_PER_MINUTE}) chats per IP across the three hosts`, async () => {
    const limited = await cluster.owner.publishedAgent({ name: 'Limited', model: CLUSTER_MODEL }, { api_response_mode: 'non_streaming' })
    const statuses = await Promise.all(
      Array.from({ length: 90 }, () => post(`${chatUrl(cluster.url, limited.id)}/sync`, { request: 'hi' }).then((r) => r.status)),
    )
    expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_PER_MINUTE)
    expect(statuses.filter((status) => status === 429)).toHaveLength(90 - RATE_PER_MINUTE)
    // Each host counts its refusals and writes them in batches; a report first writes the asking
    // host's, so asking each host in turn adds them all up in the shared database.
    const range = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`
    const reports: { totals: { rate_limited: number; runs: number } }[] = []
    for (const host of cluster.hostUrls) {
      const reply = await fetch(`${host}/api/v1/analytics?agent_id=${limited.id}&${range}`, { headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}` } })
      expect(reply.status).toBe(200)
      reports.push(await reply.json())
    }
    expect(reports.at(-1)!.totals).toMatchObject({ runs: RATE_PER_MINUTE, rate_limited: 90 - RATE_PER_MINUTE })
  })

  it('a link with quota_total 10 admits exactly 10 of 50 concurrent messages spread over the hosts', async () => {
    const quoted = await cluster.owner.publishedAgent({ name: 'Quoted', model: CLUSTER_MODEL }, { api_response_mode: 'non_streaming' })
    const created = await cluster.owner.call('POST', `/agents/${quoted.id}/links`, { name: 'Share', quota_total: 10 })
    expect(created.status).toBe(201)
    const link = created.body
    // Spread over the hosts directly (the balancer's round robin would too), 50 at once.
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(`${cluster.hostUrls[i % 3]}/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }).then((r) => r.status)),
    )
    expect(statuses.filter((status) => status === 200)).toHaveLength(10)
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true)
  })
})

describe('a host killed with SIGKILL during 50 streams', () => {
  it('leaves the other two serving, loses nothing completed, and ends its runs cleanly for their clients', async () => {
    const chats = Array.from({ length: 50 }, () => chatLikeTheWidget(chatUrl(cluster.url), { request: slow(15), session_id: randomUUID() }))
    await new Promise((resolve) => setTimeout(resolve, 600))
    await cluster.kill(0)
    const results = await Promise.all(chats)
    // Every client got an end: its answer, or run_gone for a run that died with its host. None hangs or gives up.
    const finals = results.map((result) => result.final)
    expect(finals.filter((final) => final !== 'complete' && final !== 'run_gone')).toEqual([])
    const completed = results.filter((result) => result.final === 'complete')
    const gone = results.filter((result) => result.final === 'run_gone')
    expect(completed.length).toBeGreaterThan(0)
    expect(gone.length).toBeGreaterThan(0)
    for (const result of completed) expect(textOfEvents(result.events)).toBe(words(15).join(''))
    // New chats keep working on the two left.
    const after = await Promise.all([1, 2, 3].map(() => chatLikeTheWidget(chatUrl(cluster.url), { request: 'still there?' })))
    expect(after.map((result) => result.final)).toEqual(['complete', 'complete', 'complete'])

    // Everything completed is stored; the dead host's runs are marked interrupted through its lease.
    const snapshot = await inspectDatabase({ kind: 'postgres', env: { PORCH_DB: '' }, path: '', url: cluster.databaseUrl })
    expect(snapshot.integrity).toBe('ok')
    for (const result of completed) {
      const started = result.events.find(({ event }) => event.event_type === 'run_started')!.event as Extract<StreamEvent, { event_type: 'run_started' }>
      expect(snapshot.traces.get(started.trace_id)?.status).toBe('success')
      expect(snapshot.messages.filter((row) => row.session_id === started.session_id).map((row) => `${row.role} ${row.status}`)).toEqual([
        'user complete',
        'assistant complete',
      ])
    }
    await eventually(async () => {
      const traces = [...(await inspectDatabase({ kind: 'postgres', env: { PORCH_DB: '' }, path: '', url: cluster.databaseUrl })).traces.values()]
      return traces.some((trace) => trace.status === 'running') ? undefined : true
    }, 20_000)
    const swept = await inspectDatabase({ kind: 'postgres', env: { PORCH_DB: '' }, path: '', url: cluster.databaseUrl })
    expect([...swept.traces.values()].filter((trace) => trace.status === 'interrupted').length).toBeGreaterThanOrEqual(gone.length)
    await cluster.start(0)
  }, 90_000)
})

describe('a rolling restart under steady traffic', () => {
  it('loses no request: SIGTERM one host at a time, each back before the next', async () => {
    let running = true
    const outcomes: string[] = []
    // An agent per client: each stays far below the per-IP limit.
    const agents = await Promise.all(Array.from({ length: 6 }, (_, i) => cluster.owner.publishedAgent({ name: `Steady ${i}`, model: CLUSTER_MODEL })))
    const client = async (steady: Agent) => {
      while (running) {
        const result = await chatLikeTheWidget(chatUrl(cluster.url, steady.id), { request: slow(5), session_id: randomUUID() })
        outcomes.push(result.final === 'complete' && textOfEvents(result.events) === words(5).join('') ? 'complete' : `${result.final} ${result.statuses}`)
      }
    }
    const clients = agents.map(client)
    for (const i of [0, 1, 2]) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const exit = await cluster.restart(i)
      expect(exit.code).toBe(0)
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
    running = false
    await Promise.all(clients)
    expect(outcomes.length).toBeGreaterThan(12)
    expect(outcomes.filter((outcome) => outcome !== 'complete')).toEqual([])
  }, 120_000)
})
