/** Publishing in the store: tools completed at publish time are frozen in the same transaction as the version. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { AgentConfigSchema, type ToolSpec } from '../../shared/index.ts'
import { createSqliteStore } from './sqlite-store.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-store-'))
const store = createSqliteStore(join(dir, 'porch.db'))
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const server = (tools?: { name: string }[]): ToolSpec =>
  AgentConfigSchema.shape.tools.unwrap().parse([
    {
      type: 'mcp',
      name: 'shop',
      url: 'https://mcp.example/mcp',
      ...(tools && { tools: tools.map((t) => ({ ...t, description: '', input_schema: { type: 'object' } })) }),
    },
  ])[0]!

it('writes the frozen tools to the draft and the version together', async () => {
  const agent = await store.createAgent({ name: 'a', description: '', config: AgentConfigSchema.parse({ tools: [server()] }) })
  const outcome = await store.publish({ agentId: agent.id, frozenTools: { from: agent.config.tools, to: [server([{ name: 'add' }])] } })
  expect(outcome.kind).toBe('published')
  const version = outcome.kind === 'published' ? outcome.version : null
  expect(JSON.stringify(version?.config.tools)).toContain('"name":"add"')
  expect(JSON.stringify((await store.getAgent(agent.id))?.config.tools)).toContain('"name":"add"')
})

it('refuses to publish when the draft’s tools changed after the tools were listed', async () => {
  const agent = await store.createAgent({ name: 'b', description: '', config: AgentConfigSchema.parse({ tools: [server()] }) })
  const listedFrom = agent.config.tools
  await store.updateAgent(agent.id, { config: { tools: [] } }) // an edit lands while the MCP server is asked
  const outcome = await store.publish({ agentId: agent.id, frozenTools: { from: listedFrom, to: [server([{ name: 'add' }])] } })
  expect(outcome.kind).toBe('draft_changed')
  expect(await store.listVersions(agent.id)).toEqual([])
  expect((await store.getAgent(agent.id))?.config.tools).toEqual([])
})
