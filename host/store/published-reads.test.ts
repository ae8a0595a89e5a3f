/**
 * Reading the published agent on every chat: parsed configs are shared between reads (a cost
 * measured in bench/), so they must be frozen, and every change of the agent or its versions
 * must still be seen on the very next read.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../shared/index.ts'
import { createSqliteStore } from './sqlite-store.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-store-'))
const store = createSqliteStore(join(dir, 'porch.db'))
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

it('hands out frozen configs, so one caller cannot change what the next one reads', async () => {
  const agent = await store.createAgent({ name: 'a', description: '', config: AgentConfigSchema.parse({ instructions: 'first', starters: ['hi'] }) })
  await store.publish({ agentId: agent.id })
  const first = (await store.getPublishedAgent(agent.id))!
  expect(Object.isFrozen(first.version.config)).toBe(true)
  expect(() => (first.version.config.starters as string[]).push('injected')).toThrow(TypeError)
  expect((await store.getPublishedAgent(agent.id))!.version.config.starters).toEqual(['hi'])
})

it('sees an unpublish, a new version, an activation and a changed allowlist on the next read', async () => {
  const agent = await store.createAgent({ name: 'b', description: '', config: AgentConfigSchema.parse({ instructions: 'v1' }) })
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
})
