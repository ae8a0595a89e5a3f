/**
 * streamChat in Node against a real host, through a proxy that cuts the first stream: both of
 * its users resume (a visitor's chat, and the console's try-it of a draft, which before the
 * shared client gave up on a drop). fetch-event-source schedules retries on `window` and
 * unregisters a visibility listener on `document`; stand-ins for both, as in the controller test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../../host/testing/harness.ts'
import type { StreamEvent } from '../../shared/protocol.ts'
import { type CuttingProxy, startCuttingProxy } from '../testing/cutting-proxy.ts'
import { readEvent, streamChat } from './stream-chat.ts'
import { type ChatEndpoint, tryEndpoint, visitorEndpoint } from './urls.ts'

;(globalThis as { window?: unknown }).window ??= globalThis
;(globalThis as { document?: unknown }).document ??= Object.assign(new EventTarget(), { hidden: false })

let host: TestHost
let proxy: CuttingProxy

beforeAll(async () => {
  host = await startTestHost()
  // The first chat POST of each test (a visitor's `/chat` or the console's `/try`) is cut.
  proxy = await startCuttingProxy(host.url, { isChat: (path) => /\/(chat|try)$/.test(path), cutAfterEvents: 6 })
})
afterAll(async () => {
  proxy.close()
  await host.stop()
})

async function chatThroughDrop(endpoint: ChatEndpoint, sessionId: string): Promise<StreamEvent[]> {
  proxy.reset()
  const events: StreamEvent[] = []
  await streamChat(endpoint, {
    body: { request: 'Please survive a network drop', session_id: sessionId, request_id: `${sessionId}-r1` },
    signal: new AbortController().signal,
    onEvent: (event) => events.push(event),
    retryDelay: () => 10,
  })
  expect(proxy.chatRequests).toHaveLength(2)
  expect(proxy.chatRequests[0]).toBeUndefined()
  expect(Number(proxy.chatRequests[1])).toBeGreaterThan(0) // resumed after the events it had
  return events
}

const answerOf = (events: StreamEvent[]) => events.map((event) => (event.event_type === 'text_delta' ? event.text : '')).join('')

describe('streamChat', () => {
  it('resumes a visitor’s dropped stream: one run, every token once', async () => {
    const agent = await host.owner.publishedAgent({ model: 'demo' })
    const events = await chatThroughDrop(visitorEndpoint({ host: proxy.url, agent: agent.id }), 'visitor-1')
    const complete = events.find((event) => event.event_type === 'complete')
    expect(complete?.event_type === 'complete' && complete.success).toBe(true)
    expect(events.filter((event) => event.event_type === 'run_started')).toHaveLength(1)
    const stored = await (await host.get(`/api/v1/published/${agent.id}/sessions/visitor-1`)).json()
    expect(stored.messages).toHaveLength(2)
    expect(answerOf(events)).toBe(stored.messages[1].content[0].text)
  })

  it('resumes the console’s try-it of a draft the same way', async () => {
    const agent = await host.owner.createAgent({ name: 'Draft', model: 'demo' })
    // The console sends its cookie and CSRF token; from Node the owner's bearer stands in for both.
    const endpoint = tryEndpoint(agent.id, 'unused')
    const events = await chatThroughDrop(
      { chat: proxy.url + endpoint.chat, stop: proxy.url + endpoint.stop, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      'try-1',
    )
    expect(events.filter((event) => event.event_type === 'complete')).toHaveLength(1)
    const stored = (await host.owner.call('GET', `/agents/${agent.id}/sessions/try-1?scope=try`)).body
    expect(stored.messages).toHaveLength(2) // one run, not two
    expect(answerOf(events)).toBe(stored.messages[1].content[0].text)
  })
})

describe('readEvent', () => {
  it('reads the events this build knows and drops the rest', () => {
    expect(readEvent('{"event_type":"text_delta","turn":1,"text":"a"}')).toEqual({ event_type: 'text_delta', turn: 1, text: 'a' })
    const sources = '{"event_type":"sources","turn":2,"sources":[{"index":1,"title":"Pricing","heading_path":[],"url":null,"source_id":"s1"}]}'
    expect(readEvent(sources)).toMatchObject({ event_type: 'sources', sources: [{ index: 1, title: 'Pricing' }] })
    for (const data of ['{"event_type":"mystery","turn":1}', '{"event_type":"constructor"}', 'null', 'not json', '']) expect(readEvent(data), data).toBeNull()
  })
})
