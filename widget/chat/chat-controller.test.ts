/**
 * The chat state machine without a DOM: a ChatController in Node against a real host over HTTP.
 * fetch-event-source schedules retries on `window` and always unregisters a visibility listener
 * on `document`; Node's timers and an inert event target stand in for those two globals. The
 * same controller runs in Chromium in the end-to-end tests.
 */
import { createHmac } from 'node:crypto'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeProvider, startFakeOpenAI } from '../../host/testing/fake-providers.ts'
import { eventually, startTestHost, type TestHost } from '../../host/testing/harness.ts'
import type { Message } from '../../shared/protocol.ts'
import { fetchConversations, fetchHistory } from './chat-api.ts'
import { ChatController, textOf, toChatMessages } from './chat-controller.ts'
import { type ChatMessage, foldAnswerEvent, toSourceViews } from './transcript.ts'

;(globalThis as { window?: unknown }).window ??= globalThis
;(globalThis as { document?: unknown }).document ??= Object.assign(new EventTarget(), { hidden: false })

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await host.stop()
})

function controllerFor(agent: string) {
  let updates = 0
  const controller = new ChatController({ requestUpdate: () => void updates++ }, { target: () => ({ host: host.url, agent }) })
  return { controller, updates: () => updates }
}

describe('ChatController', () => {
  it('loads the agent, streams an answer with its tool call, and remembers the session', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }], starters: ['Hi'] })
    const { controller, updates } = controllerFor(agent.id)
    await controller.connect()
    expect(controller.phase).toBe('ready')
    expect(controller.info).toMatchObject({ id: agent.id, api_response_mode: 'streaming', starters: ['Hi'] })

    await controller.send('What time is it?')
    const [question, answer] = controller.messages
    expect(question).toMatchObject({ role: 'user', state: 'done' })
    expect(answer!.state).toBe('done')
    expect(answer!.parts.map((p) => p.type)).toEqual(['text', 'tool', 'text'])
    const tool = answer!.parts[1]
    expect(tool?.type === 'tool' && tool.tool).toMatchObject({ name: 'current_time', isError: false })
    expect(controller.announcement).toContain('The `current_time` tool answered')
    expect(updates()).toBeGreaterThan(5) // re-rendered as the stream went, not once at the end

    // A second controller in the same tab (a refresh) restores the transcript from the host.
    const again = controllerFor(agent.id).controller
    await again.connect()
    expect(again.sessionId).toBe(controller.sessionId)
    expect(again.messages.map((m) => [m.role, textOf(m)])).toEqual(controller.messages.map((m) => [m.role, textOf(m)]))
    expect(again.messages[1]!.parts.map((p) => p.type)).toEqual(['text', 'tool', 'text'])

    again.newChat()
    expect(again.messages).toEqual([])
    await again.connect()
    expect(again.sessionId).toBeNull()
  })

  it('rates a streamed answer (its stored number read from the history), restores the rating, changes it and takes it back', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant', tools: [{ type: 'builtin', name: 'current_time' }] })
    const { controller } = controllerFor(agent.id)
    await controller.connect()
    await controller.send('What time is it?')
    const answer = controller.messages[1]!
    expect(answer.seq).toBeUndefined()
    expect(await controller.rate(answer.id, 'up')).toBe(true)
    // The run stored four messages (question, tool call, tool result, answer): the rating names the last.
    expect(answer).toMatchObject({ seq: 4, feedback: { rating: 'up', comment: null, commenting: true } })
    const stored = async () => (await (await host.get(`/api/v1/published/${agent.id}/sessions/${controller.sessionId}`)).json()).messages as Message[]
    expect((await stored()).map((m) => m.feedback?.rating)).toEqual([undefined, undefined, undefined, 'up'])

    const again = controllerFor(agent.id).controller
    await again.connect()
    expect(again.messages[1]).toMatchObject({ seq: 4, feedback: { rating: 'up', comment: null } })
    expect(await again.rate(again.messages[1]!.id, 'down', 'Wrong time zone.')).toBe(true)
    expect(again.messages[1]!.feedback).toEqual({ rating: 'down', comment: 'Wrong time zone.', commenting: false })
    expect((await stored())[3]!.feedback).toMatchObject({ rating: 'down', comment: 'Wrong time zone.' })

    expect(await again.rate(again.messages[1]!.id, null)).toBe(true)
    expect(again.messages[1]!.feedback).toBeUndefined()
    expect((await stored())[3]!.feedback).toBeUndefined()
    // A visitor message is no answer, and an unknown id changes nothing.
    expect(await again.rate(again.messages[0]!.id, 'up')).toBe(false)
    expect(await again.rate('no-such-message', 'up')).toBe(false)
  })

  it('uses the sync endpoint for a non-streaming agent', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    const { controller } = controllerFor(agent.id)
    await controller.connect()
    await controller.send('Sync please')
    expect(controller.messages[1]!.state).toBe('done')
    expect(textOf(controller.messages[1]!)).toContain('> Sync please')
  })

  it('keeps the partial answer on stop, and the host stores it as cancelled', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo' })
    const { controller } = controllerFor(agent.id)
    await controller.connect()
    const sending = controller.send('A long one, please')
    await eventually(() => (controller.messages[1] && textOf(controller.messages[1]).length >= 30 ? true : undefined))
    controller.stop()
    await sending
    const partial = textOf(controller.messages[1]!)
    expect(controller.messages[1]!.state).toBe('stopped')
    expect(partial.length).toBeGreaterThanOrEqual(30)

    // The host stores the cancelled run as soon as its model call has stopped.
    const restored = controllerFor(agent.id).controller
    await eventually(async () => {
      await restored.connect()
      return restored.messages.length === 2 ? true : undefined
    })
    expect(restored.messages[1]!.state).toBe('stopped')
    expect(textOf(restored.messages[1]!).startsWith(partial)).toBe(true)
  })

  it('reports an agent that is not published as unavailable, with the host’s reason', async () => {
    const { controller } = controllerFor('00000000-0000-4000-8000-000000000000')
    await controller.connect()
    expect(controller.phase).toBe('unavailable')
    expect(controller.problem).toBe('Published agent not found')
  })

  it('retries a failed answer by sending the question again', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const { controller } = controllerFor(agent.id)
    await controller.connect()
    controller.messages = [
      { id: 'q', role: 'user', parts: [{ type: 'text', text: 'Try again' }], state: 'done' },
      { id: 'a', role: 'assistant', parts: [], state: 'error', error: 'boom', retryAt: 0 },
    ]
    await controller.retry('a')
    expect(controller.messages.map((m) => [m.role, m.state])).toEqual([
      ['user', 'done'],
      ['assistant', 'done'],
    ])
    expect(textOf(controller.messages[1]!)).toContain('> Try again')
  })
})

