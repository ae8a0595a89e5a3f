/**
 * Budget: appending turn 2,000 of a session costs what turn 1 costs (O(1): no session blob is
 * rewritten, nothing grows with the session but an index). Measures Store.finishRun, a whole turn
 * (user + assistant message + trace) in one transaction, on the store `open` gives (SQLite on a
 * real file unless told otherwise: bench/bench-store.ts). Each turn of the long session is paired
 * with turn 1 of a new session, taken right before or after it (alternately), so `ratio`
 * compares the long session's last `sample` turns with turns 1 taken in the same moments: a
 * neighbour's burst of load hits both sides, where comparing the session's first and last turns
 * (`earlyMedianUs`, `lateMedianUs`) compares two different minutes of a shared machine.
 * `warmup` turns in sessions of two turns come first, so turn 1 of the measured session is not
 * also among the process's first writes (cold code, statements not yet prepared). On PostgreSQL,
 * with 200 warm-up turns the measured session's turns 1–200 still came out 1.3–1.4 × slower than
 * its last 200 (the client's code warming up, not the session growing); from 1,000 on, level.
 */
import { AgentConfigSchema } from '../shared/index.ts'
import { type OpenBenchStore, openSqliteBenchStore } from './bench-store.ts'
import { median } from './stats.ts'

export type AppendGrowth = {
  turns: number
  sample: number
  /** Turns 1…sample of the long session. */
  earlyMedianUs: number
  /** Its last `sample` turns. */
  lateMedianUs: number
  /** Turn 1 of a new session, paired with each of those last turns. */
  firstTurnMedianUs: number
  /** lateMedianUs ÷ firstTurnMedianUs. */
  ratio: number
}

export async function appendGrowth({
  open = openSqliteBenchStore,
  turns = 2_000,
  sample = 200,
  warmup = 1_000,
}: {
  open?: OpenBenchStore
  turns?: number
  sample?: number
  warmup?: number
} = {}): Promise<AppendGrowth> {
  const { store, dispose } = await open()
  try {
    const agent = await store.createAgent({ name: 'bench', description: '', config: AgentConfigSchema.parse({}) })
    const answer = 'A reply of a realistic length. '.repeat(20)
    /** Appends turn `turn` to `sessionId`; returns how long finishRun took, in ms. */
    const append = async (sessionId: string, turn: number): Promise<number> => {
      const traceId = `${sessionId}-${turn}`
      await store.startTrace({
        traceId,
        instanceId: 'bench',
        agentId: agent.id,
        version: 1,
        sessionId,
        scope: 'public',
        requestId: traceId,
        startedAt: new Date().toISOString(),
      })
      const started = performance.now()
      await store.finishRun({
        session: { agentId: agent.id, scope: 'public', sessionId },
        traceId,
        messages: [
          { role: 'user', content: [{ type: 'text', text: `question ${turn}` }], status: 'complete' },
          { role: 'assistant', content: [{ type: 'text', text: answer }], status: 'complete' },
        ],
        outcome: { status: 'success', firstTokenMs: 1, totalMs: 2, turns: 1, inputTokens: 10, outputTokens: 10, toolCalls: [], error: null },
      })
      return performance.now() - started
    }
    for (let i = 0; i < warmup; i++) await append(`warm-${Math.floor(i / 2)}`, (i % 2) + 1)
    const long: number[] = []
    const firstTurns: number[] = []
    for (let turn = 1; turn <= turns; turn++) {
      if (turn % 2 === 0) firstTurns.push(await append(`new-${turn}`, 1))
      long.push(await append('long', turn))
      if (turn % 2 === 1) firstTurns.push(await append(`new-${turn}`, 1))
    }
    const us = (ms: number[]) => median(ms) * 1000
    const lateMedianUs = us(long.slice(-sample))
    const firstTurnMedianUs = us(firstTurns.slice(-sample))
    return { turns, sample, earlyMedianUs: us(long.slice(0, sample)), lateMedianUs, firstTurnMedianUs, ratio: lateMedianUs / firstTurnMedianUs }
  } finally {
    await dispose()
  }
}
