/**
 * The knowledge benchmark's parts on tiny inputs (no manual needed): the recall/MRR arithmetic,
 * the question file's shape, the check of questions against pages, the generated chunks, and the
 * bulk writers on both stores (found by the store's own search), so `npm run bench --
 * --only=knowledge` does not find a broken part after minutes of importing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { checkKnowledgeChunks, knowledgeChunkHash } from '../host/store/knowledge.ts'
import { createPostgresStore } from '../host/store/postgres/postgres-store.ts'
import { createSqliteStore } from '../host/store/sqlite-store.ts'
import type { KnowledgeChunk, Store } from '../host/store/store.ts'
import { createTestDatabase } from '../host/testing/postgres.ts'
import { checkQuestionPages, firstRightRank, loadQuestions, pageOf, type Question, scoreRanking } from './knowledge-eval.ts'
import { type BulkWriter, fillAgent, postgresBulkWriter, sqliteBulkWriter, variedChunks } from './knowledge-scale.ts'

const chunk = (ordinal: number, text: string, url: string | null = `https://example.test/docs/page-${ordinal}.html#s`): KnowledgeChunk => {
  const c = { ordinal, title: `Page ${ordinal}`, headingPath: ['Section'], url, text, hash: '' }
  return { ...c, hash: knowledgeChunkHash(c) }
}

describe('the retrieval arithmetic', () => {
  it('reads the page of a URL without its fragment or query', () => {
    expect(pageOf('https://www.postgresql.org/docs/15/sql-copy.html#SQL-COPY-PARAMS')).toBe('sql-copy.html')
    expect(pageOf('sql-copy.html?x=1')).toBe('sql-copy.html')
    expect(pageOf('datatype-numeric.html#DATATYPE-SERIAL')).toBe('datatype-numeric.html')
  })

  it('ranks the first hit on any of the pages, and never one without a URL', () => {
    const urls = [null, 'https://h/a.html', 'https://h/b.html#x', 'https://h/c.html']
    expect(firstRightRank(urls, ['c.html', 'b.html#y'])).toBe(3)
    expect(firstRightRank(urls, ['d.html'])).toBeNull()
  })

  it('scores recall@5 and MRR over the top ten', async () => {
    const questions: Question[] = [
      { question: 'first', pages: ['a.html'], evidence: 'x' },
      { question: 'fifth', pages: ['e.html'], evidence: 'x' },
      { question: 'sixth', pages: ['f.html'], evidence: 'x' },
      { question: 'eleventh', pages: ['k.html'], evidence: 'x' },
    ]
    const ranked = 'abcdefghijk'.split('').map((letter) => `https://h/${letter}.html`)
    const score = await scoreRanking(questions, async () => ranked)
    expect(score.recallAt5).toBe(2 / 4)
    expect(score.mrr).toBeCloseTo((1 + 1 / 5 + 1 / 6 + 0) / 4, 10)
    expect(score.missed).toEqual(['eleventh'])
  })
})

describe('the questions', () => {
  it('are well formed and distinct', () => {
    const questions = loadQuestions()
    expect(questions.length).toBeGreaterThanOrEqual(80)
    for (const q of questions) expect(q.pages.every((page) => !page.includes('/'))).toBe(true)
  })

  it('are checked against the pages: missing page, missing anchor, evidence nowhere', () => {
    const pages: Record<string, string> = { 'a.html': '<p id="X">The <code>-&gt;&gt;</code> operator</p>' }
    const read = (file: string) => pages[file] ?? null
    expect(checkQuestionPages([{ question: 'q', pages: ['a.html#X'], evidence: '->> operator' }], read)).toEqual([])
    expect(checkQuestionPages([{ question: 'q', pages: ['b.html', 'a.html#Y'], evidence: 'nothing like it' }], read)).toEqual([
      '"q": no page b.html',
      '"q": a.html has no #Y',
      '"q": none of its pages holds "nothing like it"',
    ])
  })
})

describe('the generated chunks', () => {
  const base = [chunk(0, 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen'), chunk(1, 'alpha beta')]

  it('start with the base, then vary it, each distinct and addressed by its hash', () => {
    const made = [...variedChunks(base, 7)]
    expect(made).toHaveLength(7)
    expect(made[0]!.text).toBe(base[0]!.text)
    expect(new Set(made.map((c) => c.hash)).size).toBe(7)
    expect(() => checkKnowledgeChunks(made)).not.toThrow()
  })
})

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const openers: Record<'sqlite' | 'postgres', () => Promise<{ store: Store; writer: BulkWriter; close(): Promise<void> }>> = {
  async sqlite() {
    const dir = mkdtempSync(join(tmpdir(), 'porch-knowledge-bench-test-'))
    dirs.push(dir)
    const store = createSqliteStore(join(dir, 'k.db'))
    const writer = sqliteBulkWriter(join(dir, 'k.db'))
    const close = async () => {
      await writer.close()
      await store.close()
    }
    return { store, writer, close }
  },
  async postgres() {
    const url = await createTestDatabase()
    const store = await createPostgresStore(url)
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    const close = async () => {
      await sql.end({ timeout: 1 })
      await store.close()
    }
    return { store, writer: postgresBulkWriter(sql), close }
  },
}

describe.each(['sqlite', 'postgres'] as const)('the bulk writer on %s', (kind) => {
  it('stores chunks the store then searches, in its own agent only', async () => {
    const { store, writer, close } = await openers[kind]()
    try {
      const base = [chunk(0, 'vacuum reclaims storage occupied by dead tuples'), chunk(1, 'a sequence generates serial numbers')]
      let agent = ''
      await writer.bulk(async () => {
        agent = await fillAgent(store, writer, base, 5, 1)
        await fillAgent(store, writer, [chunk(0, 'vacuum elsewhere', 'https://other.test/elsewhere.html')], 1, 2)
      })
      expect((await store.knowledgeUsage(agent)).chunks).toBe(5)
      const hits = await store.searchKnowledge({ agentId: agent, version: 'draft', query: 'vacuum', limit: 10 })
      expect(hits.length).toBeGreaterThanOrEqual(1)
      expect(hits.map((hit) => hit.url)).toContain(base[0]!.url)
      expect(hits.map((hit) => hit.url)).not.toContain('https://other.test/elsewhere.html')
      expect(await writer.knowledgeBytes()).toBeGreaterThan(0)
    } finally {
      await close()
    }
  })
})