/**
 * A host whose model fails the first answer (400 is not retried) and then answers `text`, an
 * agent there that takes attachments, a controller for it with a table attached and sent once
 * (so its answer failed), and a count of the uploads the controller made.
 */
async function afterAFailedAnswerWithAFile(
  text: string,
  run: (steps: { controller: ChatController; uploads: () => number; host: TestHost; model: FakeProvider }) => Promise<void>,
) {
  const model = await startFakeOpenAI([{ status: 400, errorMessage: 'not today' }, { text: [text] }])
  const withModel = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
  const realFetch = globalThis.fetch
  let uploads = 0
  globalThis.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).includes('/attachments')) uploads++
    return realFetch(input, init)
  }
  try {
    const agent = await withModel.owner.publishedAgent({ model: 'openai:gpt-test', attachments: true })
    const controller = new ChatController({ requestUpdate: () => {} }, { target: () => ({ host: withModel.url, agent: agent.id }) })
    await controller.connect()
    controller.attach([new File(['city,visitors\nBerlin,12\n'], 'table.csv', { type: 'text/csv' })])
    await controller.send('Read this')
    expect(controller.messages.map((m) => m.state)).toEqual(['done', 'error'])
    await run({ controller, uploads: () => uploads, host: withModel, model })
  } finally {
    globalThis.fetch = realFetch
    await withModel.stop()
    await model.close()
  }
}

