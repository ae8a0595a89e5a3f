/** The sweep loop: batches until a short one, stops early when told, and repeats until stopped. */
import { describe, expect, it } from 'vitest'
import { BATCH, deleteInBatches, sweepEvery } from './sweeper.ts'

describe('deleteInBatches', () => {
  it('asks for full batches until one comes back short, counting each', async () => {
    const left = [BATCH, BATCH, 7]
    const counted: number[] = []
    const asked: number[] = []
    await deleteInBatches(
      async (limit) => {
        asked.push(limit)
        return left.shift() ?? 0
      },
      () => false,
      (n) => counted.push(n),
    )
    expect(asked).toEqual([BATCH, BATCH, BATCH])
    expect(counted).toEqual([BATCH, BATCH, 7])
  })

  it('stops between batches once the sweep is stopped', async () => {
    let calls = 0
    await deleteInBatches(
      async () => {
        calls++
        return BATCH
      },
      () => calls >= 2,
      () => {},
    )
    expect(calls).toBe(2)
  })
})

describe('sweepEvery', () => {
  it('sweeps at once, again after the interval, and never after stop', async () => {
    let sweeps = 0
    const sweeper = sweepEvery(5, async () => void sweeps++)
    await new Promise((resolve) => setTimeout(resolve, 40))
    sweeper.stop()
    const seen = sweeps
    expect(seen).toBeGreaterThanOrEqual(2)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(sweeps).toBe(seen)
  })
})
