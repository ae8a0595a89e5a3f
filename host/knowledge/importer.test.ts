/**
 * The importer's guards, against a real store: a file that reads too slowly is stopped at the
 * deadline while the event loop stays free, and the limits on sources and chunks hold.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../shared/index.ts'
import { silentLogger } from '../log.ts'
import { createSqliteStore } from '../store/sqlite-store.ts'
import type { Store } from '../store/store.ts'
import { startDocsSite } from '../testing/docs-site.ts'
import { createKnowledgeImporter, DEFAULT_KNOWLEDGE_LIMITS, KnowledgeLimitError, STOPPED_MESSAGE, TOO_SLOW_MESSAGE } from './importer.ts'

const guide = new Uint8Array(readFileSync(new URL('./fixtures/guide.md', import.meta.url)))

let store: Store
let close: () => Promise<void> = async () => {}
afterEach(async () => {
  await close()
  await store?.close()
})

async function setUp(options: Partial<Parameters<typeof createKnowledgeImporter>[0]> = {}) {
  store = createSqliteStore(':memory:')
  const agent = await store.createAgent({ name: 'Bakery', description: '', config: AgentConfigSchema.parse({}) })
  const importer = createKnowledgeImporter({ store, log: silentLogger, ...options })
  close = () => importer.close()
  return { agent, importer }
}

/** Lists nested hundreds deep: marked takes 10 s over these 1.1 MB in-process (parse.ts). */
const nestedLists = () => Array.from({ length: 2_000 }, (_, depth) => `${'  '.repeat(depth % 600)}- item ${depth}`).join('\n')