describe('retrying a failed answer that had attachments', () => {
  it('sends the same attachments again, without uploading them a second time', async () => {
    await afterAFailedAnswerWithAFile('Got the table.', async ({ controller, uploads, model }) => {
      await controller.retry(controller.messages[1]!.id)
      expect(controller.messages.map((m) => m.state)).toEqual(['done', 'done'])
      expect(textOf(controller.messages[1]!)).toBe('Got the table.')
      expect(controller.messages[0]!.parts.map((p) => p.type)).toEqual(['text', 'attachment'])
      expect(uploads()).toBe(1)
      // Both model calls read the file.
      expect(model.requests).toHaveLength(2)
      for (const request of model.requests) expect(JSON.stringify(request.body.messages)).toContain('Berlin,12')
    })
  })

  it('uploads the files it still holds again when the host has deleted them, and the answer reads them', async () => {
    await afterAFailedAnswerWithAFile('Got it this time.', async ({ controller, uploads, host, model }) => {
      // As the unused-upload sweep or PORCH_FILE_RETENTION_DAYS would, while the visitor waited.
      const db = new Database(host.dbPath)
      db.prepare('DELETE FROM files').run()
      db.close()

      await controller.retry(controller.messages[1]!.id)
      expect(controller.messages.map((m) => m.state)).toEqual(['done', 'done'])
      expect(textOf(controller.messages[1]!)).toBe('Got it this time.')
      expect(uploads()).toBe(2)
      expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('Berlin,12')
    })
  })
})

describe('an answer’s knowledge sources', () => {
  const GUIDE = '# Bakery guide\n\n## Custom cakes\n\nWe bake custom cakes to order, three days ahead.\n'

  it('shows the streamed sources under the answer, each upload linking to its file on the chat host, and restores them', async () => {
    const created = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
    const guide = await host.owner.addKnowledge(created.id, { filename: 'guide.md', body: GUIDE, contentType: 'text/markdown' })
    await host.owner.publish(created.id)
    const { controller } = controllerFor(created.id)
    await controller.connect()
    await controller.send('How do I order custom cakes?')
    const answer = controller.messages[1]!
    expect(answer.state).toBe('done')
    expect(textOf(answer)).toContain('[1]')
    const fileUrl = `${host.url}/api/v1/published/${created.id}/knowledge/${guide}/file`
    expect(answer.sources).toEqual([{ index: 1, label: 'Bakery guide › Custom cakes', url: fileUrl }])
    expect(await (await fetch(fileUrl)).text()).toBe(GUIDE)

    const again = controllerFor(created.id).controller
    await again.connect()
    expect(again.messages[1]!.sources).toEqual(answer.sources)
  })

  it('shows the sources of a sync reply', async () => {
    const created = await host.owner.createAgent({ name: 'Bakery', model: 'demo:instant' })
    await host.owner.addKnowledge(created.id, { title: 'Opening hours', text: 'The bakery opens at seven on weekdays.' })
    await host.owner.publish(created.id, { api_response_mode: 'non_streaming' })
    const { controller } = controllerFor(created.id)
    await controller.connect()
    await controller.send('When does the bakery open?')
    expect(controller.messages[1]!.sources).toMatchObject([{ index: 1, label: 'Opening hours' }])
    expect(controller.messages[1]!.sources![0]!.url).toMatch(new RegExp(`^${host.url}/api/v1/published/${created.id}/knowledge/[0-9a-f-]{36}/file$`))
  })

  it('reads sources by hand: pages keep their URL, files are resolved, odd entries are skipped, and none is no list', () => {
    const resolve = (url: string) => `https://chat.example${url}`
    expect(
      toSourceViews(
        [
          { index: 1, title: 'FAQ', heading_path: ['Keys', 7], url: 'https://docs.example/faq#keys', source_id: 's1', file_url: '/ignored', extra: true },
          { index: 2, title: 'guide', heading_path: [], url: null, source_id: 's2', file_url: '/api/v1/published/a/knowledge/s2/file' },
          { index: 3, title: 'From an older host', url: null, source_id: 's3' },
          { title: 'no number' },
          null,
        ],
        resolve,
      ),
    ).toEqual([
      { index: 1, label: 'FAQ › Keys', url: 'https://docs.example/faq#keys' },
      { index: 2, label: 'guide', url: 'https://chat.example/api/v1/published/a/knowledge/s2/file' },
      { index: 3, label: 'From an older host', url: null },
    ])
    expect(toSourceViews([])).toBeUndefined()
    expect(toSourceViews('nonsense')).toBeUndefined()
    const history: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'keys?' }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'search_knowledge', input: { query: 'keys' } }], status: 'complete' },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '[1] FAQ' }], status: 'complete' },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'See [1].' }],
        status: 'complete',
        sources: [{ index: 1, title: 'FAQ', heading_path: [], url: 'https://docs.example/faq', source_id: 's1' }],
      },
    ]
    expect(toChatMessages(history, resolve)[1]!.sources).toEqual([{ index: 1, label: 'FAQ', url: 'https://docs.example/faq' }])
  })
})

