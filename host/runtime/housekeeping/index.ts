/** Sweeps that run beside the chats: files past their retention (file-retention.ts) and attachments no message named (upload-sweep.ts), both on the loop of sweeper.ts. */
export { type FileSweeper, sweepOldFiles } from './file-retention.ts'
export { sweepUnusedUploads, type UploadSweeper } from './upload-sweep.ts'
