/** The PostgreSQL store's agents, versions and settings (to be replaced by the shared contract suite). */
import { expect, it } from 'vitest'
import { config, ISO, openStores } from './testing.ts'

const [store, other] = await openStores(2)

it('creates, lists, updates and deletes agents, with times as ISO strings', async () => {
  const agent = await store!.createAgent({ name: 'a', description: 'd', config: config({ instructions: 'be brief' }) })
  expect(agent).toMatchObject({ name: 'a', description: 'd', published: false, activeVersion: null, access: 'public', allowedOrigins: [] })
  expect(agent.createdAt).toMatch(ISO)
  expect(agent.config.instructions).toBe('be brief')
  expect(await other!.getAgent(agent.id)).toEqual(agent)
  const updated = await store!.updateAgent(agent.id, { name: 'b', allowedOrigins: ['https://a.example'], config: { instructions: 'be kind' } })
  expect(updated).toMatchObject({ name: 'b', allowedOrigins: ['https://a.example'] })
  expect(updated?.config.instructions).toBe('be kind')
  expect((await store!.listAgents()).map((a) => a.id)).toContain(agent.id)
  expect(await store!.updateAgent('00000000-0000-0000-0000-000000000000', { name: 'x' })).toBeNull()
  expect(await store!.deleteAgent(agent.id)).toBe(true)
  expect(await store!.getAgent(agent.id)).toBeNull()
  expect(await store!.deleteAgent(agent.id)).toBe(false)
})

it('publishes versions, finds nothing new to publish, activates and unpublishes', async () => {
  const agent = await store!.createAgent({ name: 'p', description: '', config: config() })
  const first = await store!.publish({ agentId: agent.id, description: 'first' })
  expect(first).toMatchObject({ kind: 'published', created: true, version: { version: 1, description: 'first', name: 'p' } })
  expect((await store!.publish({ agentId: agent.id })).kind).toBe('nothing_to_publish')
  expect(await store!.publish({ agentId: agent.id, apiResponseMode: 'non_streaming' })).toEqual({ kind: 'mode_locked', currentMode: 'streaming' })
  await store!.updateAgent(agent.id, { name: 'p2' })
  expect(await store!.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', created: true, version: { version: 2, name: 'p2' } })
  const published = await other!.getPublishedAgent(agent.id)
  expect(published?.version.version).toBe(2)
  expect(published?.agent.published).toBe(true)
  expect((await store!.activateVersion(agent.id, 1))?.activeVersion).toBe(1)
  expect((await store!.getPublishedAgent(agent.id))?.version.name).toBe('p')
  expect(await store!.activateVersion(agent.id, 9)).toBeNull()
  expect((await store!.listVersions(agent.id)).map((v) => v.version)).toEqual([2, 1])
  expect((await store!.getVersion(agent.id, 2))?.createdAt).toMatch(ISO)
  expect((await store!.unpublish(agent.id))?.published).toBe(false)
  expect(await store!.getPublishedAgent(agent.id)).toBeNull()
  expect(await store!.publish({ agentId: '00000000-0000-0000-0000-000000000000' })).toEqual({ kind: 'not_found' })
})

it('numbers versions one after the other when two hosts publish the same agent at once', async () => {
  const agent = await store!.createAgent({ name: 'race', description: '', config: config() })
  const outcomes = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const host = i % 2 === 0 ? store! : other!
      await host.updateAgent(agent.id, { description: `edit ${i}` })
      return host.publish({ agentId: agent.id })
    }),
  )
  expect(outcomes.every((o) => o.kind === 'published' || o.kind === 'nothing_to_publish')).toBe(true)
  const numbers = (await store!.listVersions(agent.id)).map((v) => v.version).sort((a, b) => a - b)
  expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1))
  expect(numbers.length).toBe(outcomes.filter((o) => o.kind === 'published' && o.created).length)
})

it('keeps settings: init sets only once, even when hosts race', async () => {
  expect(await store!.getSetting('k')).toBeNull()
  const values = await Promise.all(['a', 'b', 'c', 'd'].map((value, i) => (i % 2 ? store! : other!).initSetting('k', value)))
  expect(new Set(values).size).toBe(1)
  expect(await store!.getSetting('k')).toBe(values[0])
  await other!.setSetting('k', 'z')
  expect(await store!.getSetting('k')).toBe('z')
  expect(await store!.initSetting('k', 'y')).toBe('z')
})