describe('toChatMessages', () => {
  it('folds one visitor turn with several model turns into one answer, tool results included', () => {
    const history: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'time?' }], status: 'complete' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 't1', name: 'current_time', input: {} },
        ],
        status: 'complete',
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'noon' }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'text', text: 'It is noon.' }], status: 'complete' },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }], status: 'error' },
    ]
    const messages = toChatMessages(history)
    expect(messages.map((m) => [m.role, m.state, textOf(m)])).toEqual([
      ['user', 'done', 'time?'],
      ['assistant', 'done', 'Checking.It is noon.'],
      ['user', 'done', 'thanks'],
      ['assistant', 'error', ''],
    ])
    expect(messages[1]!.parts[1]).toEqual({ type: 'tool', tool: { id: 't1', name: 'current_time', input: {}, result: 'noon', isError: false } })
  })
})

describe('foldAnswerEvent', () => {
  it('joins text deltas, adds tool calls in order and gives each its result; other events are the caller’s', () => {
    const answer: Pick<ChatMessage, 'parts'> = { parts: [] }
    const fold = (event: object) => foldAnswerEvent(answer, { turn: 1, ...event } as never)
    expect(fold({ event_type: 'text_delta', text: 'Let me ' })).toBe(true)
    fold({ event_type: 'text_delta', text: 'check.' })
    fold({ event_type: 'tool_call', tool_call_id: 'c1', tool_name: 'current_time', tool_input: {} })
    fold({ event_type: 'tool_result', tool_call_id: 'c1', tool_name: 'current_time', tool_input: {}, tool_result: 'noon', is_error: false })
    fold({ event_type: 'tool_result', tool_call_id: 'unknown', tool_name: 'x', tool_input: {}, tool_result: 'ignored', is_error: false })
    fold({ event_type: 'text_delta', text: 'It is noon.' })
    expect(fold({ event_type: 'complete', success: true })).toBe(false)
    expect(answer.parts).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool', tool: { id: 'c1', name: 'current_time', input: {}, result: 'noon', isError: false } },
      { type: 'text', text: 'It is noon.' },
    ])
  })
})

