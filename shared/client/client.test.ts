/**
 * @porch/client against a real host on 127.0.0.1 (SQLite file, the demo model; a fake
 * OpenAI-compatible server where a test must hold a run open): each method family, the
 * error mapping, and a stream that resumes after its connection broke.
 */
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../host/testing/fake-providers.ts'
import { ADMIN_TOKEN, eventually, startTestHost, type TestHost } from '../../host/testing/harness.ts'
import type { StreamEvent } from '../protocol.ts'
import { type ChatStream, PorchClient, PorchError } from './index.ts'

let host: TestHost
let model: FakeProvider
let porch: PorchClient
/** Resolving it lets the held fake model answer the rest; replaced per test. */
let release: () => void = () => {}
let held: Promise<void> = Promise.resolve()

beforeAll(async () => {
  model = await startFakeOpenAI(() => ({ text: ['First words, ', 'then ', 'the rest.'], hold: { afterChunks: 1, until: held } }))
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
  porch = new PorchClient({ baseUrl: host.url, token: ADMIN_TOKEN })
})
afterAll(async () => {
  release()
  await host?.stop()
  await model?.close()
})

function holdModel() {
  held = new Promise<void>((resolve) => {
    release = resolve
  })
}

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = []
  for await (const event of stream) events.push(event)
  return events
}

const textOf = (events: StreamEvent[]) => events.map((event) => (event.event_type === 'text_delta' ? event.text : '')).join('')