describe('the knowledge importer', () => {
  it('reads a crawl’s pages in one worker, and a page past the deadline ends it without losing the pages after', async () => {
    const site = await startDocsSite()
    try {
      site.pages.set('/slow.md', { body: nestedLists(), type: 'text/markdown' })
      const { agent, importer } = await setUp({ timeoutMs: 300, web: { allowPrivate: true, concurrency: 1 } })
      const urls = [`${site.url}/docs/guide.html`, `${site.url}/slow.md`, `${site.url}/docs/faq.html`]
      const started = await importer.importWeb(agent.id, { kind: 'url', urls })
      await started!.done
      const source = await store.getKnowledgeSource(agent.id, started!.source.id)
      expect(source).toMatchObject({ status: 'ready', skippedPages: [{ url: urls[1], reason: TOO_SLOW_MESSAGE }] })
      const pages = new Set((await store.listKnowledgeChunks(agent.id, source!.id)).map((chunk) => chunk.url?.replace(/#.*$/, '')))
      expect([...pages]).toEqual([urls[0], urls[2]])
    } finally {
      await site.close()
    }
  })

  it('takes over a file and a text left importing by a host that died, reading them from their stored bytes', async () => {
    const { agent, importer } = await setUp()
    // As a host killed mid-import leaves them: importing, with a lease nobody renews.
    const file = await store.addKnowledgeSource(agent.id, {
      kind: 'file',
      title: 'guide',
      origin: 'guide.md',
      file: { data: guide, contentType: 'application/octet-stream' },
      leaseMs: 1,
    })
    const text = await store.addKnowledgeSource(agent.id, {
      kind: 'text',
      title: 'Counter notes',
      origin: 'Counter notes.txt',
      file: { data: new TextEncoder().encode('The sourdough starter is fed at dawn.'), contentType: 'text/plain; charset=utf-8' },
      leaseMs: 1,
    })
    const running = await store.addKnowledgeSource(agent.id, { kind: 'text', title: 'Running', origin: 'Running.txt', leaseMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(await importer.recover()).toBe(2)
    expect(await importer.recover()).toBe(0)
    const settled = async (id: string) => {
      for (let i = 0; i < 300; i++) {
        const source = await store.getKnowledgeSource(agent.id, id)
        if (source?.status !== 'importing') return source
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error('still importing')
    }
    expect(await settled(file!.id)).toMatchObject({ status: 'ready', error: null })
    expect(await settled(text!.id)).toMatchObject({ status: 'ready', title: 'Counter notes' })
    expect((await store.listKnowledgeChunks(agent.id, text!.id))[0]).toMatchObject({ title: 'Counter notes', text: 'The sourdough starter is fed at dawn.' })
    expect((await store.getKnowledgeSource(agent.id, running!.id))?.status).toBe('importing')
  })

  it('stops a file that reads too slowly at the deadline, failing its source, without holding the event loop', async () => {
    const { agent, importer } = await setUp({ timeoutMs: 300 })
    const nested = nestedLists()
    const started = await importer.importFile(agent.id, { filename: 'nested.md', contentType: 'text/markdown', bytes: new TextEncoder().encode(nested) })
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    await started!.done
    clearInterval(ticker)
    // TOO_SLOW_MESSAGE comes only from the deadline: read to its end, this file would have chunks.
    const source = await store.getKnowledgeSource(agent.id, started!.source.id)
    expect(source).toMatchObject({ status: 'failed', error: TOO_SLOW_MESSAGE, chunkCount: 0 })
    // The host kept answering while the worker read: the ticker ran about every 20 ms.
    expect(ticks).toBeGreaterThan(5)
  })

  it('counts the deadline from when the parsers are loaded, so a small file is read within a short one', async () => {
    const { agent, importer } = await setUp({ timeoutMs: 300 })
    const started = await importer.importFile(agent.id, { filename: 'guide.md', contentType: 'text/markdown', bytes: guide })
    await started!.done
    expect((await store.getKnowledgeSource(agent.id, started!.source.id))?.status).toBe('ready')
  })

  it('fails the sources it is reading or has queued when it closes, leaving none importing', async () => {
    const { agent, importer } = await setUp({ concurrency: 1 })
    const slow = await importer.importFile(agent.id, { filename: 'nested.md', contentType: 'text/markdown', bytes: new TextEncoder().encode(nestedLists()) })
    const queued = await importer.importText(agent.id, { title: 'Queued', text: 'Waiting for its turn.' })
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    await importer.close()
    for (const started of [slow, queued]) {
      expect(await store.getKnowledgeSource(agent.id, started!.source.id)).toMatchObject({ status: 'failed', error: STOPPED_MESSAGE })
    }
  })

  it('refuses a source past the per-agent limit and stores nothing', async () => {
    const { agent, importer } = await setUp({ limits: { ...DEFAULT_KNOWLEDGE_LIMITS, sourcesPerAgent: 1 } })
    await (await importer.importText(agent.id, { title: 'One', text: 'The first source.' }))!.done
    await expect(importer.importText(agent.id, { title: 'Two', text: 'The second source.' })).rejects.toThrow(KnowledgeLimitError)
    expect((await store.listKnowledgeSources(agent.id)).map((source) => source.title)).toEqual(['One'])
  })

  it('fails a source whose chunks would pass the per-agent chunk limit, keeping the agent searchable as it was', async () => {
    const { agent, importer } = await setUp({ limits: { ...DEFAULT_KNOWLEDGE_LIMITS, chunksPerAgent: 3 } })
    const started = await importer.importFile(agent.id, { filename: 'guide.md', contentType: 'text/markdown', bytes: guide })
    await started!.done
    const source = await store.getKnowledgeSource(agent.id, started!.source.id)
    expect(source?.status).toBe('failed')
    expect(source?.error).toMatch(/past its limit of 3\. Delete sources you no longer need/)
    expect((await store.knowledgeUsage(agent.id)).chunks).toBe(0)
  })

  it('refuses a file over the byte limit before storing it', async () => {
    const { agent, importer } = await setUp({ limits: { ...DEFAULT_KNOWLEDGE_LIMITS, fileBytes: 100 } })
    await expect(importer.importFile(agent.id, { filename: 'guide.md', contentType: 'text/markdown', bytes: guide })).rejects.toMatchObject({
      limit: 'file_bytes',
    })
    expect(await store.listKnowledgeSources(agent.id)).toEqual([])
  })

  it('answers null for an unknown agent', async () => {
    const { importer } = await setUp()
    expect(await importer.importText('00000000-0000-4000-8000-000000000000', { title: 'x', text: 'y' })).toBeNull()
  })
})
