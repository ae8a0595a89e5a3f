/**
 * Web sources over the owner API against a real host and a real docs site on 127.0.0.1: a crawl
 * that follows links in scope, honours robots.txt and lists the pages it could not read; page
 * and sitemap limits; chunks that link to the page (and its heading); refresh, which keeps the
 * old chunks searchable while it runs and when it fails; the network guard's refusal when
 * private addresses are not allowed; and the API's refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Agent, KnowledgeSearchReplySchema, KnowledgeSourceDetailSchema, KnowledgeSourceSchema } from '../../../shared/index.ts'
import { type DocsSite, startDocsSite } from '../../testing/docs-site.ts'
import { ADMIN_TOKEN, eventually, startTestHost, type TestHost } from '../../testing/harness.ts'

let host: TestHost
let site: DocsSite
let agent: Agent
beforeAll(async () => {
  site = await startDocsSite({ oversizeBytes: 150 * 1024 })
  host = await startTestHost({ PORCH_KNOWLEDGE_FILE_MB: '0.125', PORCH_KNOWLEDGE_ALLOW_PRIVATE: '1', PORCH_KNOWLEDGE_MAX_PAGES: '20' })
  agent = await host.owner.createAgent({ name: 'Docs', model: 'demo:instant' })
})
afterAll(async () => {
  await host?.stop()
  await site?.close()
})

async function send(target: TestHost, method: string, path: string, body?: unknown) {
  const response = await fetch(`${target.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, text, body: text ? JSON.parse(text) : null }
}

const addSource = (body: unknown, target = host, agentId = agent.id) => send(target, 'POST', `/agents/${agentId}/knowledge/sources`, body)
const getSource = async (id: string, target = host, agentId = agent.id) => {
  const reply = await send(target, 'GET', `/agents/${agentId}/knowledge/sources/${id}`)
  expect(reply.status, reply.text).toBe(200)
  return KnowledgeSourceDetailSchema.parse(reply.body)
}
/** The source once its import is over. */
const settled = (id: string, target = host, agentId = agent.id) =>
  eventually(async () => {
    const source = await getSource(id, target, agentId)
    return source.status === 'importing' ? undefined : source
  }, 60_000)
const search = async (q: string, agentId = agent.id) => {
  const reply = await send(host, 'GET', `/agents/${agentId}/knowledge/search?q=${encodeURIComponent(q)}`)
  expect(reply.status, reply.text).toBe(200)
  return KnowledgeSearchReplySchema.parse(reply.body).hits
}
const page = (path: string) => `${site.url}${path}`
const reasonFor = (source: { skipped_pages: Array<{ url: string; reason: string }> }, path: string) =>
  source.skipped_pages.find((skipped) => skipped.url === page(path))?.reason

