/**
 * What every housekeeping sweep shares: it runs at start and then every `everyMs` until
 * stopped, and deletes a batch at a time, giving the event loop a turn between batches, so a
 * large sweep never holds it.
 */

export const BATCH = 200

export type Sweeper = { stop(): void }

/** Runs `sweep` now and then every `everyMs`; `stopped()` tells a sweep in progress to end early. */
export function sweepEvery(everyMs: number, sweep: (stopped: () => boolean) => Promise<void>): Sweeper {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = async () => {
    await sweep(() => stopped)
    if (!stopped) timer = setTimeout(() => void run(), everyMs).unref()
  }
  void run()
  return {
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}

/**
 * Calls `deleteBatch(BATCH)` until it deletes fewer than a batch (or the sweep stops), telling
 * `counted` after each batch, so a sweep that fails halfway still knows what it deleted.
 */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
  stopped: () => boolean,
  counted: (deleted: number) => void,
): Promise<void> {
  for (let batch = BATCH; batch === BATCH && !stopped(); ) {
    batch = await deleteBatch(BATCH)
    counted(batch)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
