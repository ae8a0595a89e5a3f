/** Sweeps that run beside the chats: files past their retention (file-retention.ts) and attachments no message named (upload-sweep.ts), both on the loop of sweeper.ts; this host's lease among the hosts of its database, and the runs of dead hosts (instance-lease.ts). */
export { type FileSweeper, sweepOldFiles } from './file-retention.ts'
export { INSTANCE_LEASE_MS, type InstanceLease, startInstanceLease } from './instance-lease.ts'
export { sweepUnusedUploads, type UploadSweeper } from './upload-sweep.ts'
