/**
 * The refusal counter on its own: counts per agent and hour in memory, written in one batch; a
 * batch the store refuses is kept and written, summed with what came since, by the next flush.
 */
import { describe, expect, it } from 'vitest'
import { ApiError } from '../http/errors.ts'
import type { RefusalCount } from '../store/store.ts'
import { admitCounted, createRefusalCounter } from './refusal-counts.ts'

describe('the refusal counter', () => {
  it('keeps a batch the store refused, and writes it with the later counts', async () => {
    const written: RefusalCount[][] = []
    let failNext = true
    const errors: unknown[] = []
    const counter = createRefusalCounter(
      {
        async addRefusals(counts) {
          if (failNext) {
            failNext = false
            throw new Error('database is locked')
          }
          written.push(counts)
        },
      },
      { flushMs: 3_600_000, onError: (error) => errors.push(error) },
    )
    counter.count('agent-a')
    counter.count('agent-a')
    await counter.flush()
    expect(written).toEqual([])
    expect(errors).toHaveLength(1)
    counter.count('agent-a')
    counter.count('agent-b')
    await counter.close()
    expect(written).toHaveLength(1)
    expect(written[0]!.map(({ agentId, refusals }) => [agentId, refusals]).sort()).toEqual([
      ['agent-a', 3],
      ['agent-b', 1],
    ])
    expect(written[0]![0]!.hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/)
  })

  it('counts a refusal by a limit (429) and throws it on; other failures are not counted', async () => {
    const counted: string[] = []
    const refusals = { count: (agentId: string) => void counted.push(agentId) }
    await admitCounted(refusals, 'a', async () => {})
    await expect(admitCounted(refusals, 'a', () => Promise.reject(new ApiError(429, 'rate_limited', 'Slow down')))).rejects.toThrow('Slow down')
    await expect(admitCounted(refusals, 'a', () => Promise.reject(new ApiError(403, 'forbidden', 'No')))).rejects.toThrow('No')
    expect(counted).toEqual(['a'])
  })
})