/** The PorchError a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<PorchError> {
  const error = await promise.then(
    () => null,
    (error: unknown) => error,
  )
  expect(error).toBeInstanceOf(PorchError)
  return error as PorchError
}

describe('owner API', () => {
  it('agents: create, read, change, publish, versions, activate, embed, unpublish, delete', async () => {
    const agent = await porch.agents.create({ name: 'Client agent', model: 'demo:instant', instructions: 'Be brief.' })
    expect(agent).toMatchObject({ name: 'Client agent', model: 'demo:instant', published: false, active_version: null, max_turns: 8 })
    expect((await porch.agents.list()).map((a) => a.id)).toContain(agent.id)
    expect(await porch.agents.get(agent.id)).toEqual(agent)

    const published = await porch.agents.publish(agent.id, { description: 'First' })
    expect(published).toMatchObject({ status: 'success', version: { version: 1 } })
    const changed = await porch.agents.update(agent.id, { welcome_message: 'Hi there' })
    expect(changed).toMatchObject({ welcome_message: 'Hi there', has_unpublished_changes: true })
    await porch.agents.publish(agent.id, { description: 'Second' })
    const versions = await porch.agents.versions(agent.id)
    expect(versions.map((v) => [v.version, v.description, v.active])).toEqual([
      [2, 'Second', true],
      [1, 'First', false],
    ])
    expect(await porch.agents.activateVersion(agent.id, 1)).toMatchObject({ active_version: 1 })
    expect((await porch.published(agent.id).info()).welcome_message).toBe('')
    expect((await porch.agents.embed(agent.id)).url).toMatch(new RegExp(`/published/${agent.id}$`))

    expect(await porch.agents.unpublish(agent.id)).toMatchObject({ published: false })
    expect((await failure(porch.published(agent.id).info())).status).toBe(404)
    await porch.agents.delete(agent.id)
    const gone = await failure(porch.agents.get(agent.id))
    expect([gone.status, gone.code]).toEqual([404, 'not_found'])
  })

  it('chat keys and owner keys: create, list, refresh, use, delete', async () => {
    const agent = await porch.agents.create({ name: 'Keyed', model: 'demo:instant' })
    const key = await porch.keys.create(agent.id, { name: 'backend' })
    expect(key.key).toMatch(new RegExp(`^${key.id}\\.`))
    const refreshed = await porch.keys.refresh(key.id)
    expect(refreshed.key).not.toBe(key.key)
    expect(await porch.keys.list(agent.id)).toEqual([expect.objectContaining({ id: key.id, name: 'backend', refreshed_at: expect.any(String) })])
    await porch.keys.delete(key.id)
    expect(await porch.keys.list(agent.id)).toEqual([])

    const viewer = await porch.ownerKeys.create({ name: 'read only', role: 'viewer', agent_ids: [agent.id] })
    expect((await porch.ownerKeys.list()).map((k) => k.id)).toContain(viewer.id)
    const asViewer = new PorchClient({ baseUrl: host.url, token: viewer.key })
    expect((await asViewer.agents.list()).map((a) => a.id)).toEqual([agent.id])
    const refused = await failure(asViewer.agents.update(agent.id, { name: 'Renamed' }))
    expect([refused.status, refused.code]).toEqual([403, 'forbidden'])
    await porch.ownerKeys.delete(viewer.id)
    const revoked = await failure(asViewer.agents.list())
    expect([revoked.status, revoked.code]).toEqual([401, 'unauthorized'])
  })

  it('knowledge: add a text, list, read its chunks, search; the answer streams its sources', async () => {
    const agent = await porch.agents.create({ name: 'Harbour help', model: 'demo:instant' })
    const source = await porch.knowledge.add(agent.id, {
      kind: 'text',
      title: 'Pricing',
      text: '# Pricing\n\n## Plans\n\nThe Harbour plan costs 42 euros a month.\n\n## Refunds\n\nRefunds are paid within 14 days.\n',
    })
    const ready = source.status === 'importing' ? await porch.knowledge.waitUntilRead(agent.id, source.id, { intervalMs: 50 }) : source
    expect(ready).toMatchObject({ kind: 'text', title: 'Pricing', status: 'ready' })
    expect((await porch.knowledge.list(agent.id)).map((s) => s.id)).toEqual([source.id])
    const detail = await porch.knowledge.get(agent.id, source.id)
    expect(detail.chunks.map((c) => c.text).join('\n')).toContain('42 euros a month')
    const [best] = await porch.knowledge.search(agent.id, 'harbour plan euros', { limit: 3 })
    expect(best).toMatchObject({ source_id: source.id, text: expect.stringContaining('42 euros') })

    await porch.agents.publish(agent.id)
    expect(await porch.knowledge.list(agent.id, { version: 1 })).toHaveLength(1)
    const events = await collect(porch.published(agent.id).stream('How much is the Harbour plan?'))
    const sources = events.find((event) => event.event_type === 'sources')
    expect(sources?.event_type === 'sources' && sources.sources[0]).toMatchObject({ index: 1, title: 'Pricing', source_id: source.id })

    const file = await porch.knowledge.addFile(agent.id, {
      filename: 'moorings.md',
      bytes: new TextEncoder().encode('# Moorings\n\nBerths are 12 metres long.\n'),
    })
    expect(file).toMatchObject({ kind: 'file', title: expect.stringContaining('oorings') })
    const [berth] = await porch.knowledge.search(agent.id, 'berths metres')
    expect(berth?.source_id).toBe(file.id)
    const notWeb = await failure(porch.knowledge.refresh(agent.id, file.id))
    expect([notWeb.status, notWeb.code]).toEqual([409, 'not_refreshable'])
    await porch.knowledge.delete(agent.id, file.id)

    await porch.knowledge.delete(agent.id, source.id)
    expect(await porch.knowledge.list(agent.id)).toEqual([])
    expect((await failure(porch.knowledge.get(agent.id, source.id))).code).toBe('not_found')
  })
})

describe('visitor API', () => {
  it('streams typed events, reads the session back, and answers a non-streaming agent in one reply', async () => {
    const agent = await porch.agents.create({ name: 'Clock', model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    await porch.agents.publish(agent.id)
    const chat = porch.published(agent.id)
    expect(await chat.info()).toMatchObject({ id: agent.id, name: 'Clock', api_response_mode: 'streaming', requires_password: false })

    const stream = chat.stream('What time is it?', { sessionId: 'client-clock' })
    const events = await collect(stream)
    const types = events.map((e) => e.event_type)
    expect(types.slice(0, 2)).toEqual(['run_started', 'turn_start'])
    expect(types.slice(-2)).toEqual(['complete', 'trace_saved'])
    expect(types.indexOf('tool_call')).toBe(types.indexOf('tool_result') - 1)
    expect(events.find((e) => e.event_type === 'tool_call')).toMatchObject({ tool_name: 'current_time' })
    expect(events.at(-2)).toMatchObject({ event_type: 'complete', success: true, answer: expect.stringContaining('The `current_time` tool answered') })
    expect(stream.sessionId).toBe('client-clock')
    expect(stream.lastEventId).toBe(events.length)

    const history = await chat.history('client-clock')
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    expect(history.messages[1]?.content).toContainEqual(expect.objectContaining({ type: 'tool_use', name: 'current_time' }))

    const syncAgent = await porch.agents.create({ name: 'Clock', model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    await porch.agents.publish(syncAgent.id, { api_response_mode: 'non_streaming' })
    const reply = await porch.published(syncAgent.id).send('What time is it?')
    expect(reply).toMatchObject({ success: true, error: null, answer: expect.stringContaining('The `current_time` tool answered') })
    expect(reply.steps.map((s) => s.tool_name)).toContain('current_time')
    const again = await porch.published(syncAgent.id).send('Hello again', { sessionId: reply.session_id })
    expect(again.answer).toContain('**1** earlier question')
  })

  it('chats as a signed-in user with a user token, lists their conversations, and is refused with a bad token', async () => {
    const agent = await porch.agents.create({ name: 'Signed', model: 'demo:instant' })
    await porch.agents.publish(agent.id, { api_response_mode: 'non_streaming' })
    const secret = (await host.owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret as string
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'client-user', exp: Math.floor(Date.now() / 1000) + 60 })}`
    const token = `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`

    const chat = porch.published(agent.id).setUserToken(token)
    const reply = await chat.send('Hello as a user')
    const listed = await chat.conversations({ limit: 5 })
    expect(listed).toEqual({ conversations: [expect.objectContaining({ session_id: reply.session_id, preview: 'Hello as a user' })], next_cursor: null })
    expect((await failure(porch.published(agent.id).conversations())).code).toBe('identity_required')
    expect((await failure(porch.published(agent.id).setUserToken(`${token}x`).send('tampered'))).code).toBe('invalid_identity')
  })

  it('downloads a file a tool handed out, by the path in its event', async () => {
    const agent = await porch.agents.create({ name: 'Files', model: 'demo:instant', tools: [{ type: 'builtin', name: 'create_file' }] })
    await porch.agents.publish(agent.id)
    const chat = porch.published(agent.id)
    const events = await collect(chat.stream('A CSV file, please'))
    const file = events.find((event) => event.event_type === 'output_file')
    if (file?.event_type !== 'output_file') throw new Error('no output_file event')
    const blob = await chat.download(file.download_url)
    expect(blob.type).toMatch(/^text\/csv/)
    expect(await blob.text()).toContain('question,answered_by')
    const missing = await failure(chat.download(file.download_url.replace(file.file_id, crypto.randomUUID())))
    expect([missing.status, missing.code]).toEqual([404, 'not_found'])
  })

  it('uploads an attachment to a session and sends it with the next message', async () => {
    const agent = await porch.agents.create({ name: 'Reader', model: 'demo:instant', attachments: true })
    await porch.agents.publish(agent.id)
    const chat = porch.published(agent.id)
    const uploaded = await chat.upload('with-file', { filename: 'notes.txt', bytes: new TextEncoder().encode('Bring a towel.'), contentType: 'text/plain' })
    expect(uploaded).toMatchObject({ filename: 'notes.txt', size: 14, content_type: 'text/plain' })
    const events = await collect(chat.stream('Read this', { sessionId: 'with-file', attachments: [uploaded.file_id] }))
    expect(textOf(events)).toContain('You attached the text file **notes.txt**')
    const [question] = (await chat.history('with-file')).messages
    expect(question?.content).toContainEqual(expect.objectContaining({ type: 'attachment', file_id: uploaded.file_id }))

    const plain = await porch.agents.create({ name: 'No files', model: 'demo:instant' })
    await porch.agents.publish(plain.id)
    const refused = await failure(porch.published(plain.id).upload('s', { filename: 'a.txt', bytes: new Uint8Array([104, 105]), contentType: 'text/plain' }))
    expect([refused.status, refused.code]).toEqual([400, 'attachments_disabled'])
  })

  it('share links: locked until unlocked, a rotated token, quotas, then deleted', async () => {
    const agent = await porch.agents.create({ name: 'Linked', model: 'demo:instant' })
    await porch.agents.publish(agent.id, { access: 'link' })
    const link = await porch.links.create(agent.id, { name: 'Beta', password: 'open sesame', quota_per_visitor_per_day: 1 })
    expect(link).toMatchObject({ has_password: true, warnings: [], url: expect.stringMatching(new RegExp(`/l/${link.token}$`)) })

    const visitor = porch.link(link.token)
    expect(await visitor.info()).toMatchObject({ id: '', requires_password: true })
    expect((await failure(collect(visitor.stream('Hello')))).code).toBe('password_required')
    const wrong = await failure(visitor.unlock('not it'))
    expect([wrong.status, wrong.code]).toEqual([401, 'wrong_password'])
    await visitor.unlock('open sesame')
    expect(await visitor.info()).toMatchObject({ id: agent.id, requires_password: true })
    const events = await collect(visitor.stream('Hello through the link'))
    expect(events.at(-2)).toMatchObject({ event_type: 'complete', success: true })

    const spent = await failure(collect(visitor.stream('Once more')))
    expect([spent.status, spent.code]).toEqual([429, 'quota_exceeded'])
    expect(spent.retryAfter).toBeGreaterThan(0)

    const rotated = await porch.links.update(link.id, { rotate_token: true, name: 'Beta 2' })
    expect(rotated).toMatchObject({ name: 'Beta 2', token: expect.any(String) })
    expect(rotated.token).not.toBe(link.token)
    expect((await failure(visitor.info())).status).toBe(404)
    expect((await porch.links.list(agent.id)).map((l) => l.name)).toEqual(['Beta 2'])
    await porch.links.delete(link.id)
    expect(await porch.links.list(agent.id)).toEqual([])
  })
})

describe('errors', () => {
  it('maps the error body: status, code, message and the details of a bad body', async () => {
    const bad = await failure(porch.agents.create({ name: '', model: 'demo' }))
    expect([bad.status, bad.code]).toEqual([400, 'invalid_request'])
    expect(bad.message).toMatch(/name/)
    expect(bad.details).toBeDefined()

    const anonymous = await failure(new PorchClient({ baseUrl: host.url }).agents.list())
    expect([anonymous.status, anonymous.code]).toEqual([401, 'unauthorized'])

    const sync = await porch.agents.create({ name: 'Sync only', model: 'demo:instant' })
    await porch.agents.publish(sync.id, { api_response_mode: 'non_streaming' })
    const wrongMode = await failure(collect(porch.published(sync.id).stream('Hi')))
    expect([wrongMode.status, wrongMode.code]).toEqual([400, 'wrong_mode'])
    expect(wrongMode.message).toContain('/chat/sync')
  })

  it('says when no host answers, or a reply breaks the contract, instead of handing out wrong types', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ agents: [{ id: 42 }] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const broken = await failure(new PorchClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' }).agents.list())
      expect([broken.status, broken.code]).toEqual([200, 'bad_response'])
      expect(broken.message).toMatch(/^GET \/api\/v1\/agents: .*agents\.0\.id/)
      const token = 'A'.repeat(43)
      const linkInfo = await failure(new PorchClient({ baseUrl: `http://127.0.0.1:${port}` }).link(token).info())
      expect(linkInfo.message).toMatch(/^GET \/api\/v1\/links\/…: /)
      expect(linkInfo.message).not.toContain(token)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    const nobody = await failure(new PorchClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' }).agents.list())
    expect([nobody.status, nobody.code]).toEqual([0, 'network'])
  })
})

describe('a newer host', () => {
  it('skips stream events this build does not know and drops fields it does not know', async () => {
    const events = [
      { event_type: 'run_started', turn: 0, trace_id: 't', session_id: 's', request_id: 'r' },
      { event_type: 'reasoning_delta', turn: 1, text: 'hmm' },
      { event_type: 'text_delta', turn: 1, text: 'Hi', confidence: 0.9 },
      { event_type: 'complete', turn: 1, success: true, answer: 'Hi', total_turns: 1, total_input_tokens: 1, total_output_tokens: 1 },
    ]
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.end(events.map((event, index) => `id: ${index + 1}\nevent: ${event.event_type}\ndata: ${JSON.stringify(event)}\n\n`).join(''))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const stream = new PorchClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }).published('a').stream('Hi')
      const read = await collect(stream)
      expect(read.map((event) => event.event_type)).toEqual(['run_started', 'text_delta', 'complete'])
      expect(read[1]).toEqual({ event_type: 'text_delta', turn: 1, text: 'Hi' })
      expect(stream.lastEventId).toBe(4)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('stream resume and stop', () => {
  /** A fetch whose first chat stream breaks off after its first text delta, as a dropped connection does. */
  function fetchThatDropsOnce() {
    const calls: { lastEventId: string | null }[] = []
    const dropping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).endsWith('/chat')) return response
      calls.push({ lastEventId: new Headers(init?.headers).get('last-event-id') })
      if (calls.length > 1) return response
      const upstream = response.body!.getReader()
      let seen = ''
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await upstream.read()
          if (done) return controller.close()
          seen += new TextDecoder().decode(value)
          controller.enqueue(value)
          if (seen.includes('event: text_delta')) {
            await upstream.cancel()
            controller.error(new TypeError('terminated'))
            release()
          }
        },
      })
      return new Response(body, { status: response.status, headers: response.headers })
    }
    return { dropping, calls }
  }

  it('resumes a dropped stream on its own: the same run, no event twice, the model asked once', async () => {
    holdModel()
    const agent = await porch.agents.create({ name: 'Held', model: 'openai:gpt-test' })
    await porch.agents.publish(agent.id)
    const { dropping, calls } = fetchThatDropsOnce()
    const client = new PorchClient({ baseUrl: host.url, fetch: dropping })
    const before = model.requests.length

    const events = await collect(client.published(agent.id).stream('Tell me', { retryDelay: () => 0 }))
    expect(calls).toHaveLength(2)
    expect(Number(calls[1]!.lastEventId)).toBeGreaterThan(0)
    expect(events.filter((e) => e.event_type === 'run_started')).toHaveLength(1)
    expect(textOf(events)).toBe('First words, then the rest.')
    expect(events.at(-2)).toMatchObject({ event_type: 'complete', success: true, answer: 'First words, then the rest.' })
    expect(model.requests.length - before).toBe(1)
  })

  it('resumes from another reader with requestId and lastEventId', async () => {
    holdModel()
    const agent = await porch.agents.create({ name: 'Held again', model: 'openai:gpt-test' })
    await porch.agents.publish(agent.id)
    const chat = porch.published(agent.id)
    const first = chat.stream('Tell me', { sessionId: 'resumed' })
    const seen: StreamEvent[] = []
    for await (const event of first) {
      seen.push(event)
      if (event.event_type === 'text_delta') break
    }
    release()
    const resumed: ChatStream = chat.stream('Tell me', { sessionId: 'resumed', requestId: first.requestId, lastEventId: first.lastEventId })
    const rest = await collect(resumed)
    expect(rest[0]?.event_type).not.toBe('run_started')
    expect(textOf([...seen, ...rest])).toBe('First words, then the rest.')
    expect(resumed.lastEventId).toBe(first.lastEventId + rest.length)
    expect((await chat.history('resumed')).messages).toHaveLength(2)
  })

  it('stops a running answer', async () => {
    holdModel()
    const agent = await porch.agents.create({ name: 'Stopped', model: 'openai:gpt-test' })
    await porch.agents.publish(agent.id)
    const stream = porch.published(agent.id).stream('Go on and on')
    const events: StreamEvent[] = []
    for await (const event of stream) {
      events.push(event)
      if (event.event_type === 'text_delta') await stream.stop()
    }
    expect(events.at(-3)).toMatchObject({ event_type: 'error', code: 'cancelled' })
    expect(events.at(-2)).toMatchObject({ event_type: 'complete', success: false })
    await eventually(() => (model.aborted > 0 ? true : undefined))
    const notRunning = await failure(stream.stop())
    expect([notRunning.status, notRunning.code]).toEqual([404, 'not_found'])
  })
})
