/**
 * A run's trace: written once, finished, when the run is over within the event-loop turn it
 * started in; otherwise its `running` row is written right after, so a crash leaves it behind
 * to be marked interrupted on the next start.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../shared/index.ts'
import { createSqliteStore } from './sqlite-store.ts'
import type { FinishedRun } from './store.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-store-'))
const path = join(dir, 'porch.db')
const store = createSqliteStore(path)
afterAll(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const agent = await store.createAgent({ name: 't', description: '', config: AgentConfigSchema.parse({}) })
const start = (traceId: string) =>
  store.startTrace({ traceId, agentId: agent.id, version: 1, sessionId: traceId, scope: 'public', requestId: traceId, startedAt: new Date().toISOString() })
const finished = (traceId: string): FinishedRun => ({
  session: { agentId: agent.id, scope: 'public', sessionId: traceId },
  traceId,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }], status: 'complete' }],
  outcome: { status: 'success', firstTokenMs: 1, totalMs: 2, turns: 1, inputTokens: 3, outputTokens: 4, toolCalls: [], error: null },
})
const trace = async (traceId: string) => (await store.listTraces({ agentId: agent.id, limit: 100 })).find((t) => t.traceId === traceId)
const tick = () => new Promise((resolve) => setImmediate(resolve))

it('writes an instant run’s trace finished, with its start fields', async () => {
  await start('instant')
  await store.finishRun(finished('instant'))
  expect(await trace('instant')).toMatchObject({ status: 'success', sessionId: 'instant', requestId: 'instant', turns: 1, inputTokens: 3, outputTokens: 4 })
})

it('writes a longer run’s trace as running right after its start, and finishes that row', async () => {
  await start('long')
  await tick()
  const reader = createSqliteStore(path) // another connection sees only what was committed
  try {
    expect((await reader.listTraces({ agentId: agent.id, limit: 100 })).find((t) => t.traceId === 'long')?.status).toBe('running')
  } finally {
    await reader.close()
  }
  await store.finishRun(finished('long'))
  expect(await trace('long')).toMatchObject({ status: 'success', turns: 1 })
})

it('keeps the running row when the finishing transaction fails', async () => {
  await start('failing')
  const bad = finished('failing')
  // A role the schema refuses makes the transaction roll back.
  await expect(store.finishRun({ ...bad, messages: [{ ...bad.messages[0]!, role: 'system' as 'user' }] })).rejects.toThrow()
  await tick()
  expect((await trace('failing'))?.status).toBe('running')
})
