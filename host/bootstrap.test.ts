/** First-start chores when several hosts start together on one empty database: one admin token, one secret, one demo agent. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { prepareSecrets, seedDemoAgent } from './bootstrap.ts'
import { createSqliteStore } from './store/sqlite-store.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-bootstrap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('gives hosts starting at once the same secrets, one new admin token printed once, and one demo agent', async () => {
  const path = join(dir, 'porch.db')
  const stores = [createSqliteStore(path), createSqliteStore(path), createSqliteStore(path)]
  try {
    const secrets = await Promise.all(stores.map((store) => prepareSecrets(store, {})))
    expect(new Set(secrets.map((s) => s.adminTokenHash)).size).toBe(1)
    expect(new Set(secrets.map((s) => s.secret)).size).toBe(1)
    expect(secrets.filter((s) => s.newAdminToken !== null)).toHaveLength(1)

    const seeded = await Promise.all(stores.map((store) => seedDemoAgent(store)))
    expect(seeded.filter((agent) => agent !== null)).toHaveLength(1)
    expect((await stores[0]!.listAgents()).filter((agent) => agent.name === 'Porch demo')).toHaveLength(1)
    // A later start seeds nothing, and a deleted demo agent stays deleted.
    const demo = seeded.find((agent) => agent !== null)!
    await stores[1]!.deleteAgent(demo.id)
    expect(await seedDemoAgent(stores[2]!)).toBeNull()
    expect(await stores[0]!.getSetting('demo_seeded')).toBe(demo.id)
  } finally {
    for (const store of stores) await store.close()
  }
})

it('publishes the demo agent with the documents it is given as knowledge, frozen in version 1', async () => {
  const store = createSqliteStore(join(dir, 'knowledge.db'))
  try {
    const guide = '# Guide\n\n## Embedding\n\nPaste the script tag before the closing body tag.\n\n## Keys\n\nCreate a chat key for servers.\n'
    const demo = (await seedDemoAgent(store, { knowledge: [{ filename: 'guide.md', bytes: new TextEncoder().encode(guide) }] }))!
    expect(demo.config.starters).toContain('How do I embed the chat on my site?')
    const [source] = await store.listKnowledgeSources(demo.id, 1)
    expect(source).toMatchObject({ kind: 'file', title: 'Guide', origin: 'guide.md', status: 'ready', chunkCount: 2 })
    const [hit] = await store.searchKnowledge({ agentId: demo.id, version: 1, query: 'where do I paste the script?', limit: 5 })
    expect(hit).toMatchObject({ title: 'Guide', headingPath: ['Embedding'], sourceId: source!.id })
    expect(new TextDecoder().decode((await store.getKnowledgeFile(demo.id, source!.id, 1))!.data)).toBe(guide)
  } finally {
    await store.close()
  }
})
