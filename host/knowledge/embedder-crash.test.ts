/**
 * "Embedding is resumable after a crash mid-import", tested with a real crash: the host runs as
 * a child process on a SQLite file, embeds a 40-passage source (and the demo agent’s docs) through a slow fake embeddings
 * server, and gets SIGKILL once some batches are stored. Restarted, it embeds exactly the chunks
 * still lacking a vector (each once), and never sends a batch it had already stored.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, expect, it } from 'vitest'
import { embeddingText } from '../store/knowledge-vectors.ts'
import { killAllChildren, startChildHost } from '../testing/child-host.ts'
import { type FakeEmbeddings, startFakeEmbeddings } from '../testing/fake-providers.ts'
import { eventually, ownerClient } from '../testing/harness.ts'

const TOKEN = 'embed-crash-admin-token-0123456789abcdef'
const MODEL = 'fake-embed-crash'
const PASSAGES = 40

const dir = mkdtempSync(join(tmpdir(), 'porch-embed-crash-'))
let fake: FakeEmbeddings | undefined

afterAll(async () => {
  await killAllChildren()
  await fake?.close()
  rmSync(dir, { recursive: true, force: true })
})

type Row = { title: string; heading_path: string; text: string; embedding_model: string | null }

/** Each chunk's embedding text, and whether it has a vector from the model, read from the file as it is on disk. */
function chunksOnDisk(path: string): { embedded: string[]; missing: string[] } {
  const db = new Database(path, { readonly: true })
  try {
    const rows = db.prepare('SELECT title, heading_path, text, embedding_model FROM knowledge_chunks').all() as Row[]
    const text = (row: Row) => embeddingText({ title: row.title, headingPath: JSON.parse(row.heading_path) as string[], text: row.text })
    return {
      embedded: rows.filter((row) => row.embedding_model === MODEL).map(text),
      missing: rows.filter((row) => row.embedding_model !== MODEL).map(text),
    }
  } finally {
    db.close()
  }
}

it('resumes embedding after a SIGKILL: the rest is embedded once, and stored batches are not sent again', { timeout: 90_000 }, async () => {
  fake = await startFakeEmbeddings()
  fake.setDelay(250)
  const path = join(dir, 'porch.db')
  const env = {
    PORCH_DB: path,
    PORCH_ADMIN_TOKEN: TOKEN,
    PORCH_EXAMPLES_PORT: 'off',
    PORCH_EMBEDDING_URL: fake.url,
    PORCH_EMBEDDING_MODEL: MODEL,
    PORCH_EMBEDDING_API_KEY: 'sk-crash-test-key',
    PORCH_EMBEDDING_BATCH: '8',
  }
  const first = await startChildHost(env)
  const owner = ownerClient(first.url, TOKEN)
  const agent = await owner.createAgent({ name: 'Crash', model: 'demo' })
  const sections = Array.from(
    { length: PASSAGES },
    // About 1,000 characters each: the chunker (about 1,200 per chunk) keeps each passage a chunk of its own.
    (_, i) => `Passage ${i} explains item ${i} of the catalogue: what it is, when to use it, and what it costs. `.repeat(10).trim(),
  )
  const added = await owner.call('POST', `/agents/${agent.id}/knowledge/sources`, { kind: 'text', title: 'Catalogue', text: sections.join('\n\n') })
  expect(added.status).toBe(201)
  expect(added.body.chunk_count).toBe(PASSAGES)

  // Two batches stored, the rest still to come (each call takes 250 ms): kill the host now.
  const atKill = await eventually(() => {
    const state = chunksOnDisk(path)
    return state.embedded.length >= 16 ? state : undefined
  }, 30_000)
  await first.kill('SIGKILL')
  const afterKill = chunksOnDisk(path)
  expect(afterKill.embedded.length).toBeGreaterThanOrEqual(atKill.embedded.length)
  expect(afterKill.missing.length).toBeGreaterThan(0)
  // The demo agent's knowledge (Porch's docs, seeded at the first start) is embedded alongside.
  expect(afterKill.embedded.length + afterKill.missing.length).toBeGreaterThan(PASSAGES)

  // Requests that arrive from now on are the second host's (a call the killed host left in flight may still be answered, late).
  const requestsAtKill = fake.requests.length
  fake.setDelay(0)
  const second = await startChildHost(env)
  await eventually(() => (chunksOnDisk(path).missing.length === 0 ? true : undefined), 30_000)
  const resent: string[] = fake.requests.slice(requestsAtKill).flatMap((request) => request.body.input)
  expect(resent.length).toBe(afterKill.missing.length)
  expect(new Set(resent)).toEqual(new Set(afterKill.missing))
  for (const text of afterKill.embedded) expect(resent).not.toContain(text)
  await second.kill('SIGTERM')
})
