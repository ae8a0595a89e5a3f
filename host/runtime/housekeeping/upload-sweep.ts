/**
 * PORCH_UPLOAD_UNUSED_MINUTES: a visitor's attachment is stored at upload, before any message
 * names it; one that no message has named that long after its upload is deleted, so uploads
 * alone cannot fill the disk. Runs at start and then every minute, a batch at a time so a large
 * sweep never holds the event loop (like file-retention.ts). Tools' output files are never
 * unused. The same sweep forgets the agents' daily attachment counts of past days.
 */

import type { Logger } from '../../log.ts'
import type { FileStore } from '../../store/store.ts'
import { utcDay } from '../../store/utc-day.ts'
import { deleteInBatches, type Sweeper, sweepEvery } from './sweeper.ts'

const SWEEP_EVERY_MS = 60 * 1000

export type UploadSweeper = Sweeper

export function sweepUnusedUploads(store: FileStore, unusedMs: number, log: Logger, everyMs = SWEEP_EVERY_MS): UploadSweeper {
  return sweepEvery(everyMs, async (stopped) => {
    const now = Date.now()
    const cutoff = new Date(now - unusedMs).toISOString()
    let deleted = 0
    try {
      await deleteInBatches(
        (limit) => store.deleteUnusedAttachments(cutoff, limit),
        stopped,
        (batch) => (deleted += batch),
      )
      if (!stopped()) await store.deleteAttachmentDaysBefore(utcDay(now))
    } catch (error) {
      log.error('could not delete unused uploads', error)
    }
    if (deleted > 0) log.info(`deleted ${deleted} attachment(s) that no message named since before ${cutoff} (PORCH_UPLOAD_UNUSED_MINUTES)`)
  })
}
