/**
 * The floor benchmarks of issue 19, shortened (no timing asserted: timings are for
 * BENCHMARKS.md), so `npm run bench -- --only=streams,session` does not find a broken setup after
 * minutes: streams held through a model server in its own process, and a session summarised
 * often enough that its later turns send the model no more than a fresh session's turn 10.
 */
import { describe, expect, it } from 'vitest'
import { longSession } from './long-session.ts'
import { openStreams } from './streams.ts'

describe('the floor benchmarks', () => {
  it('holds every stream open with heartbeats flowing, the model in a process of its own', async () => {
    const result = await openStreams({ streams: 20, holdSeconds: 2, batch: 10 })
    expect(result.opened).toBe(20)
    expect(result.pingsPerStreamPerSecond).toBeGreaterThan(0)
  }, 60_000)

  it("summarises a long session, whose late turns send the model no more than a fresh session's turn 10", async () => {
    const result = await longSession({ turns: 40, sample: 6 })
    expect(result.summaries).toBeGreaterThanOrEqual(3)
    expect(result.late.modelRequestBytes).toBeLessThanOrEqual(result.tenth.modelRequestBytes)
    expect(result.late.cpuMsPerTurn).toBeGreaterThan(0)
    expect(result.tenth.cpuMsPerTurn).toBeGreaterThan(0)
  }, 60_000)
})
