/**
 * PORCH_FILE_RETENTION_DAYS: files that visitors attached and tools handed out are deleted once
 * they are that old, at start and then every hour, a batch at a time so a large sweep never
 * holds the event loop. A deleted file's download answers 404, and a later run of its session
 * tells the model the attachment is gone (agent/history.ts); the messages themselves stay.
 */
import type { Logger } from '../../log.ts'
import type { FileStore } from '../../store/store.ts'
import { deleteInBatches, type Sweeper, sweepEvery } from './sweeper.ts'

const SWEEP_EVERY_MS = 60 * 60 * 1000

export type FileSweeper = Sweeper

export function sweepOldFiles(store: FileStore, retentionMs: number, log: Logger, everyMs = SWEEP_EVERY_MS): FileSweeper {
  return sweepEvery(everyMs, async (stopped) => {
    const cutoff = new Date(Date.now() - retentionMs).toISOString()
    let deleted = 0
    try {
      await deleteInBatches(
        (limit) => store.deleteFilesCreatedBefore(cutoff, limit),
        stopped,
        (batch) => (deleted += batch),
      )
    } catch (error) {
      log.error('could not delete old files', error)
    }
    if (deleted > 0) log.info(`deleted ${deleted} file(s) created before ${cutoff} (PORCH_FILE_RETENTION_DAYS)`)
  })
}
