/**
 * Budget: appending turn 1,000 of a session costs the same as turn 1 (O(1): no session blob
 * is rewritten). Measures Store.finishRun, a whole turn (user + assistant message + trace) in
 * one transaction on a real SQLite file, near the start and after many turns.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteStore } from '../host/store/sqlite-store.ts'
import { AgentConfigSchema } from '../shared/index.ts'

export async function appendGrowth(turns = 2_000, sample = 200) {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-'))
  const store = createSqliteStore(join(dir, 'bench.db'))
  try {
    const agent = await store.createAgent({ name: 'bench', description: '', config: AgentConfigSchema.parse({}) })
    const session = { agentId: agent.id, scope: 'public', sessionId: 'long' }
    const answer = 'A reply of a realistic length. '.repeat(20)
    const timings: number[] = []
    for (let turn = 1; turn <= turns; turn++) {
      const traceId = `t${turn}`
      await store.startTrace({
        traceId,
        instanceId: 'bench',
        agentId: agent.id,
        version: 1,
        sessionId: 'long',
        scope: 'public',
        requestId: traceId,
        startedAt: new Date().toISOString(),
      })
      const started = performance.now()
      await store.finishRun({
        session,
        traceId,
        messages: [
          { role: 'user', content: [{ type: 'text', text: `question ${turn}` }], status: 'complete' },
          { role: 'assistant', content: [{ type: 'text', text: answer }], status: 'complete' },
        ],
        outcome: { status: 'success', firstTokenMs: 1, totalMs: 2, turns: 1, inputTokens: 10, outputTokens: 10, toolCalls: [], error: null },
      })
      timings.push(performance.now() - started)
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    const early = median(timings.slice(0, sample))
    const late = median(timings.slice(-sample))
    return { turns, earlyMedianUs: early * 1000, lateMedianUs: late * 1000, ratio: late / early }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