describe('a web source', () => {
  it('follows links in scope, honours robots.txt, reads HTML and PDF, and lists the pages it skipped with why', async () => {
    const reply = await addSource({ kind: 'url', urls: [page('/docs/index.html')], follow_links: true })
    expect([201, 202], reply.text).toContain(reply.status)
    expect(KnowledgeSourceSchema.parse(reply.body)).toMatchObject({
      kind: 'url',
      origin: page('/docs/index.html'),
      title: `${new URL(site.url).host}/docs/index.html`,
    })
    const source = await settled(reply.body.id)
    expect(source.status, source.error ?? '').toBe('ready')

    const urls = new Set(source.chunks.map((chunk) => chunk.url?.replace(/#.*$/, '')))
    expect([...urls].sort()).toEqual([page('/docs/faq.html'), page('/docs/guide.html'), page('/docs/index.html'), page('/docs/manual.pdf')])
    expect(source.chunks.map((chunk) => chunk.ordinal)).toEqual(source.chunks.map((_, i) => i))
    expect(source.chunk_count).toBe(source.chunks.length)
    expect(source.progress).toEqual({ pages_done: 10, pages_total: 10 })

    expect(reasonFor(source, '/docs/missing.html')).toMatch(/not found \(HTTP 404\)/)
    expect(reasonFor(source, '/docs/broken.html')).toMatch(/HTTP 500/)
    expect(reasonFor(source, '/docs/big.html')).toMatch(/larger than 128 KiB/)
    expect(reasonFor(source, '/docs/logo.png')).toMatch(/type that cannot be read \(image\/png\)/)
    expect(reasonFor(source, '/docs/private/secret.html')).toMatch(/robots\.txt does not allow PorchBot/)
    expect(reasonFor(source, '/docs/metadata')).toMatch(/169\.254\.169\.254/)
    expect(source.skipped_pages).toHaveLength(6)
    // Out of scope (another directory, another origin) is never even requested; robots.txt once.
    expect(site.requests).not.toContain('/outside.html')
    expect(site.requests).not.toContain('/docs/private/secret.html')
    expect(site.requests.filter((path) => path === '/robots.txt')).toHaveLength(1)

    const [hit] = await search('marmalade connector')
    expect(hit).toMatchObject({ source_id: source.id, url: page('/docs/guide.html#install'), heading_path: ['Install'] })
    expect((await search('Monday to Friday'))[0]?.url).toBe(page('/docs/manual.pdf#page=1'))
  })

  it('reads at most max_pages pages', async () => {
    const reply = await addSource({ kind: 'url', urls: [page('/docs/index.html')], follow_links: true, max_pages: 2 })
    const source = await settled(reply.body.id)
    expect(source.status).toBe('ready')
    expect(source.progress).toEqual({ pages_done: 2, pages_total: 2 })
    expect(new Set(source.chunks.map((chunk) => chunk.url?.replace(/#.*$/, ''))).size).toBeLessThanOrEqual(2)
  })

  it('reads a sitemap index into its sitemaps pages, without following links', async () => {
    const reply = await addSource({ kind: 'sitemap', url: page('/sitemap-index.xml'), title: 'From the sitemap' })
    const source = await settled(reply.body.id)
    expect(source).toMatchObject({
      kind: 'sitemap',
      title: 'From the sitemap',
      status: 'ready',
      progress: { pages_done: 3, pages_total: 3 },
      skipped_pages: [],
    })
    const urls = new Set(source.chunks.map((chunk) => chunk.url?.replace(/#.*$/, '')))
    expect([...urls].sort()).toEqual([page('/docs/faq.html'), page('/docs/guide.html'), page('/outside.html')])
  })

  it('fails with the reason in words when no page can be read, and when the sitemap cannot be', async () => {
    const none = await settled((await addSource({ kind: 'url', urls: [page('/docs/missing.html')] })).body.id)
    expect(none).toMatchObject({ status: 'failed', chunk_count: 0, skipped_pages: [{ url: page('/docs/missing.html') }] })
    expect(none.error).toMatch(/not found \(HTTP 404\)/)
    const sitemap = await settled((await addSource({ kind: 'sitemap', url: page('/no-sitemap.xml') })).body.id)
    expect(sitemap).toMatchObject({ status: 'failed', chunk_count: 0 })
    expect(sitemap.error).toMatch(/^The sitemap could not be read: the page was not found \(HTTP 404\)/)
  })
})

describe('refreshing a web source', () => {
  it('replaces changed and deleted pages in one step, the old chunks searchable until then', async () => {
    site.pages.set('/news/a.html', { body: '<h1>A</h1><p>The pelican parade starts at noon.</p>', type: 'text/html' })
    site.pages.set('/news/b.html', { body: '<h1>B</h1><p>The walrus choir sings at dusk.</p>', type: 'text/html' })
    const first = await settled((await addSource({ kind: 'url', urls: [page('/news/a.html'), page('/news/b.html')] })).body.id)
    expect(first).toMatchObject({ status: 'ready', chunk_count: 2 })

    site.pages.set('/news/a.html', { body: '<h1>A</h1><p>The flamingo parade starts at one.</p>', type: 'text/html' })
    site.pages.delete('/news/b.html')
    const release = site.hold('/news/a.html')
    const reply = await send(host, 'POST', `/agents/${agent.id}/knowledge/sources/${first.id}/refresh`)
    expect(reply.status, reply.text).toBe(202)
    expect(KnowledgeSourceSchema.parse(reply.body)).toMatchObject({ id: first.id, status: 'importing', progress: { pages_done: 0 } })
    // While the refresh waits for a page, the old chunks are what search finds, and a second refresh is refused.
    await eventually(() => site.requests.includes('/news/a.html') || undefined)
    expect((await search('pelican'))[0]?.source_id).toBe(first.id)
    expect((await search('flamingo')).length).toBe(0)
    const again = await send(host, 'POST', `/agents/${agent.id}/knowledge/sources/${first.id}/refresh`)
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_importing' } } })
    release()

    const refreshed = await settled(first.id)
    expect(refreshed).toMatchObject({ status: 'ready', chunk_count: 1, skipped_pages: [{ url: page('/news/b.html') }] })
    expect((await search('flamingo'))[0]?.url).toBe(page('/news/a.html'))
    expect(await search('pelican walrus')).toEqual([])
  })

  it('keeps the old chunks searchable when the refresh reads nothing', async () => {
    site.pages.set('/faq/c.html', { body: '<h1>C</h1><p>The narwhal desk opens early.</p>', type: 'text/html' })
    const first = await settled((await addSource({ kind: 'url', urls: [page('/faq/c.html')] })).body.id)
    expect(first).toMatchObject({ status: 'ready', chunk_count: 1 })
    site.pages.set('/faq/c.html', { body: 'down', status: 500 })
    expect((await send(host, 'POST', `/agents/${agent.id}/knowledge/sources/${first.id}/refresh`)).status).toBe(202)
    const failed = await settled(first.id)
    expect(failed).toMatchObject({ status: 'failed', chunk_count: 1 })
    expect(failed.error).toMatch(/^Refreshing failed: .*HTTP 500.* The pages read before are still used\.$/)
    expect((await search('narwhal'))[0]?.source_id).toBe(first.id)
  })

  it('refuses files and texts, unknown sources, and bad web sources, changing nothing', async () => {
    const text = await settled((await addSource({ kind: 'text', title: 'Note', text: 'A pasted note.' })).body.id)
    expect(await send(host, 'POST', `/agents/${agent.id}/knowledge/sources/${text.id}/refresh`)).toMatchObject({
      status: 409,
      body: { error: { code: 'not_refreshable' } },
    })
    expect((await send(host, 'POST', `/agents/${agent.id}/knowledge/sources/00000000-0000-4000-8000-000000000000/refresh`)).status).toBe(404)
    const before = (await send(host, 'GET', `/agents/${agent.id}/knowledge/sources`)).body.sources.length
    for (const bad of [
      { kind: 'url', urls: [] },
      { kind: 'url', urls: ['ftp://example.com/a'] },
      { kind: 'url', urls: ['not a url'] },
      { kind: 'url', urls: ['https://owner:hunter2@example.com/docs/'] },
      { kind: 'url', urls: [page('/docs/index.html')], max_pages: 21 },
      { kind: 'url', urls: [page('/docs/index.html')], max_pages: 0 },
      { kind: 'sitemap', url: page('/sitemap.xml'), follow_links: true },
    ]) {
      const reply = await addSource(bad)
      expect(reply.status, JSON.stringify(bad)).toBe(400)
    }
    expect((await send(host, 'GET', `/agents/${agent.id}/knowledge/sources`)).body.sources.length).toBe(before)
  })
})

describe('the network guard', () => {
  it('refuses to crawl loopback addresses unless PORCH_KNOWLEDGE_ALLOW_PRIVATE=1, saying so per source', async () => {
    const guarded = await startTestHost()
    try {
      const other = await guarded.owner.createAgent({ name: 'Guarded', model: 'demo:instant' })
      const reply = await addSource({ kind: 'url', urls: [page('/docs/guide.html')] }, guarded, other.id)
      const source = await settled(reply.body.id, guarded, other.id)
      expect(source).toMatchObject({ status: 'failed', chunk_count: 0 })
      expect(source.error).toMatch(/127\.0\.0\.1 is .*loopback.*does not fetch private addresses/)
      expect(source.error).not.toMatch(/\/work|\/tmp|Error:/)
    } finally {
      await guarded.stop()
    }
  })
})
