/**
 * Issue 16's promise, whole, on each store: an owner points an agent at a documentation site
 * (its sitemap), publishes, and a visitor's question is answered from it with sources that link
 * to the page and its section. Real host, real docs site on 127.0.0.1, the built-in demo model
 * (which searches the knowledge for a question and cites what it quotes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KnowledgeSourceSchema, type StreamEvent, type StreamEventOf } from '../../shared/index.ts'
import { STORES } from '../reliability/support.ts'
import { type DocsSite, startDocsSite } from '../testing/docs-site.ts'
import { ADMIN_TOKEN, eventually, readSse, startTestHost, type TestHost } from '../testing/harness.ts'
import { createTestDatabase } from '../testing/postgres.ts'

let site: DocsSite
beforeAll(async () => {
  site = await startDocsSite()
})
afterAll(async () => {
  await site?.close()
})

describe.each(STORES)('a documentation site as knowledge, on %s', (kind) => {
  let host: TestHost
  beforeAll(async () => {
    const database: Record<string, string> = kind === 'postgres' ? { PORCH_DATABASE_URL: await createTestDatabase() } : {}
    host = await startTestHost({ PORCH_KNOWLEDGE_ALLOW_PRIVATE: '1', ...database })
  })
  afterAll(async () => {
    await host?.stop()
  })

  const owner = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${host.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, body: await response.json() }
  }

  it('answers a visitor from the crawled site, with sources linking to the page and section', async () => {
    const agent = await host.owner.createAgent({ name: 'Docs help', model: 'demo:instant' })
    const added = await owner('POST', `/agents/${agent.id}/knowledge/sources`, { kind: 'sitemap', url: `${site.url}/sitemap.xml` })
    expect([201, 202]).toContain(added.status)
    const source = await eventually(async () => {
      const current = KnowledgeSourceSchema.parse((await owner('GET', `/agents/${agent.id}/knowledge/sources/${added.body.id}`)).body)
      return current.status === 'importing' ? undefined : current
    }, 60_000)
    expect(source).toMatchObject({ status: 'ready', kind: 'sitemap', skipped_pages: [], progress: { pages_done: 2, pages_total: 2 } })
    await host.owner.publish(agent.id)

    const events: StreamEvent[] = (
      await readSse(await host.post(`/api/v1/published/${agent.id}/chat`, { request: 'How do I configure the zeppelin setting?' }))
    ).map((message) => message.data)
    expect(events.find((event) => event.event_type === 'tool_call')).toMatchObject({ tool_name: 'search_knowledge' })
    const sources = events.find((event): event is StreamEventOf<'sources'> => event.event_type === 'sources')!.sources
    expect(sources[0]).toMatchObject({ index: 1, title: 'Guide', heading_path: ['Configure'], url: `${site.url}/docs/guide.html#configure` })
    const complete = events.find((event): event is StreamEventOf<'complete'> => event.event_type === 'complete')!
    expect(complete).toMatchObject({ success: true })
    expect(complete.answer).toMatch(/\[1\][\s\S]*zeppelin setting/)

    // The source is a link that leads somewhere: the page itself.
    const linked = await fetch(sources[0]!.url!)
    expect(linked.status).toBe(200)
    expect(await linked.text()).toContain('id="configure"')
  })
})
