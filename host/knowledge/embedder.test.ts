/**
 * The embedder against the fake OpenAI-compatible embeddings server (a real HTTP server on
 * 127.0.0.1) and real stores: batches, retries after 503 and 429, one log line per outage and no
 * key in it, PostgreSQL hosts sharing the work without embedding a chunk twice, and a host that
 * embeds at import and searches hybrid through the owner API, falling back to full text when
 * the query cannot be embedded. On a SQLite file and on a PostgreSQL database alike.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { createLogger } from '../log.ts'
import { startHost } from '../server.ts'
import { newAgent } from '../store/contract/support.ts'
import { knowledgeChunkHash } from '../store/knowledge.ts'
import { createPostgresStore } from '../store/postgres/postgres-store.ts'
import { createSqliteStore } from '../store/sqlite-store.ts'
import type { KnowledgeChunk, Store } from '../store/store.ts'
import { type FakeEmbeddings, startFakeEmbeddings } from '../testing/fake-providers.ts'
import { eventually, ownerClient } from '../testing/harness.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { createEmbedder, type EmbeddingConfig } from './embedder.ts'

const KEY = 'sk-embed-test-secret-key-0123456789'
const TOKEN = 'embedder-test-admin-token-0123456789'
const MODEL = 'fake-embed-small'

const dir = mkdtempSync(join(tmpdir(), 'porch-embedder-'))
let fake: FakeEmbeddings
beforeAll(async () => {
  fake = await startFakeEmbeddings()
})
afterAll(async () => {
  await fake.close()
  rmSync(dir, { recursive: true, force: true })
})

const capture = () => {
  const lines: string[] = []
  return { lines, log: createLogger((line) => lines.push(line)) }
}

const chunk = (ordinal: number, text: string): KnowledgeChunk => {
  const content = { title: 'Manual', headingPath: [], url: null, text }
  return { ordinal, ...content, hash: knowledgeChunkHash(content) }
}

/** An agent with a source of `count` chunks, stored directly. */
async function agentWithChunks(store: Store, count: number, tag: string) {
  const agent = await newAgent(store)
  const source = await store.addKnowledgeSource(agent.id, { kind: 'text', title: tag, origin: `${tag}.txt` })
  const texts = Array.from({ length: count }, (_, i) => `${tag} passage number ${i}`)
  await store.replaceKnowledgeChunks(
    agent.id,
    source!.id,
    texts.map((text, i) => chunk(i, text)),
  )
  return agent
}

const STORES = {
  sqlite: async () => {
    const path = join(dir, `${crypto.randomUUID()}.db`)
    return { open: async () => createSqliteStore(path), env: { PORCH_DB: path } }
  },
  postgres: async () => {
    const url = await createTestDatabase()
    return { open: () => createPostgresStore(url, { max: 4 }), env: { PORCH_DATABASE_URL: url } }
  },
}