describe('human takeover', () => {
  it('follows the session’s events: a person joins and writes, the visitor’s message waits for no answer, the agent comes back', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const { controller } = controllerFor(agent.id)
    await controller.connect()
    await controller.send('Hello')
    controller.follow(true)
    const session = `/agents/${agent.id}/sessions/${controller.sessionId}`
    expect((await host.owner.call('POST', `${session}/takeover`, { name: 'Anna' })).status).toBe(200)
    await eventually(() => controller.takeover?.name)
    expect((await host.owner.call('POST', `${session}/takeover/messages`, { text: 'Anna here.' })).status).toBe(201)
    const person = await eventually(() => controller.messages.find((m) => m.author === 'Anna' && !m.notice))
    expect(person).toMatchObject({ role: 'assistant', state: 'done', seq: 3 })
    expect(textOf(person)).toBe('Anna here.')
    expect(controller.messages.find((m) => m.notice === 'joined')).toMatchObject({ author: 'Anna' })

    // Held: the message is sent and nothing waits for an answer.
    await controller.send('Thanks, Anna')
    expect(controller.messages.at(-1)).toMatchObject({ role: 'user' })
    expect(controller.busy).toBe(false)

    // A refresh rebuilds the same chat: the person's message apart, still with their name, still held.
    const again = controllerFor(agent.id).controller
    await again.connect()
    expect(again.takeover).toEqual({ name: 'Anna' })
    expect(again.messages.map((m) => [m.role, m.author ?? null, textOf(m)])).toEqual([
      ['user', null, 'Hello'],
      ['assistant', null, textOf(controller.messages[1]!)],
      ['assistant', 'Anna', 'Anna here.'],
      ['user', null, 'Thanks, Anna'],
      ['assistant', 'Anna', ''],
    ])
    expect(again.messages.at(-1)!.notice).toBe('joined')

    expect((await host.owner.call('POST', `${session}/handback`, {})).status).toBe(204)
    await eventually(() => controller.messages.find((m) => m.notice === 'left'))
    expect(controller.takeover).toBeNull()
    await controller.send('Back to you, agent')
    expect(controller.messages.at(-1)).toMatchObject({ role: 'assistant', state: 'done' })
    expect(textOf(controller.messages.at(-1)!)).not.toBe('')
    controller.follow(false)
  })
})

describe('the session’s events while the first answer streams', () => {
  it('asks nothing while the host has no session yet (not on every render), and follows once the answer is stored', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo' })
    const asked: number[] = []
    const realFetch = globalThis.fetch
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init)
      if (String(input instanceof Request ? input.url : input).endsWith('/events')) asked.push(response.status)
      return response
    }
    try {
      let renders = 0
      // As <porch-chat> does: every render asks to follow while the chat is open.
      const controller: ChatController = new ChatController(
        {
          requestUpdate: () => {
            renders++
            controller.follow(true)
          },
        },
        { target: () => ({ host: host.url, agent: agent.id }) },
      )
      await controller.connect()
      controller.follow(true)
      await controller.send('Hello')
      expect(renders).toBeGreaterThan(10)
      // The host stores the session with its first answer: nothing to ask for before.
      expect(asked).toEqual([])
      await eventually(() => asked.length === 1 && asked[0] === 200)
      const session = `/agents/${agent.id}/sessions/${controller.sessionId}`
      expect((await host.owner.call('POST', `${session}/takeover`, { name: 'Anna' })).status).toBe(200)
      await eventually(() => controller.takeover?.name)
      controller.follow(false)
    } finally {
      globalThis.fetch = realFetch
    }
  })
})

describe('rendering a streamed answer', () => {
  it('renders the first text at once, then once per frame however many deltas arrive', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo' })
    const frames: (() => void)[] = []
    let updates = 0
    const controller = new ChatController(
      { requestUpdate: () => void updates++ },
      { target: () => ({ host: host.url, agent: agent.id }), frame: (render) => frames.push(render) },
    )
    await controller.connect()
    let firstText = -1
    const sending = controller.send('Hello there, demo')
    await eventually(() => textOf(controller.messages.at(-1)!) !== '' && (firstText = updates))
    await sending
    const words = textOf(controller.messages.at(-1)!).split(/\s+/).length
    expect(words).toBeGreaterThan(20) // a delta per word or so…
    expect(frames).toHaveLength(1) // …waited for one frame, which no browser ran here
    const atEnd = updates - firstText // other events and the answer's end render at once
    expect(atEnd).toBeLessThan(words / 2)
    frames.shift()!()
    expect(updates - firstText).toBe(atEnd + 1)
  })
})

