/**
 * The AI SDK's own client (`DefaultChatTransport`, `readUIMessageStream`) at ai 5.0.0 and ai 6
 * against a real host: send, stream, tool calls, files, sources, stop, resume, regenerate,
 * quotas, chat keys and bad bodies. The model is the offline `demo:instant`, or the fake
 * OpenAI server where a run must wait for the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunkDocument, parseSource } from '../knowledge/index.ts'
import { AI_SDKS, type AiSdk, readMessage, type UiMessage } from '../testing/ai-sdk.ts'
import { type FakeProvider, startFakeOpenAI } from '../testing/fake-providers.ts'
import { startTestHost, type TestHost } from '../testing/harness.ts'
import { chatKey } from './compat/test-helpers.ts'

let host: TestHost
let model: FakeProvider
/** The fake model waits for this before the rest of a reply to a message saying "slow". */
let release: () => void = () => {}
let held: Promise<void> = Promise.resolve()

beforeAll(async () => {
  model = await startFakeOpenAI((request) => {
    const last = JSON.stringify(request.body.messages?.at(-1) ?? '')
    return last.includes('slow') ? { text: ['Hello', ' world', '!'], hold: { afterChunks: 1, until: held } } : { text: ['Quick answer.'] }
  })
  host = await startTestHost({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' })
})
afterAll(async () => {
  await host?.stop()
  await model?.close()
})

const hold = () => {
  held = new Promise<void>((resolve) => (release = resolve))
}

const demoAgent = (config: Record<string, unknown> = {}) =>
  host.owner.publishedAgent({
    model: 'demo:instant',
    tools: [
      { type: 'builtin', name: 'current_time' },
      { type: 'builtin', name: 'create_file' },
    ],
    ...config,
  })

const userMessage = (text: string, extra: UiMessage['parts'] = []): UiMessage => ({
  id: `u-${crypto.randomUUID()}`,
  role: 'user',
  parts: [{ type: 'text', text }, ...extra],
})

const transportOf = (sdk: AiSdk, api: string, headers?: Record<string, string>) => new sdk.DefaultChatTransport({ api: host.url + api, headers })

const send = (sdk: AiSdk, api: string, chatId: string, text: string, options: { headers?: Record<string, string>; abortSignal?: AbortSignal } = {}) =>
  transportOf(sdk, api, options.headers).sendMessages({
    chatId,
    messages: [userMessage(text)],
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: options.abortSignal,
  })

/** Reads chunks until one of `type` arrives; returns every chunk read. */
async function readUntil(reader: ReadableStreamDefaultReader<unknown>, type: string): Promise<{ type: string }[]> {
  const chunks: { type: string }[] = []
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return chunks
    chunks.push(value as { type: string })
    if ((value as { type: string }).type === type) return chunks
  }
}

const partsOf = (message: UiMessage | undefined) => message?.parts ?? []
const textOf = (message: UiMessage | undefined) =>
  partsOf(message)
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('')

describe.each(AI_SDKS)('useChat’s transport, ai $version', (sdk) => {
  it('sends a message and streams the answer: text, a dynamic tool call with its output, and the tool’s file', async () => {
    const agent = await demoAgent()
    const api = `/api/v1/published/${agent.id}/ui-chat`
    const { message, errors } = await readMessage(sdk, await send(sdk, api, 'ui-file', 'Make me a CSV file please'))
    expect(errors).toEqual([])
    const tool = partsOf(message).find((part) => part.type === 'dynamic-tool')
    expect(tool).toMatchObject({ type: 'dynamic-tool', toolName: 'create_file', state: 'output-available' })
    const file = partsOf(message).find((part) => part.type === 'file')
    expect(file).toMatchObject({ type: 'file', mediaType: 'text/csv' })
    const download = await fetch((file as { url: string }).url)
    expect(download.status).toBe(200)
    expect(await download.text()).toContain('Make me a CSV file please')
    expect(textOf(message)).toContain('Demo model')

    // Porch keeps the session: the chat id is its session id.
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/ui-file`)).json()
    expect(history.messages[0].content[0]).toEqual({ type: 'text', text: 'Make me a CSV file please' })
  })

  it('streams the current_time tool call as a dynamic tool part', async () => {
    const agent = await demoAgent()
    const { message } = await readMessage(sdk, await send(sdk, `/api/v1/published/${agent.id}/ui-chat`, 'ui-time', 'What time is it?'))
    expect(partsOf(message).find((part) => part.type === 'dynamic-tool')).toMatchObject({ toolName: 'current_time', state: 'output-available' })
    expect(partsOf(message).filter((part) => part.type === 'step-start')).toHaveLength(2)
  })

  it('hands knowledge sources over as source-url parts', async () => {
    const agent = await host.owner.createAgent({ name: 'Docs bot', model: 'demo:instant' })
    const url = 'https://harbour.example/pricing'
    const source = await host.store.addKnowledgeSource(agent.id, { kind: 'url', title: 'Pricing', origin: url })
    const markdown = '# Plans\n\nThe Harbour plan costs 42 euros a month.'
    const chunks = chunkDocument(await parseSource({ bytes: new TextEncoder().encode(markdown), contentType: 'text/markdown', url, title: 'Pricing' }))
    await host.store.replaceKnowledgeChunks(agent.id, source!.id, chunks)
    // A pasted text has no page: it is cited with its download URL on this host.
    const notes = 'The Harbour plan is billed monthly, 42 euros each month.'
    const pasted = await host.store.addKnowledgeSource(agent.id, {
      kind: 'text',
      title: 'Billing notes',
      origin: 'Billing notes',
      file: { data: new TextEncoder().encode(notes), contentType: 'text/plain' },
    })
    const pastedChunks = chunkDocument(await parseSource({ bytes: new TextEncoder().encode(notes), contentType: 'text/plain', title: 'Billing notes' }))
    await host.store.replaceKnowledgeChunks(agent.id, pasted!.id, pastedChunks)
    await host.owner.publish(agent.id)
    const { message, errors } = await readMessage(sdk, await send(sdk, `/api/v1/published/${agent.id}/ui-chat`, 'ui-sources', 'How much is the Harbour plan?'))
    expect(errors).toEqual([])
    const cited = partsOf(message).find((part) => part.type === 'source-url' && part.title === 'Billing notes') as { url: string } | undefined
    expect(cited?.url).toBe(`${host.publicUrl}/api/v1/published/${agent.id}/knowledge/${pasted!.id}/file`)
    expect(await (await fetch(cited!.url)).text()).toBe(notes)
    const page = partsOf(message).find((part) => part.type === 'source-url' && part.url.startsWith(url))
    expect(page).toMatchObject({ sourceId: expect.stringMatching(/^\d+$/), title: 'Pricing › Plans' })
  })

  it('resumes a run after the page went away (204 once nothing runs), and stops one', async () => {
    const agent = await host.owner.publishedAgent({ model: 'openai:gpt-4o-mini' })
    const api = `/api/v1/published/${agent.id}/ui-chat`
    const chatId = `ui-resume-${sdk.version}`
    const transport = transportOf(sdk, api)
    expect(await transport.reconnectToStream({ chatId })).toBeNull()

    hold()
    const leaving = new AbortController()
    const first = (await send(sdk, api, chatId, 'slow one', { abortSignal: leaving.signal })).getReader()
    expect((await readUntil(first, 'text-delta')).at(-1)).toMatchObject({ delta: 'Hello' })
    leaving.abort()
    await first.cancel().catch(() => {})

    const resumed = await transport.reconnectToStream({ chatId })
    expect(resumed).not.toBeNull()
    release()
    const { message, errors } = await readMessage(sdk, resumed!)
    expect(errors).toEqual([])
    expect(textOf(message)).toBe('Hello world!')
    await expect.poll(() => transport.reconnectToStream({ chatId })).toBeNull()

    hold()
    const stopping = (await send(sdk, api, chatId, 'slow two')).getReader()
    await readUntil(stopping, 'text-delta')
    expect((await host.post(`${api}/${chatId}/stop`, {})).status).toBe(204)
    const rest = await readUntil(stopping, 'never')
    expect(rest.map((chunk) => chunk.type)).toContain('abort')
    expect(rest.map((chunk) => chunk.type)).not.toContain('error')
    expect((await host.post(`${api}/${chatId}/stop`, {})).status).toBe(404)
    release()
  })

  it('keeps a spent link quota’s 429 before the stream, with a message useChat shows', async () => {
    const agent = await demoAgent()
    const link = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'One message', quota_total: 1 })
    const api = `/api/v1/links/${link.body.token}/ui-chat`
    const { errors } = await readMessage(sdk, await send(sdk, api, 'ui-quota', 'Hello through the link'))
    expect(errors).toEqual([])
    const refused = send(sdk, api, 'ui-quota', 'One more')
    await expect(refused).rejects.toThrow(/This link has used all its messages/)
    const raw = await host.post(api, { id: 'ui-quota', messages: [userMessage('And again')], trigger: 'submit-message' })
    expect(raw.status).toBe(429)
    expect((await raw.json()).error.code).toBe('quota_exceeded')
    const history = await (await host.get(`/api/v1/links/${link.body.token}/sessions/ui-quota`)).json()
    expect(history.messages).toHaveLength(2)
  })
})

describe('the UI chat endpoint', () => {
  const [sdk] = AI_SDKS as [AiSdk]

  it('answers with the SDK’s headers and unbuffered SSE, ending in [DONE]', async () => {
    const agent = await demoAgent()
    const response = await host.post(`/api/v1/published/${agent.id}/ui-chat`, {
      id: 'ui-raw',
      messages: [userMessage('Hello')],
      trigger: 'submit-message',
      extra: 1,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const text = await response.text()
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
    expect(text).toContain('"type":"start"')
    expect(text).not.toContain('event:')
  })

  it('regenerates: the last answer is replaced, the history holds the question once', async () => {
    const agent = await demoAgent()
    const api = `/api/v1/published/${agent.id}/ui-chat`
    await readMessage(sdk, await send(sdk, api, 'ui-regen', 'First question'))
    await readMessage(sdk, await send(sdk, api, 'ui-regen', 'Second question'))
    const before = (await (await host.get(`/api/v1/published/${agent.id}/sessions/ui-regen`)).json()).messages
    const stream = await transportOf(sdk, api).sendMessages({
      chatId: 'ui-regen',
      messages: [userMessage('First question'), userMessage('Second question')],
      trigger: 'regenerate-message',
      messageId: 'assistant-2',
      abortSignal: undefined,
    })
    const { message, errors } = await readMessage(sdk, stream)
    expect(errors).toEqual([])
    expect(textOf(message)).toContain('Second question')
    const after = (await (await host.get(`/api/v1/published/${agent.id}/sessions/ui-regen`)).json()).messages
    expect(after.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    const withoutTimes = (messages: { created_at: string }[]) => messages.map(({ created_at: _, ...message }) => message)
    expect(withoutTimes(after.slice(0, 3))).toEqual(withoutTimes(before.slice(0, 3)))
    // The second turn is now the regenerated run's: both its messages carry the third trace.
    const session = { agentId: agent.id, scope: 'public', sessionId: 'ui-regen' }
    const traces = await host.store.listSessionTraces(session)
    expect(traces).toHaveLength(3)
    expect((await host.store.getMessages(session)).map((m) => m.traceId)).toEqual([
      traces[0]!.traceId,
      traces[0]!.traceId,
      traces[2]!.traceId,
      traces[2]!.traceId,
    ])

    const empty = await host.post(api, { id: 'ui-regen-none', messages: [], trigger: 'regenerate-message' })
    expect(empty.status).toBe(400)
    expect((await empty.json()).error.message).toMatch(/no message to answer again/)
  })

  it('takes a file part as an attachment when the agent accepts them, and refuses it otherwise', async () => {
    const agent = await demoAgent({ attachments: true })
    const file = {
      type: 'file' as const,
      mediaType: 'text/plain',
      filename: 'notes.txt',
      url: `data:text/plain;base64,${Buffer.from('hello notes').toString('base64')}`,
    }
    const stream = await transportOf(sdk, `/api/v1/published/${agent.id}/ui-chat`).sendMessages({
      chatId: 'ui-attach',
      messages: [userMessage('What did I attach?', [file])],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    })
    expect(textOf((await readMessage(sdk, stream)).message)).toContain('notes.txt')
    const history = await (await host.get(`/api/v1/published/${agent.id}/sessions/ui-attach`)).json()
    expect(history.messages[0].content[1]).toMatchObject({ type: 'attachment', filename: 'notes.txt', content_type: 'text/plain' })

    const plain = await demoAgent()
    const refused = await host.post(`/api/v1/published/${plain.id}/ui-chat`, { id: 'ui-attach-no', messages: [userMessage('Here', [file])] })
    expect(refused.status).toBe(400)
    expect((await refused.json()).error.code).toBe('attachments_disabled')
    const bad = await host.post(`/api/v1/published/${agent.id}/ui-chat`, {
      id: 'ui-attach-bad',
      messages: [userMessage('Here', [{ ...file, mediaType: 'image/png', url: 'data:image/png;base64,AAAA' }])],
    })
    expect(bad.status).toBe(415)
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/ui-attach-bad`)).status).toBe(404)
  })

  it('chats with a chat key on the published path, in the key’s own sessions, and refuses a key of another agent', async () => {
    const agent = await demoAgent()
    const key = await chatKey(host, agent.id)
    const headers = { authorization: `Bearer ${key.credential}` }
    const api = `/api/v1/published/${agent.id}/ui-chat`
    const { errors } = await readMessage(sdk, await send(sdk, api, 'ui-key', 'Hello from a server', { headers }))
    expect(errors).toEqual([])
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/ui-key`, headers)).status).toBe(200)
    expect((await host.get(`/api/v1/published/${agent.id}/sessions/ui-key`)).status).toBe(404)

    const other = await demoAgent()
    await expect(send(sdk, `/api/v1/published/${other.id}/ui-chat`, 'ui-key', 'Wrong agent', { headers })).rejects.toThrow(/another agent/)
    const browser = await host.post(api, { id: 'ui-key', messages: [userMessage('From a page')] }, { ...headers, origin: 'https://shop.example' })
    expect(browser.status).toBe(403)
  })

  it('asks a password link’s visitor token, as the link’s /chat does', async () => {
    const agent = await demoAgent()
    const link = await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Locked', password: 'open sesame' })
    const api = `/api/v1/links/${link.body.token}/ui-chat`
    await expect(send(sdk, api, 'ui-locked', 'Hello')).rejects.toThrow(/Enter the password/)
    expect((await host.get(`${api}/ui-locked/stream`)).status).toBe(401)
    const unlocked = await (await host.post(`/api/v1/links/${link.body.token}/unlock`, { password: 'open sesame' })).json()
    const { message, errors } = await readMessage(sdk, await send(sdk, api, 'ui-locked', 'Hello', { headers: { authorization: `Bearer ${unlocked.token}` } }))
    expect(errors).toEqual([])
    expect(textOf(message)).toContain('Hello')
  })

  it('refuses bad bodies with a 400 and runs nothing', async () => {
    const agent = await demoAgent()
    const api = `/api/v1/published/${agent.id}/ui-chat`
    const cases: [unknown, RegExp][] = [
      [{}, /id/],
      [{ id: 'ui-bad', messages: [] }, /last message must be the user/],
      [{ id: 'ui-bad', messages: [{ role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }] }, /last message must be the user/],
      [{ id: 'ui-bad', messages: [{ role: 'user', parts: [{ type: 'file', url: 'https://x.example/a.png', mediaType: 'image/png' }] }] }, /no text/],
      [{ id: 'bad id!', messages: [userMessage('hi')] }, /id/],
      [{ id: 'ui-bad', messages: [userMessage('hi')], trigger: 'resume' }, /trigger/],
      [{ id: 'ui-bad', messages: [{ role: 'user', parts: [{ type: 'text', text: 42 }] }] }, /text/],
    ]
    for (const [body, message] of cases) {
      const response = await host.post(api, body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(JSON.stringify(await response.json())).toMatch(message)
    }
    expect(await host.store.listSessionTraces({ agentId: agent.id, scope: 'public', sessionId: 'ui-bad' })).toEqual([])
    expect((await host.get(`${api}/not%20an%20id/stream`)).status).toBe(404)
  })
})