const config = (batchSize: number): EmbeddingConfig => ({ url: fake.url, model: MODEL, apiKey: KEY, batchSize })

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('embedder on %s', (kind) => {
  let target: Awaited<ReturnType<(typeof STORES)[typeof kind]>>
  beforeAll(async () => {
    target = await STORES[kind]()
  })

  it('embeds every chunk lacking a vector in batches of the configured size, one store write each, and sends the key', async () => {
    const store = await target.open()
    const { lines, log } = capture()
    await agentWithChunks(store, 5, `batch-${kind}`)
    const embedder = createEmbedder({ store, log, config: config(2), sweepMs: 0 })
    const before = fake.requests.length
    embedder.kick()
    embedder.kick()
    await embedder.idle()
    const calls = fake.requests.slice(before)
    expect(calls.map((call) => call.body.input.length)).toEqual([2, 2, 1])
    expect(calls.every((call) => call.body.model === MODEL && call.headers.authorization === `Bearer ${KEY}`)).toBe(true)
    expect(await store.countChunksToEmbed(MODEL)).toBe(0)
    // Nothing left: a kick costs no call.
    embedder.kick()
    await embedder.idle()
    expect(fake.requests.length).toBe(before + 3)
    expect(lines).toEqual([])
    await embedder.close()
    // Without a key, no Authorization header at all (a local server needs none).
    await agentWithChunks(store, 1, `keyless-${kind}`)
    const keyless = createEmbedder({ store, log, config: { ...config(2), apiKey: undefined }, sweepMs: 0 })
    keyless.kick()
    await keyless.idle()
    expect(fake.requests.at(-1)!.headers.authorization).toBeUndefined()
    await keyless.close()
    await store.close()
  })

  it('retries after 503s and 429s, logs one line per outage without the key, and embeds everything', async () => {
    const store = await target.open()
    const { lines, log } = capture()
    await agentWithChunks(store, 3, `retry-${kind}`)
    const embedder = createEmbedder({ store, log, config: config(3), maxRetries: 2, retryDelayMs: 5, sweepMs: 0 })
    // Three failures exhaust the SDK's call (1 + 2 retries): the job backs off once, then a 429 is retried by the SDK.
    fake.failNext(3, 503)
    fake.failNext(1, 429)
    const before = fake.embedded.length
    embedder.kick()
    await embedder.idle()
    expect(await store.countChunksToEmbed(MODEL)).toBe(0)
    expect(fake.embedded.length - before).toBe(3)
    const failures = lines.filter((line) => line.includes('ERROR'))
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatch(/knowledge embeddings: fake-embed-small at http:\/\/127\.0\.0\.1:\d+\/v1 failed \(HTTP 503\).*3 chunks wait/)
    expect(lines.filter((line) => line.includes('answers again'))).toHaveLength(1)
    expect(lines.join('\n')).not.toContain(KEY)
    await embedder.close()
    await store.close()
  })

  it('embeds at import and searches hybrid through the owner API; a query the model cannot embed is searched by full text', async () => {
    const { lines, log } = capture()
    const host = await startHost(
      loadConfig({
        PORT: '0',
        PORCH_ADMIN_TOKEN: TOKEN,
        PORCH_EMBEDDING_URL: fake.url,
        PORCH_EMBEDDING_MODEL: MODEL,
        PORCH_EMBEDDING_API_KEY: KEY,
        PORCH_EMBEDDING_BATCH: '4',
        ...target.env,
      }),
      { log, modelRetries: 0, embedder: { retryDelayMs: 5 } },
    )
    try {
      const owner = ownerClient(host.url, TOKEN)
      const agent = await owner.createAgent({ name: 'Garage', model: 'demo' })
      for (const [title, text] of [
        ['Servicing', 'The automobile needs fresh oil every spring.'],
        ['Parking', 'Car parks open at nine in the morning.'],
        ['Bakery', 'Opening hours of the bakery.'],
      ]) {
        const added = await owner.call('POST', `/agents/${agent.id}/knowledge/sources`, { kind: 'text', title, text })
        expect(added.status).toBe(201)
      }
      await eventually(async () => ((await host.store.countChunksToEmbed(MODEL)) === 0 ? true : undefined))
      const search = async (q: string) => {
        const reply = await owner.call('GET', `/agents/${agent.id}/knowledge/search?q=${encodeURIComponent(q)}`)
        expect(reply.status).toBe(200)
        return (reply.body.hits as Array<{ text: string; score: number; rank: number }>).map((hit) => hit.text)
      }
      // Full text alone finds no "car" in the servicing note; its vector does.
      expect(await search('car')).toEqual(['Car parks open at nine in the morning.', 'The automobile needs fresh oil every spring.'])
      fake.failNext(1, 503)
      expect(await search('car')).toEqual(['Car parks open at nine in the morning.'])
      fake.failNext(1, 503)
      expect(await search('car')).toEqual(['Car parks open at nine in the morning.'])
      expect(lines.filter((line) => line.includes('could not embed a query (HTTP 503)'))).toHaveLength(1)
      expect(await search('car')).toHaveLength(2)
      expect(lines.filter((line) => line.includes('embeds queries again'))).toHaveLength(1)
      expect(lines.join('\n')).not.toContain(KEY)
    } finally {
      await host.close(0)
    }
  })
})

describe('embedders of several hosts on one PostgreSQL database', () => {
  it('share the work through claims: every chunk is embedded once, none twice', async () => {
    const url = await createTestDatabase()
    const stores = await Promise.all([createPostgresStore(url, { max: 2 }), createPostgresStore(url, { max: 2 })])
    await agentWithChunks(stores[0]!, 24, 'shared')
    fake.setDelay(20)
    const before = fake.embedded.length
    const embedders = stores.map((store) => createEmbedder({ store, log: capture().log, config: { ...config(3), model: 'shared-model' }, sweepMs: 0 }))
    try {
      for (const embedder of embedders) embedder.kick()
      await Promise.all(embedders.map((embedder) => embedder.idle()))
    } finally {
      fake.setDelay(0)
    }
    const sent = fake.embedded.slice(before).filter((text) => text.includes('shared passage'))
    expect(sent).toHaveLength(24)
    expect(new Set(sent).size).toBe(24)
    expect(await stores[0]!.countChunksToEmbed('shared-model')).toBe(0)
    for (const embedder of embedders) await embedder.close()
    for (const store of stores) await store.close()
  })
})
