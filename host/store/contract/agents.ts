/** Agents, publishing and versions: the draft, the frozen versions, and publish's outcomes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentConfigSchema, type ToolSpec } from '../../../shared/index.ts'
import type { Store } from '../store.ts'
import { config, newAgent, type StoreContractTarget, uid } from './support.ts'

const mcpServer = (tools?: { name: string }[]): ToolSpec =>
  AgentConfigSchema.shape.tools.unwrap().parse([
    {
      type: 'mcp',
      name: 'shop',
      url: 'https://mcp.example/mcp',
      ...(tools && { tools: tools.map((t) => ({ ...t, description: '', input_schema: { type: 'object' } })) }),
    },
  ])[0]!

export function describeAgents(target: StoreContractTarget) {
  describe('agents', () => {
    let store: Store
    beforeAll(async () => {
      store = await target.open()
    })
    afterAll(() => target.close(store))

    it('creates an agent as a draft: unpublished, no version, public, streaming, any origin', async () => {
      const name = uid('agent')
      const agent = await store.createAgent({ name, description: 'd', config: config({ instructions: 'be brief' }) })
      expect(agent).toMatchObject({
        name,
        description: 'd',
        published: false,
        activeVersion: null,
        apiResponseMode: 'streaming',
        access: 'public',
        allowedOrigins: [],
      })
      expect(agent.config.instructions).toBe('be brief')
      expect(agent.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/)
      expect(agent.updatedAt).toBe(agent.createdAt)
      expect(await store.getAgent(agent.id)).toEqual(agent)
      expect((await store.listAgents()).map((a) => a.id)).toContain(agent.id)
    })

    it('lists agents newest first', async () => {
      const first = await newAgent(store)
      await new Promise((resolve) => setTimeout(resolve, 5))
      const second = await newAgent(store)
      const ids = (await store.listAgents()).map((a) => a.id).filter((id) => id === first.id || id === second.id)
      expect(ids).toEqual([second.id, first.id])
    })

    it('updates only what the patch names, merging config over the draft', async () => {
      const agent = await newAgent(store, { instructions: 'one', starters: ['hi'] })
      const updated = await store.updateAgent(agent.id, { config: { instructions: 'two' }, allowedOrigins: ['https://shop.example'], access: 'link' })
      expect(updated).toMatchObject({ name: agent.name, description: agent.description, allowedOrigins: ['https://shop.example'], access: 'link' })
      expect(updated!.config).toMatchObject({ instructions: 'two', starters: ['hi'] })
      expect(updated!.updatedAt >= agent.updatedAt).toBe(true)
      expect((await store.updateAgent(agent.id, { name: 'renamed' }))!.config.instructions).toBe('two')
      expect(await store.updateAgent(uid('missing'), { name: 'x' })).toBeNull()
    })

    it('deletes an agent, once', async () => {
      const agent = await newAgent(store)
      expect(await store.deleteAgent(agent.id)).toBe(true)
      expect(await store.getAgent(agent.id)).toBeNull()
      expect(await store.deleteAgent(agent.id)).toBe(false)
    })

    it('hands out frozen configs, so one caller cannot change what the next one reads', async () => {
      const agent = await newAgent(store, { instructions: 'first', starters: ['hi'] })
      await store.publish({ agentId: agent.id })
      const first = (await store.getPublishedAgent(agent.id))!
      expect(Object.isFrozen(first.version.config)).toBe(true)
      expect(() => (first.version.config.starters as string[]).push('injected')).toThrow(TypeError)
      expect((await store.getPublishedAgent(agent.id))!.version.config.starters).toEqual(['hi'])
    })
  })

  describe('publishing and versions', () => {
    let store: Store
    beforeAll(async () => {
      store = await target.open()
    })
    afterAll(() => target.close(store))

    it('publishes version 1 from the draft, with the mode, access and change note asked for', async () => {
      const agent = await newAgent(store, { instructions: 'v1' })
      const outcome = await store.publish({ agentId: agent.id, apiResponseMode: 'non_streaming', access: 'link', description: 'first' })
      expect(outcome).toMatchObject({ kind: 'published', created: true, version: { agentId: agent.id, version: 1, name: agent.name, description: 'first' } })
      const published = await store.getAgent(agent.id)
      expect(published).toMatchObject({ published: true, activeVersion: 1, apiResponseMode: 'non_streaming', access: 'link' })
      expect(await store.getVersion(agent.id, 1)).toMatchObject({ version: 1, agentDescription: agent.description, config: { instructions: 'v1' } })
      expect(await store.getVersion(agent.id, 2)).toBeNull()
    })

    it('says nothing_to_publish when the draft equals the active version and nothing else changes', async () => {
      const agent = await newAgent(store)
      await store.publish({ agentId: agent.id })
      const again = await store.publish({ agentId: agent.id })
      expect(again).toMatchObject({ kind: 'nothing_to_publish', version: { version: 1 } })
      expect(await store.listVersions(agent.id)).toHaveLength(1)
    })

    it('republishes the active version without a new one when only the publication changes', async () => {
      const agent = await newAgent(store)
      await store.publish({ agentId: agent.id })
      await store.unpublish(agent.id)
      expect(await store.publish({ agentId: agent.id })).toMatchObject({ kind: 'published', created: false, version: { version: 1 } })
      expect(await store.publish({ agentId: agent.id, access: 'link' })).toMatchObject({ kind: 'published', created: false })
      expect((await store.getAgent(agent.id))!.access).toBe('link')
    })

    it('refuses to change the response mode of a published agent (mode_locked), and allows it once unpublished', async () => {
      const agent = await newAgent(store)
      await store.publish({ agentId: agent.id, apiResponseMode: 'streaming' })
      await store.updateAgent(agent.id, { config: { instructions: 'changed' } })
      expect(await store.publish({ agentId: agent.id, apiResponseMode: 'non_streaming' })).toEqual({ kind: 'mode_locked', currentMode: 'streaming' })
      expect(await store.listVersions(agent.id)).toHaveLength(1)
      await store.unpublish(agent.id)
      expect(await store.publish({ agentId: agent.id, apiResponseMode: 'non_streaming' })).toMatchObject({ kind: 'published', version: { version: 2 } })
    })

    it('answers not_found for an unknown agent', async () => {
      expect(await store.publish({ agentId: uid('missing') })).toEqual({ kind: 'not_found' })
      expect(await store.unpublish(uid('missing'))).toBeNull()
      expect(await store.activateVersion(uid('missing'), 1)).toBeNull()
    })

    it('writes the frozen tools to the draft and the version together', async () => {
      const agent = await newAgent(store, { tools: [mcpServer()] })
      const outcome = await store.publish({ agentId: agent.id, frozenTools: { from: agent.config.tools, to: [mcpServer([{ name: 'add' }])] } })
      expect(outcome.kind).toBe('published')
      const version = outcome.kind === 'published' ? outcome.version : null
      expect(JSON.stringify(version?.config.tools)).toContain('"name":"add"')
      expect(JSON.stringify((await store.getAgent(agent.id))?.config.tools)).toContain('"name":"add"')
    })

    it('refuses to publish when the draft’s tools changed after the tools were listed (draft_changed)', async () => {
      const agent = await newAgent(store, { tools: [mcpServer()] })
      const listedFrom = agent.config.tools
      await store.updateAgent(agent.id, { config: { tools: [] } }) // an edit lands while the MCP server is asked
      const outcome = await store.publish({ agentId: agent.id, frozenTools: { from: listedFrom, to: [mcpServer([{ name: 'add' }])] } })
      expect(outcome.kind).toBe('draft_changed')
      expect(await store.listVersions(agent.id)).toEqual([])
      expect((await store.getAgent(agent.id))?.config.tools).toEqual([])
    })

    it('numbers versions 1, 2, … and lists them newest first; activating one rolls back without publishing', async () => {
      const agent = await newAgent(store, { instructions: 'v1' })
      await store.publish({ agentId: agent.id })
      await store.updateAgent(agent.id, { config: { instructions: 'v2' } })
      await store.publish({ agentId: agent.id, description: 'second' })
      await store.updateAgent(agent.id, { config: { instructions: 'v3' } })
      await store.publish({ agentId: agent.id })
      expect((await store.listVersions(agent.id)).map((v) => [v.version, v.config.instructions])).toEqual([
        [3, 'v3'],
        [2, 'v2'],
        [1, 'v1'],
      ])
      expect(await store.activateVersion(agent.id, 2)).toMatchObject({ activeVersion: 2, published: true })
      expect(await store.activateVersion(agent.id, 9)).toBeNull()
      await store.unpublish(agent.id)
      expect(await store.activateVersion(agent.id, 1)).toMatchObject({ activeVersion: 1, published: false })
      // The draft stays as it was.
      expect((await store.getAgent(agent.id))!.config.instructions).toBe('v3')
    })

    it('sees an unpublish, a new version, an activation and a changed allowlist on the next read', async () => {
      const agent = await newAgent(store, { instructions: 'v1' })
      expect(await store.getPublishedAgent(agent.id)).toBeNull()
      await store.publish({ agentId: agent.id })
      expect((await store.getPublishedAgent(agent.id))!.version.config.instructions).toBe('v1')

      await store.updateAgent(agent.id, { config: { instructions: 'v2' }, allowedOrigins: ['https://shop.example'] })
      const stillV1 = (await store.getPublishedAgent(agent.id))!
      expect(stillV1.version.config.instructions).toBe('v1')
      expect(stillV1.agent.allowedOrigins).toEqual(['https://shop.example'])

      await store.publish({ agentId: agent.id })
      expect((await store.getPublishedAgent(agent.id))!.version.config.instructions).toBe('v2')
      await store.activateVersion(agent.id, 1)
      expect((await store.getPublishedAgent(agent.id))!.version.config.instructions).toBe('v1')
      await store.unpublish(agent.id)
      expect(await store.getPublishedAgent(agent.id)).toBeNull()
      expect(await store.getPublishedAgent(uid('missing'))).toBeNull()
    })

    it('publishes concurrently from two instances without an error, a lost or a doubled version', async () => {
      const second = await target.open()
      try {
        const agent = await newAgent(store, { instructions: 'v1' })
        await store.publish({ agentId: agent.id })
        await store.updateAgent(agent.id, { config: { instructions: 'v2' } })
        // The same draft published ten times at once: one new version, the rest find nothing to publish.
        const same = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? second : store).publish({ agentId: agent.id })))
        expect(same.filter((o) => o.kind === 'published' && o.created).map((o) => o.kind === 'published' && o.version.version)).toEqual([2])
        expect(same.filter((o) => o.kind === 'nothing_to_publish')).toHaveLength(9)
        // Edits and publishes interleaved: every version numbered once, 1..n without a gap.
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const s = i % 2 ? second : store
            await s.updateAgent(agent.id, { config: { instructions: `edit ${i}` } })
            return s.publish({ agentId: agent.id })
          }),
        )
        expect(outcomes.every((o) => o.kind === 'published' || o.kind === 'nothing_to_publish')).toBe(true)
        const numbers = (await store.listVersions(agent.id)).map((v) => v.version)
        expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers.length - i))
        expect(numbers.length).toBeGreaterThanOrEqual(3)
        expect((await second.getAgent(agent.id))!.activeVersion).toBe(numbers[0])
      } finally {
        await target.close(second)
      }
    })

    it('deleting an agent deletes its versions', async () => {
      const agent = await newAgent(store)
      await store.publish({ agentId: agent.id })
      await store.deleteAgent(agent.id)
      expect(await store.listVersions(agent.id)).toEqual([])
      expect(await store.getVersion(agent.id, 1)).toBeNull()
    })
  })
}
