/**
 * Rate-limit refusals for the owner's analytics, counted per agent and UTC hour in memory and
 * written in batches (`Store.addRefusals`): a refused request costs a map update, not a write,
 * which matters most when a flood of them is what the limit is for. Each host adds its own
 * counts to the shared rows, so hosts of a cluster add up. A flush that fails keeps its counts
 * for the next; counts of the last interval are lost only if the process dies without closing.
 */
import { ApiError } from '../http/errors.ts'
import type { Store } from '../store/store.ts'

export type RefusalCounterOptions = {
  /** How often the counts are written. */
  flushMs?: number
  /** Told when a write fails (the counts are kept for the next flush). */
  onError?: (error: unknown) => void
}

export type RefusalCounter = {
  /** One message of this agent refused by a limit, now. */
  count(agentId: string): void
  /** Writes what is counted so far. */
  flush(): Promise<void>
  /** Stops the timer and writes the rest. */
  close(): Promise<void>
}

const HOUR_MS = 3_600_000

/** Runs a limit's `admit`: a refusal (429) is counted for the agent's analytics, then thrown on. */
export async function admitCounted(refusals: Pick<RefusalCounter, 'count'> | undefined, agentId: string, admit: () => Promise<void>): Promise<void> {
  try {
    await admit()
  } catch (error) {
    if (error instanceof ApiError && error.status === 429) refusals?.count(agentId)
    throw error
  }
}

export function createRefusalCounter(store: Pick<Store, 'addRefusals'>, { flushMs = 15_000, onError = () => {} }: RefusalCounterOptions = {}): RefusalCounter {
  /** "agent id\nhour" → refusals not written yet. */
  let pending = new Map<string, number>()
  let flushing: Promise<void> = Promise.resolve()

  const flush = () =>
    (flushing = flushing.then(async () => {
      if (pending.size === 0) return
      const batch = pending
      pending = new Map()
      const counts = [...batch].map(([key, refusals]) => {
        const [agentId, hour] = key.split('\n') as [string, string]
        return { agentId, hour, refusals }
      })
      try {
        await store.addRefusals(counts)
      } catch (error) {
        for (const [key, n] of batch) pending.set(key, (pending.get(key) ?? 0) + n)
        onError(error)
      }
    }))

  const timer = setInterval(() => void flush(), flushMs)
  timer.unref()

  return {
    count(agentId) {
      const hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString()
      const key = `${agentId}\n${hour}`
      pending.set(key, (pending.get(key) ?? 0) + 1)
    },
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}
