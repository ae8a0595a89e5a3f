/**
 * Files of sessions in SQLite: visitors' attachments and tools' output files, bytes in a BLOB.
 * An upload is listed in `unused_attachments` until a message names it, and counted in
 * `attachment_days` for its agent's UTC day (migration 007).
 */
import type { Db } from './db.ts'
import type { AttachmentBudget, AttachmentOutcome, FileCount, FileKind, FileRecord, FileStore, FileUsage, SessionKey } from './store.ts'

type FileRow = {
  id: string
  agent_id: string
  scope: string
  session_id: string
  kind: FileKind
  filename: string
  content_type: string
  size: number
  trace_id: string | null
  created_at: string
}

const toFile = (row: FileRow): FileRecord => ({
  id: row.id,
  agentId: row.agent_id,
  scope: row.scope,
  sessionId: row.session_id,
  kind: row.kind,
  filename: row.filename,
  contentType: row.content_type,
  size: row.size,
  traceId: row.trace_id,
  createdAt: row.created_at,
})

const toBytes = (data: Buffer) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
const toBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)

type SessionFilesRow = { scope: string; session_id: string; count: number; bytes: number; has_messages: 0 | 1 }

export function createFileStore(db: Db): FileStore {
  const sql = {
    insert: db.prepare(
      `INSERT INTO files (id, agent_id, scope, session_id, kind, filename, content_type, size, data, trace_id, created_at)
       VALUES (@id, @agentId, @scope, @sessionId, @kind, @filename, @contentType, @size, @data, @traceId, @createdAt)`,
    ),
    get: db.prepare<[string, string, string, string], FileRow & { data: Buffer }>(
      'SELECT * FROM files WHERE id = ? AND agent_id = ? AND scope = ? AND session_id = ?',
    ),
    deleteBefore: db.prepare<[string, number]>('DELETE FROM files WHERE rowid IN (SELECT rowid FROM files WHERE created_at < ? ORDER BY created_at LIMIT ?)'),

    // Read from files_by_session_size alone: the rows (and their BLOBs) are never touched.
    sessionAttachmentBytes: db.prepare<[string, string, string], { bytes: number }>(
      "SELECT COALESCE(SUM(size), 0) AS bytes FROM files WHERE agent_id = ? AND scope = ? AND session_id = ? AND kind = 'attachment'",
    ),
    dayBytes: db.prepare<[string, string], { bytes: number }>('SELECT bytes FROM attachment_days WHERE agent_id = ? AND day = ?'),
    countDay: db.prepare<[string, string, number]>(
      'INSERT INTO attachment_days (agent_id, day, bytes) VALUES (?, ?, ?) ON CONFLICT (agent_id, day) DO UPDATE SET bytes = bytes + excluded.bytes',
    ),
    insertUnused: db.prepare<[string, string]>('INSERT INTO unused_attachments (file_id, created_at) VALUES (?, ?)'),
    isAttachment: db.prepare<[string, string, string, string], { one: 1 }>(
      "SELECT 1 AS one FROM files WHERE id = ? AND agent_id = ? AND scope = ? AND session_id = ? AND kind = 'attachment'",
    ),
    claim: db.prepare<[string]>('DELETE FROM unused_attachments WHERE file_id = ?'),
    // Deleting the file deletes its unused_attachments row (ON DELETE CASCADE).
    deleteUnused: db.prepare<[string, number]>(
      'DELETE FROM files WHERE id IN (SELECT file_id FROM unused_attachments WHERE created_at < ? ORDER BY created_at LIMIT ?)',
    ),
    deleteDaysBefore: db.prepare<[string]>('DELETE FROM attachment_days WHERE day < ?'),

    usageByKind: db.prepare<[string], FileCount & { kind: FileKind }>(
      'SELECT kind, COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM files WHERE agent_id = ? GROUP BY kind',
    ),
    // unused_attachments holds only recent uploads (the sweep keeps it short), so it is scanned
    // first (CROSS JOIN fixes that order) rather than every file row of the agent.
    usageUnused: db.prepare<[string], FileCount>(
      'SELECT COUNT(*) AS count, COALESCE(SUM(f.size), 0) AS bytes FROM unused_attachments u CROSS JOIN files f ON f.id = u.file_id WHERE f.agent_id = ?',
    ),
    topSessions: db.prepare<{ agent: string; limit: number }, SessionFilesRow>(
      `SELECT t.scope, t.session_id, t.count, t.bytes,
              EXISTS (SELECT 1 FROM sessions s WHERE s.agent_id = @agent AND s.scope = t.scope AND s.id = t.session_id) AS has_messages
       FROM (SELECT scope, session_id, COUNT(*) AS count, SUM(size) AS bytes FROM files WHERE agent_id = @agent
             GROUP BY scope, session_id ORDER BY bytes DESC, scope, session_id LIMIT @limit) AS t
       ORDER BY t.bytes DESC, t.scope, t.session_id`,
    ),
  }

  const getFile = (key: SessionKey, fileId: string) => {
    const row = sql.get.get(fileId, key.agentId, key.scope, key.sessionId)
    return row ? { ...toFile(row), data: toBytes(row.data) } : null
  }

  const saveAttachment = db.transaction((file: FileRecord, data: Uint8Array, budget: AttachmentBudget): AttachmentOutcome => {
    const session = sql.sessionAttachmentBytes.get(file.agentId, file.scope, file.sessionId)!.bytes
    if (session + file.size > budget.sessionBytes) return { kind: 'session_budget_spent', usedBytes: session }
    const day = sql.dayBytes.get(file.agentId, budget.day)?.bytes ?? 0
    if (day + file.size > budget.agentDayBytes) return { kind: 'agent_day_budget_spent', usedBytes: day }
    sql.insert.run({ ...file, data: toBuffer(data) })
    sql.insertUnused.run(file.id, file.createdAt)
    sql.countDay.run(file.agentId, budget.day, file.size)
    return { kind: 'saved', file }
  })

  const claimAttachments = db.transaction((key: SessionKey, fileIds: string[]) =>
    fileIds.filter((id) => {
      if (!sql.isAttachment.get(id, key.agentId, key.scope, key.sessionId)) return false
      sql.claim.run(id)
      return true
    }),
  )

  // One read transaction, so the totals and the list describe the same moment.
  const fileUsage = db.transaction((agentId: string, day: string, top: number): FileUsage => {
    const byKind = sql.usageByKind.all(agentId)
    const total = (kind: FileKind): FileCount => {
      const row = byKind.find((r) => r.kind === kind)
      return { count: row?.count ?? 0, bytes: row?.bytes ?? 0 }
    }
    return {
      attachments: total('attachment'),
      outputs: total('output'),
      unusedAttachments: sql.usageUnused.get(agentId)!,
      dayAttachmentBytes: sql.dayBytes.get(agentId, day)?.bytes ?? 0,
      topSessions: sql.topSessions.all({ agent: agentId, limit: top }).map((row) => ({
        scope: row.scope,
        sessionId: row.session_id,
        count: row.count,
        bytes: row.bytes,
        hasMessages: row.has_messages === 1,
      })),
    }
  })

  return {
    async saveFile(file) {
      const record: FileRecord = { ...file, createdAt: new Date().toISOString() }
      sql.insert.run({ ...record, data: toBuffer(file.data) })
      return record
    },
    async saveAttachment({ data, ...file }, budget) {
      const record: FileRecord = { ...file, kind: 'attachment', traceId: null, createdAt: new Date().toISOString() }
      // IMMEDIATE: the write lock is taken before the sums are read, so even another process
      // writing the same database cannot slip an upload in between the check and the insert.
      return saveAttachment.immediate(record, data, budget)
    },
    async claimAttachments(key, fileIds) {
      return claimAttachments(key, fileIds)
    },
    async deleteUnusedAttachments(cutoff, limit) {
      return sql.deleteUnused.run(cutoff, limit).changes
    },
    async deleteAttachmentDaysBefore(day) {
      return sql.deleteDaysBefore.run(day).changes
    },
    async fileUsage(agentId, day, topSessions) {
      return fileUsage(agentId, day, topSessions)
    },
    async getFile(key, fileId) {
      return getFile(key, fileId)
    },
    async getFiles(key, fileIds) {
      return fileIds.map((id) => getFile(key, id)).filter((file) => file !== null)
    },
    async deleteFilesCreatedBefore(cutoff, limit) {
      return sql.deleteBefore.run(cutoff, limit).changes
    },
  }
}