describe('rating after a takeover', () => {
  it('finds the stored number of an answer that follows the notices of a takeover', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const { controller } = controllerFor(agent.id)
    await controller.connect()
    await controller.send('Hello')
    controller.follow(true)
    const session = `/agents/${agent.id}/sessions/${controller.sessionId}`
    await host.owner.call('POST', `${session}/takeover`, { name: 'Anna' })
    await host.owner.call('POST', `${session}/takeover/messages`, { text: 'Anna here.' })
    await eventually(() => controller.messages.find((m) => m.author === 'Anna' && !m.notice))
    await host.owner.call('POST', `${session}/handback`, {})
    await eventually(() => controller.messages.find((m) => m.notice === 'left'))
    await controller.send('And now?')
    const answer = controller.messages.at(-1)!
    expect(await controller.rate(answer.id, 'up')).toBe(true)
    // The agent's second answer is message 5 (hello, answer, Anna, question, answer).
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/${controller.sessionId}`)).json()
    expect(history.messages.map((m: { seq: number; feedback?: unknown }) => [m.seq, m.feedback !== undefined])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, true],
    ])
    controller.follow(false)
  })
})

describe('ChatController with a signed-in user', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const signed = (secret: string, sub: string) => {
    const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}`
    return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
  }

  it('is unavailable with the host’s reason without a token, lists and opens the user’s conversations with one', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo:instant' })
    const secret = (await host.owner.call('POST', `/agents/${agent.id}/identity/secret`)).body.secret as string
    await host.owner.call('PATCH', `/agents/${agent.id}/identity`, { require_identity: true })

    const anonymous = controllerFor(agent.id).controller
    await anonymous.connect()
    expect(anonymous.phase).toBe('unavailable')
    expect(anonymous.problem).toMatch(/signed-in users/)

    let userToken = signed(secret, 'controller-user')
    const make = () => new ChatController({ requestUpdate: () => {} }, { target: () => ({ host: host.url, agent: agent.id, userToken }) })
    const first = make()
    await first.connect()
    expect(first.info?.requires_identity).toBe(true)
    await first.send('Where is my parcel?')
    expect(first.messages.at(-1)!.state).toBe('done')

    // Another device: no session of its own; the list has the conversation, and it opens.
    userToken = signed(secret, 'controller-user')
    const second = make()
    second.newChat()
    await second.connect()
    expect(second.messages).toEqual([])
    await second.toggleConversations()
    expect(second.conversations).toEqual([{ session_id: first.sessionId, preview: 'Where is my parcel?' }])
    await second.openConversation(first.sessionId!)
    expect(second.conversations).toBeNull()
    expect(second.sessionId).toBe(first.sessionId)
    expect(second.messages.map((m) => [m.role, textOf(m)])).toEqual(first.messages.map((m) => [m.role, textOf(m)]))

    // A tab that follows a session of its own follows the opened one's events instead.
    userToken = signed(secret, 'controller-user')
    const third = make()
    third.newChat()
    await third.connect()
    third.follow(true)
    await third.send('Another question')
    expect(third.sessionId).not.toBe(first.sessionId)
    await third.openConversation(first.sessionId!)
    expect((await host.owner.call('POST', `/agents/${agent.id}/sessions/${first.sessionId}/takeover`, { name: 'Anna' })).status).toBe(200)
    await eventually(() => third.takeover?.name === 'Anna')
    expect(third.messages.at(-1)).toMatchObject({ notice: 'joined', author: 'Anna' })
    third.follow(false)
    // Opened while held, it says who holds it, as a reloaded tab does.
    const fourth = make()
    await fourth.openConversation(first.sessionId!)
    expect(fourth.takeover).toEqual({ name: 'Anna' })
    expect(fourth.messages.at(-1)).toMatchObject({ notice: 'joined', author: 'Anna' })

    // Another user sees none of it and cannot open it: the host lists nothing and knows no such session.
    userToken = signed(secret, 'someone-else')
    const otherTarget = { host: host.url, agent: agent.id, userToken }
    expect(await fetchConversations(otherTarget)).toEqual([])
    expect(await fetchHistory(otherTarget, first.sessionId!)).toBeNull()
    const other = make()
    await other.openConversation(first.sessionId!)
    expect(other.messages).toEqual([])
  })
})
