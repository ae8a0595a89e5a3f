/**
 * Knowledge: sources added to an agent's draft, their chunks replaced whole, full-text search
 * (ranked, stemmed, safe for any query), knowledge frozen into each published version, chunks
 * stored once per agent however many versions name them, and cleanup with sources and agents;
 * vectors kept once per chunk and model, and hybrid search fusing both rankings (RRF).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeEmbedding } from '../../testing/fake-providers.ts'
import { knowledgeChunkHash } from '../knowledge.ts'
import { embeddingText, normalise, RRF_K } from '../knowledge-vectors.ts'
import type { KnowledgeChunk, KnowledgeHit, KnowledgeVersion, NewKnowledgeSource, QueryEmbedding, Store } from '../store.ts'
import { newAgent, type StoreContractTarget, sleep, uid } from './support.ts'

type ChunkFields = Partial<Pick<KnowledgeChunk, 'title' | 'headingPath' | 'url'>>

const chunk = (ordinal: number, text: string, over: ChunkFields = {}): KnowledgeChunk => {
  const content = { title: over.title ?? 'Handbook', headingPath: over.headingPath ?? [], url: over.url ?? null, text }
  return { ordinal, ...content, hash: knowledgeChunkHash(content) }
}

const chunks = (...texts: string[]) => texts.map((text, i) => chunk(i, text))

const pasted = (title = 'Notes'): NewKnowledgeSource => ({ kind: 'text', title, origin: `${title}.txt` })

const texts = (hits: KnowledgeHit[]) => hits.map((hit) => hit.text)

export function describeKnowledge(target: StoreContractTarget) {
  describe('knowledge', () => {
    let store: Store
    beforeAll(async () => {
      store = await target.open()
    })
    afterAll(() => target.close(store))

    /** A source in the agent's draft holding `content`. */
    const sourceWith = async (agentId: string, content: KnowledgeChunk[], source = pasted()) => {
      const added = await store.addKnowledgeSource(agentId, source)
      await store.replaceKnowledgeChunks(agentId, added!.id, content)
      return added!
    }
    const search = (agentId: string, query: string, version: KnowledgeVersion = 'draft', limit = 10) =>
      store.searchKnowledge({ agentId, version, query, limit })

    it('adds a source to the draft as importing, with its file and options, and counts its progress', async () => {
      const agent = await newAgent(store)
      const data = new TextEncoder().encode('# Returns\nThirty days.')
      const added = await store.addKnowledgeSource(agent.id, {
        kind: 'file',
        title: 'Returns',
        origin: 'returns.md',
        file: { data, contentType: 'text/markdown' },
        options: { pageLimit: 5 },
      })
      expect(added).toMatchObject({
        agentId: agent.id,
        kind: 'file',
        title: 'Returns',
        origin: 'returns.md',
        contentType: 'text/markdown',
        size: data.byteLength,
        options: { pageLimit: 5 },
        status: 'importing',
        error: null,
        progress: { pagesDone: 0, pagesTotal: null },
        chunkCount: 0,
      })
      expect(added!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/)
      await sleep(5)
      const site = await store.addKnowledgeSource(agent.id, { kind: 'sitemap', title: 'Site', origin: 'https://shop.example/sitemap.xml' })
      expect(site).toMatchObject({ contentType: null, size: null, options: {} })
      expect(await store.updateKnowledgeSourceProgress(agent.id, site!.id, { pagesDone: 3, pagesTotal: 40 })).toMatchObject({
        status: 'importing',
        progress: { pagesDone: 3, pagesTotal: 40 },
      })
      expect((await store.listKnowledgeSources(agent.id)).map((s) => s.id)).toEqual([added!.id, site!.id])
      expect(await store.getKnowledgeSource(agent.id, site!.id)).toMatchObject({ progress: { pagesDone: 3, pagesTotal: 40 } })
      const file = await store.getKnowledgeFile(agent.id, added!.id, 'draft')
      expect(file).toMatchObject({ filename: 'returns.md', contentType: 'text/markdown' })
      expect(Buffer.from(file!.data).equals(Buffer.from(data))).toBe(true)
      expect(await store.getKnowledgeFile(agent.id, site!.id, 'draft')).toBeNull()
      expect(await store.addKnowledgeSource(uid('missing'), pasted())).toBeNull()
    })

    it('replaces a source’s chunks whole, marks it ready, and lists them by ordinal', async () => {
      const agent = await newAgent(store)
      const source = (await store.addKnowledgeSource(agent.id, pasted()))!
      const first = [chunk(1, 'second passage', { headingPath: ['Intro', 'Why'], url: 'https://shop.example/a#why' }), chunk(0, 'first passage')]
      expect(await store.replaceKnowledgeChunks(agent.id, source.id, first)).toMatchObject({ status: 'ready', error: null, chunkCount: 2 })
      expect(await store.listKnowledgeChunks(agent.id, source.id)).toEqual([first[1], first[0]])
      const second = chunks('only passage now')
      await store.replaceKnowledgeChunks(agent.id, source.id, second)
      expect(await store.listKnowledgeChunks(agent.id, source.id)).toEqual(second)
      // The chunks no draft or version names any more are gone with the replace.
      expect(await store.knowledgeUsage(agent.id)).toEqual({ sources: 1, chunks: 1 })
    })

    it('refuses chunks whose hash is not their address, or with a repeated ordinal, storing nothing', async () => {
      const agent = await newAgent(store)
      const source = await sourceWith(agent.id, chunks('kept text'))
      const forged = { ...chunk(0, 'forged text'), hash: knowledgeChunkHash({ title: 'x', headingPath: [], url: null, text: 'y' }) }
      await expect(store.replaceKnowledgeChunks(agent.id, source.id, [forged])).rejects.toThrow(/hash/)
      await expect(store.replaceKnowledgeChunks(agent.id, source.id, [chunk(0, 'a'), chunk(0, 'b')])).rejects.toThrow(/ordinal/)
      await expect(store.replaceKnowledgeChunks(agent.id, source.id, [chunk(0, 'nul \u0000 inside')])).rejects.toThrow(/NUL/)
      expect(texts(await search(agent.id, 'kept'))).toEqual(['kept text'])
    })

    it('ranks the chunk holding the query’s words first, and stems (publishing finds publish)', async () => {
      const agent = await newAgent(store)
      const source = await sourceWith(
        agent.id,
        [
          chunk(0, 'Billing happens monthly, with an invoice sent by email.'),
          chunk(1, 'How to publish your agent: press the button in the console.', { headingPath: ['Console', 'Going live'], url: 'https://docs.example/live' }),
          chunk(2, 'Visitors can upload files to the chat.'),
          chunk(3, 'Our refund policy: damaged items are replaced at once.'),
          chunk(4, 'A refund arrives within a week.'),
        ],
        { kind: 'url', title: 'Docs', origin: 'https://docs.example/' },
      )
      const [hit, ...rest] = await search(agent.id, 'publishing')
      expect(hit).toEqual({
        sourceId: source.id,
        title: 'Handbook',
        headingPath: ['Console', 'Going live'],
        url: 'https://docs.example/live',
        text: 'How to publish your agent: press the button in the console.',
        score: expect.any(Number),
        rank: 1,
      })
      expect(rest).toEqual([])
      expect(texts(await search(agent.id, 'uploading a file'))[0]).toBe('Visitors can upload files to the chat.')
      expect(texts(await search(agent.id, 'monthly invoices'))[0]).toMatch(/^Billing/)
      // Both chunks name a refund; the one with more of the query's words ranks first.
      const refunds = await search(agent.id, 'refund for damaged items')
      expect(texts(refunds)).toEqual(['Our refund policy: damaged items are replaced at once.', 'A refund arrives within a week.'])
      expect(refunds.map((h) => h.rank)).toEqual([1, 2])
      expect(refunds[0]!.score).toBeGreaterThan(refunds[1]!.score)
      // A heading's words find its chunk too.
      expect(texts(await search(agent.id, 'going live'))[0]).toMatch(/^How to publish/)
    })

    it('ranks a rare word of the query above a common one, however often the common one is said', async () => {
      const agent = await newAgent(store)
      await sourceWith(
        agent.id,
        chunks(
          'The server, the server and the server: every server handles requests.',
          'A replica copies the data.',
          'Start the server.',
          'Stop the server.',
          'Restart the server.',
          'Upgrade the server.',
        ),
      )
      // "server" is in five chunks of six, "replica" in one: the one naming the replica is the better answer.
      expect(texts(await search(agent.id, 'server replica'))[0]).toBe('A replica copies the data.')
    })

    it('returns at most `limit` hits, best first, numbered from 1', async () => {
      const agent = await newAgent(store)
      await sourceWith(
        agent.id,
        Array.from({ length: 8 }, (_, i) => chunk(i, `widget ${'widget '.repeat(i)}note ${i}`)),
      )
      const hits = await search(agent.id, 'widget', 'draft', 3)
      expect(hits.map((h) => h.rank)).toEqual([1, 2, 3])
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a))
      expect(await search(agent.id, 'widget', 'draft', 0)).toHaveLength(1)
      expect(await search(agent.id, 'widget', 'draft', 1000)).toHaveLength(8)
    })

    it('keeps what a source had while it is re-fetched and when the import fails; a first import that fails leaves none', async () => {
      const agent = await newAgent(store)
      const source = await sourceWith(agent.id, chunks('the warranty lasts two years'))
      expect(await store.updateKnowledgeSourceProgress(agent.id, source.id, { pagesDone: 0, pagesTotal: 10 })).toMatchObject({
        status: 'importing',
        chunkCount: 1,
      })
      expect(texts(await search(agent.id, 'warranty'))).toEqual(['the warranty lasts two years'])
      expect(await store.failKnowledgeSource(agent.id, source.id, 'the site answered 503')).toMatchObject({
        status: 'failed',
        error: 'the site answered 503',
        chunkCount: 1,
      })
      expect(texts(await search(agent.id, 'warranty'))).toEqual(['the warranty lasts two years'])
      // A successful re-fetch clears the error.
      expect(await store.replaceKnowledgeChunks(agent.id, source.id, chunks('the warranty lasts three years'))).toMatchObject({
        status: 'ready',
        error: null,
      })

      const broken = (await store.addKnowledgeSource(agent.id, pasted('Broken')))!
      await store.updateKnowledgeSourceProgress(agent.id, broken.id, { pagesDone: 4, pagesTotal: 9 })
      expect(await store.failKnowledgeSource(agent.id, broken.id, 'not a PDF')).toMatchObject({ status: 'failed', chunkCount: 0 })
      expect(await store.listKnowledgeChunks(agent.id, broken.id)).toEqual([])
      expect(texts(await search(agent.id, 'warranty years'))).toEqual(['the warranty lasts three years'])
    })

    it('never shows a search half a replace: each sees the old chunks or the new, all of them', async () => {
      const reader = await target.open()
      try {
        const agent = await newAgent(store)
        const set = (name: string) => Array.from({ length: 120 }, (_, i) => chunk(i, `alpha ${name} passage number ${i}`))
        const source = await sourceWith(agent.id, set('oldset'))
        const replacing = store.replaceKnowledgeChunks(agent.id, source.id, set('newset'))
        const seen = await Promise.all(Array.from({ length: 20 }, () => search(agent.id, 'alpha passage', 'draft', 50)))
        await replacing
        seen.push(await reader.searchKnowledge({ agentId: agent.id, version: 'draft', query: 'alpha', limit: 50 }))
        for (const hits of seen) {
          expect(hits).toHaveLength(50)
          expect(new Set(hits.map((h) => h.text.split(' ')[1])).size).toBe(1)
        }
        expect(seen.at(-1)![0]!.text).toMatch(/newset/)
      } finally {
        await target.close(reader)
      }
    })

    it('publishes a re-fetch landing at the same moment whole or not at all, from two instances', async () => {
      const second = await target.open()
      try {
        const agent = await newAgent(store)
        const set = (name: string) => Array.from({ length: 60 }, (_, i) => chunk(i, `${name} passage ${i}`))
        const source = await sourceWith(agent.id, set('oldset'))
        const [, published] = await Promise.all([store.replaceKnowledgeChunks(agent.id, source.id, set('newset')), second.publish({ agentId: agent.id })])
        expect(published).toMatchObject({ kind: 'published', version: { version: 1 } })
        const frozen = await store.listKnowledgeChunks(agent.id, source.id, 1)
        expect(frozen).toHaveLength(60)
        expect(new Set(frozen.map((c) => c.text.split(' ')[0])).size).toBe(1)
      } finally {
        await target.close(second)
      }
    })

    it('freezes the knowledge at publish: draft edits change only the draft, and activating an old version brings its knowledge back', async () => {
      const agent = await newAgent(store)
      const data = new TextEncoder().encode('refunds within thirty days')
      const source = await sourceWith(agent.id, chunks('refunds within thirty days'), {
        kind: 'file',
        title: 'Policy',
        origin: 'policy.txt',
        file: { data, contentType: 'text/plain' },
      })
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 1 } })

      await store.replaceKnowledgeChunks(agent.id, source.id, chunks('exchanges within fourteen days'))
      expect(texts(await search(agent.id, 'refunds exchanges', 1))).toEqual(['refunds within thirty days'])
      expect(texts(await search(agent.id, 'refunds exchanges'))).toEqual(['exchanges within fourteen days'])

      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 2 } })
      expect(texts(await search(agent.id, 'refunds exchanges', 2))).toEqual(['exchanges within fourteen days'])
      await store.activateVersion(agent.id, 1)
      const active = (await store.getPublishedAgent(agent.id))!.version.version
      expect(texts(await search(agent.id, 'refunds exchanges', active))).toEqual(['refunds within thirty days'])

      // Deleted from the draft, the source lives on in the versions that froze it, file and all.
      expect(await store.deleteKnowledgeSource(agent.id, source.id)).toBe(true)
      expect(await store.deleteKnowledgeSource(agent.id, source.id)).toBe(false)
      expect(await store.listKnowledgeSources(agent.id)).toEqual([])
      expect(await store.getKnowledgeSource(agent.id, source.id)).toBeNull()
      expect(await search(agent.id, 'refunds exchanges')).toEqual([])
      expect(await store.getKnowledgeFile(agent.id, source.id, 'draft')).toBeNull()
      expect(texts(await search(agent.id, 'refunds', 1))).toEqual(['refunds within thirty days'])
      expect(await store.listKnowledgeSources(agent.id, 1)).toEqual([expect.objectContaining({ id: source.id, status: 'ready', chunkCount: 1 })])
      expect(await store.listKnowledgeChunks(agent.id, source.id, 2)).toEqual(chunks('exchanges within fourteen days'))
      const file = await store.getKnowledgeFile(agent.id, source.id, 2)
      expect(file && Buffer.from(file.data).toString()).toBe('refunds within thirty days')
      expect(await store.getKnowledgeFile(agent.id, source.id, 3)).toBeNull()
      // The source may not be fed again once it left the draft.
      expect(await store.replaceKnowledgeChunks(agent.id, source.id, chunks('late import'))).toBeNull()
      expect(await store.updateKnowledgeSourceProgress(agent.id, source.id, { pagesDone: 1, pagesTotal: 1 })).toBeNull()
      expect(await store.failKnowledgeSource(agent.id, source.id, 'late')).toBeNull()
    })

    it('publishes a new version when only the knowledge changed, and nothing_to_publish when it did not', async () => {
      const agent = await newAgent(store)
      const source = await sourceWith(agent.id, chunks('one', 'two'))
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 1 } })
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'nothing_to_publish' })
      expect(await store.knowledgeDraftDiffers(agent.id, 1)).toBe(false)
      // A re-fetch that brings the same chunks changes nothing; a source still importing has none yet.
      await store.replaceKnowledgeChunks(agent.id, source.id, chunks('one', 'two'))
      const pending = (await store.addKnowledgeSource(agent.id, pasted('Pending')))!
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'nothing_to_publish' })

      expect(await store.knowledgeDraftDiffers(agent.id, 1)).toBe(false)

      await store.replaceKnowledgeChunks(agent.id, source.id, chunks('one', 'two', 'three'))
      expect(await store.knowledgeDraftDiffers(agent.id, 1)).toBe(true)
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', created: true, version: { version: 2 } })
      expect(await store.knowledgeDraftDiffers(agent.id, 2)).toBe(false)
      // The same chunks in another order are other knowledge (their ordinals changed).
      await store.replaceKnowledgeChunks(agent.id, source.id, [chunk(0, 'three'), chunk(1, 'two'), chunk(2, 'one')])
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 3 } })
      await store.replaceKnowledgeChunks(agent.id, pending.id, chunks('four'))
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 4 } })
      await store.deleteKnowledgeSource(agent.id, pending.id)
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 5 } })
      expect(await store.listKnowledgeSources(agent.id, 4)).toHaveLength(2)
      expect(await store.listKnowledgeSources(agent.id, 5)).toEqual([expect.objectContaining({ id: source.id, chunkCount: 3 })])
      // Rolling back to a version whose knowledge differs, then publishing the draft, makes a new version again.
      await store.activateVersion(agent.id, 1)
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version: 6 } })
    })

    it('stores a chunk once, however many versions and sources name it', async () => {
      const agent = await newAgent(store)
      const shared = chunks('the same footer on every page', 'a page of its own')
      const first = await sourceWith(agent.id, shared)
      for (let version = 1; version <= 3; version++) {
        await store.updateAgent(agent.id, { config: { instructions: `edit ${version}` } })
        expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', version: { version } })
      }
      const second = await sourceWith(agent.id, [chunk(0, 'the same footer on every page'), chunk(1, 'another page')])
      expect(await store.knowledgeUsage(agent.id)).toEqual({ sources: 2, chunks: 3 })
      expect((await search(agent.id, 'footer')).map((h) => h.sourceId).sort()).toEqual([first.id, second.id].sort())
      // Dropped from the draft, a chunk a version names stays; one nothing names goes.
      await store.replaceKnowledgeChunks(agent.id, first.id, [])
      await store.replaceKnowledgeChunks(agent.id, second.id, chunks('a third page'))
      expect(await store.knowledgeUsage(agent.id)).toEqual({ sources: 2, chunks: 3 })
      expect(texts(await search(agent.id, 'page', 3)).sort()).toEqual(['a page of its own', 'the same footer on every page'])
    })

    it('deletes a source no version froze with its file and its chunks', async () => {
      const agent = await newAgent(store)
      const kept = await sourceWith(agent.id, chunks('kept words'))
      const doomed = await sourceWith(agent.id, chunks('doomed words', 'kept words'), {
        kind: 'file',
        title: 'Doomed',
        origin: 'doomed.txt',
        file: { data: new Uint8Array([1, 2, 3]), contentType: 'text/plain' },
      })
      expect(await store.deleteKnowledgeSource(agent.id, doomed.id)).toBe(true)
      expect(await store.knowledgeUsage(agent.id)).toEqual({ sources: 1, chunks: 1 })
      expect(await store.getKnowledgeFile(agent.id, doomed.id, 'draft')).toBeNull()
      expect((await search(agent.id, 'doomed kept words')).map((h) => h.sourceId)).toEqual([kept.id])
    })

    it('reads any query as words: operators, quotes, huge or garbled text never throw; no words find nothing', async () => {
      const agent = await newAgent(store)
      await sourceWith(agent.id, chunks('near the shipping desk', 'Crème brûlée recipe', '東京の配送センター', 'or and not -minus'))
      const hostile = [
        '"',
        '""',
        '*',
        'ship*',
        'NEAR(',
        'NEAR(shipping desk, 2)',
        'OR',
        'AND OR NOT',
        '-',
        '-shipping',
        ':',
        'title:shipping',
        '{title text}: shipping',
        '((shipping',
        'shipping))',
        "'; DROP TABLE knowledge_chunks; --",
        '\\',
        '^shipping',
        'a'.repeat(10_000),
        'shipping '.repeat(1_200),
        '\ud800 lone surrogate',
        '🚚📦',
        '\u0000',
        'e\u0301',
        'שלום עולם',
        'shipping & | ! <-> desk',
      ]
      for (const query of hostile) {
        const hits = await search(agent.id, query)
        expect(Array.isArray(hits), query.slice(0, 40)).toBe(true)
      }
      for (const query of ['', '   ', '"', '*', '()', ':', '-', '🚚📦', '\u0000', '!@#$%^&*']) expect(await search(agent.id, query), query).toEqual([])
      expect(texts(await search(agent.id, '"shipping'))).toEqual(['near the shipping desk'])
      expect(texts(await search(agent.id, 'NEAR(shipping desk, 2)'))[0]).toBe('near the shipping desk')
      expect(texts(await search(agent.id, 'brûlée'))).toEqual(['Crème brûlée recipe'])
      expect(texts(await search(agent.id, 'shipping '.repeat(1_200)))).toEqual(['near the shipping desk'])
    })

    it('keeps agents apart: no agent finds, lists or changes another’s knowledge, even the same chunk', async () => {
      const mine = await newAgent(store)
      const theirs = await newAgent(store)
      const source = await sourceWith(mine.id, chunks('the secret recipe'))
      const foreign = await sourceWith(theirs.id, chunks('the secret recipe', 'their own note'))
      expect((await search(mine.id, 'secret recipe')).map((h) => h.sourceId)).toEqual([source.id])
      expect((await search(theirs.id, 'secret recipe')).map((h) => h.sourceId)).toEqual([foreign.id])
      expect(await search(mine.id, 'their own note')).toEqual([])
      expect(await store.getKnowledgeSource(theirs.id, source.id)).toBeNull()
      expect(await store.listKnowledgeChunks(theirs.id, source.id)).toEqual([])
      expect(await store.replaceKnowledgeChunks(theirs.id, source.id, chunks('hijack'))).toBeNull()
      expect(await store.failKnowledgeSource(theirs.id, source.id, 'x')).toBeNull()
      expect(await store.deleteKnowledgeSource(theirs.id, source.id)).toBe(false)
      expect(await store.getKnowledgeFile(theirs.id, source.id, 'draft')).toBeNull()
      expect(texts(await search(mine.id, 'secret'))).toEqual(['the secret recipe'])
      // Deleting one agent's knowledge leaves the other's identical chunk alone.
      await store.deleteAgent(mine.id)
      expect(texts(await search(theirs.id, 'secret'))).toEqual(['the secret recipe'])
    })

    it('searches nothing for a version that does not exist', async () => {
      const agent = await newAgent(store)
      await sourceWith(agent.id, chunks('versioned words'))
      await store.publish({ agentId: agent.id })
      expect(await search(agent.id, 'versioned', 1)).toHaveLength(1)
      for (const version of [0, -1, 2, 1.5, Number.NaN]) expect(await search(agent.id, 'versioned', version)).toEqual([])
      expect(await store.listKnowledgeSources(agent.id, 2)).toEqual([])
      expect(await search(uid('missing'), 'versioned')).toEqual([])
    })

    it('keeps the pages a web import skipped with its outcome, ready or failed; files and texts have none', async () => {
      const agent = await newAgent(store)
      const web = await store.addKnowledgeSource(agent.id, { kind: 'url', title: 'Docs', origin: 'https://docs.example/a', options: { max_pages: 3 } })
      expect(web).toMatchObject({ skippedPages: [], options: { max_pages: 3 } })
      const skipped = [
        { url: 'https://docs.example/gone', reason: 'The page was not found (HTTP 404).' },
        { url: 'https://docs.example/ünï', reason: 'The site’s robots.txt does not allow PorchBot to read this page.' },
      ]
      expect(await store.replaceKnowledgeChunks(agent.id, web!.id, chunks('page one'), skipped)).toMatchObject({ status: 'ready', skippedPages: skipped })
      expect(await store.failKnowledgeSource(agent.id, web!.id, 'Refreshing failed.', skipped.slice(1))).toMatchObject({
        status: 'failed',
        skippedPages: skipped.slice(1),
        chunkCount: 1,
      })
      expect((await store.listKnowledgeSources(agent.id))[0]!.skippedPages).toEqual(skipped.slice(1))
      expect(await store.replaceKnowledgeChunks(agent.id, web!.id, chunks('page one'))).toMatchObject({ status: 'ready', skippedPages: [] })
    })

    it('restarts an import (a refresh) only when the source is not importing, its chunks searchable meanwhile', async () => {
      const agent = await newAgent(store)
      const source = await store.addKnowledgeSource(agent.id, { kind: 'url', title: 'Docs', origin: 'https://docs.example/', leaseMs: 60_000 })
      expect(await store.restartKnowledgeImport(agent.id, source!.id, 60_000)).toBe('importing')
      await store.updateKnowledgeSourceProgress(agent.id, source!.id, { pagesDone: 4, pagesTotal: 4 })
      await store.replaceKnowledgeChunks(agent.id, source!.id, chunks('lighthouse keeper'))
      expect(await store.renewKnowledgeImport(agent.id, source!.id, 60_000)).toBe(false)

      const restarted = await store.restartKnowledgeImport(agent.id, source!.id, 60_000)
      expect(restarted).toMatchObject({ status: 'importing', error: null, progress: { pagesDone: 0, pagesTotal: null }, chunkCount: 1 })
      expect(texts(await search(agent.id, 'lighthouse'))).toEqual(['lighthouse keeper'])
      expect(await store.renewKnowledgeImport(agent.id, source!.id, 60_000)).toBe(true)
      expect(await store.restartKnowledgeImport(agent.id, source!.id, 60_000)).toBe('importing')
      expect(await store.restartKnowledgeImport(agent.id, uid('missing'), 60_000)).toBeNull()
      expect(await store.restartKnowledgeImport((await newAgent(store)).id, source!.id, 60_000)).toBeNull()
    })

    it('hands an import whose lease ran out to exactly one of two instances, and never one whose lease runs', async () => {
      const agent = await newAgent(store)
      const running = await store.addKnowledgeSource(agent.id, { ...pasted('Running'), leaseMs: 60_000 })
      const stalled = await store.addKnowledgeSource(agent.id, { ...pasted('Stalled'), leaseMs: 1 })
      const done = await store.addKnowledgeSource(agent.id, { ...pasted('Done'), leaseMs: 1 })
      await store.replaceKnowledgeChunks(agent.id, done!.id, chunks('finished'))
      await sleep(30)
      // Other suites' sources may be stalled too: only this agent's are looked at.
      const ours = (sources: Array<{ agentId: string; id: string }>) => sources.filter((source) => source.agentId === agent.id).map((source) => source.id)
      const other = await target.open()
      try {
        const [a, b] = await Promise.all([store.claimStalledKnowledgeImports(60_000, 10_000), other.claimStalledKnowledgeImports(60_000, 10_000)])
        expect([...ours(a), ...ours(b)]).toEqual([stalled!.id])
        expect([...ours(a), ...ours(b)].length).toBe(1)
        expect(ours(await other.claimStalledKnowledgeImports(60_000, 10_000))).toEqual([])
      } finally {
        await target.close(other)
      }
      // A lease renewed to end now is free to take at once (a host stopping hands its imports on).
      expect(await store.renewKnowledgeImport(agent.id, running!.id, 0)).toBe(true)
      await sleep(5)
      const taken = await store.claimStalledKnowledgeImports(60_000, 10_000)
      expect(ours(taken)).toEqual([running!.id])
      expect(taken.find((source) => source.id === running!.id)).toMatchObject({ status: 'importing', kind: 'text', title: 'Running' })
    })

    it('deleting an agent deletes all its knowledge: sources, files, chunks of the draft and every version', async () => {
      const agent = await newAgent(store)
      const source = await sourceWith(agent.id, chunks('gone soon'), {
        kind: 'file',
        title: 'F',
        origin: 'f.txt',
        file: { data: new Uint8Array([7]), contentType: 'text/plain' },
      })
      await store.publish({ agentId: agent.id })
      await store.replaceKnowledgeChunks(agent.id, source.id, chunks('gone later'))
      expect(await store.knowledgeUsage(agent.id)).toEqual({ sources: 1, chunks: 2 })
      expect(await store.deleteAgent(agent.id)).toBe(true)
      expect(await store.knowledgeUsage(agent.id)).toEqual({ sources: 0, chunks: 0 })
      expect(await search(agent.id, 'gone', 1)).toEqual([])
      expect(await search(agent.id, 'gone')).toEqual([])
      expect(await store.getKnowledgeFile(agent.id, source.id, 1)).toBeNull()
      expect(await store.listKnowledgeSources(agent.id)).toEqual([])
    })

    /** Embeds every chunk (of any agent) lacking a vector from `model`, as the embedder does; returns the texts embedded. */
    const embedAll = async (model: string) => {
      const sent: string[] = []
      for (;;) {
        const batch = await store.claimChunksToEmbed(model, 100, 1)
        if (batch.length === 0) return sent
        sent.push(...batch.map(embeddingText))
        const kept = await store.storeChunkEmbeddings(
          model,
          batch.map((todo) => ({ id: todo.id, vector: normalise(fakeEmbedding(embeddingText(todo))) })),
        )
        expect(kept).toBe(batch.length)
      }
    }
    const vectorOf = (model: string, text: string): QueryEmbedding => ({ model, vector: normalise(fakeEmbedding(text)) })

    it('keeps one vector per chunk and model: a chunk named by many versions is embedded once, and another model embeds again', async () => {
      const agent = await newAgent(store)
      const model = uid('model')
      await sourceWith(agent.id, chunks('alpha embedded words', 'beta embedded words'))
      const sent = await embedAll(model)
      expect(sent.filter((text) => text.includes('embedded words'))).toHaveLength(2)
      expect(sent.find((text) => text.includes('alpha embedded'))).toBe('Handbook\n\nalpha embedded words')
      expect(await store.countChunksToEmbed(model)).toBe(0)
      // A published version names the same chunks: nothing new to embed; a new chunk is.
      await store.publish({ agentId: agent.id })
      await sourceWith(agent.id, chunks('gamma embedded words'))
      expect(await store.countChunksToEmbed(model)).toBe(1)
      expect(await embedAll(model)).toEqual(['Handbook\n\ngamma embedded words'])
      // Another model's vectors are stale for this one.
      const next = uid('model')
      expect(await store.countChunksToEmbed(next)).toBeGreaterThanOrEqual(3)
      // Vectors for chunks deleted meanwhile are skipped.
      expect(await store.storeChunkEmbeddings(model, [{ id: -7, vector: normalise([1, 0]) }])).toBe(0)
    })

    it('hybrid search finds by vector what full text misses, fuses both rankings by RRF, and leaves chunks without a vector to full text', async () => {
      const agent = await newAgent(store)
      const model = uid('model')
      await sourceWith(
        agent.id,
        chunks('The automobile needs fresh oil every spring.', 'Car parks open at nine in the morning.', 'Opening hours of the bakery.'),
      )
      await embedAll(model)
      // Stored after the embedding: no vector yet.
      await sourceWith(agent.id, chunks('Car wash tokens are sold at the desk.'), pasted('Later'))
      const query = 'car'
      expect(texts(await search(agent.id, query)).sort()).toEqual(['Car parks open at nine in the morning.', 'Car wash tokens are sold at the desk.'])
      const hybrid = await store.searchKnowledge({ agentId: agent.id, version: 'draft', query, limit: 10, embedding: vectorOf(model, query) })
      // "automobile" is a synonym the vectors know: full text alone never finds it.
      expect(texts(hybrid)).toContain('The automobile needs fresh oil every spring.')
      // In both rankings beats in one; the unembedded chunk still comes through full text.
      expect(hybrid[0]!.text).toBe('Car parks open at nine in the morning.')
      expect(texts(hybrid)).toContain('Car wash tokens are sold at the desk.')
      // A chunk that shares nothing with the query (cosine 0) is not near it.
      expect(texts(hybrid)).not.toContain('Opening hours of the bakery.')
      expect(hybrid.map((hit) => hit.rank)).toEqual(hybrid.map((_, i) => i + 1))
      const [first, ...rest] = hybrid
      expect(first!.score).toBeGreaterThan(1 / (RRF_K + 1))
      expect(first!.score).toBeLessThanOrEqual(2 / (RRF_K + 1))
      for (const hit of rest) expect(hit.score).toBeLessThanOrEqual(first!.score)
      // A vector from a model no chunk was embedded with adds nothing: full text order, RRF scores.
      const other = await store.searchKnowledge({ agentId: agent.id, version: 'draft', query, limit: 10, embedding: vectorOf(uid('model'), query) })
      expect(texts(other)).toEqual(texts(await search(agent.id, query)))
      expect(other.map((hit) => hit.score)).toEqual([1 / (RRF_K + 1), 1 / (RRF_K + 2)])
      // The limit applies to the fused list; a published version searches its own vectors.
      expect(await store.searchKnowledge({ agentId: agent.id, version: 'draft', query, limit: 1, embedding: vectorOf(model, query) })).toHaveLength(1)
      await store.publish({ agentId: agent.id })
      const published = await store.searchKnowledge({
        agentId: agent.id,
        version: 1,
        query: 'automobile spring',
        limit: 10,
        embedding: vectorOf(model, 'vehicle'),
      })
      expect(published[0]!.text).toBe('The automobile needs fresh oil every spring.')
      // Another agent's vectors are never found.
      const stranger = await newAgent(store)
      expect(await store.searchKnowledge({ agentId: stranger.id, version: 'draft', query, limit: 10, embedding: vectorOf(model, query) })).toEqual([])
    })
  })
}
