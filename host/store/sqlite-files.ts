/** Files of sessions in SQLite: visitors' attachments and tools' output files, bytes in a BLOB. */
import type { Db } from './db.ts'
import type { FileKind, FileRecord, FileStore, SessionKey } from './store.ts'

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
  }

  const getFile = (key: SessionKey, fileId: string) => {
    const row = sql.get.get(fileId, key.agentId, key.scope, key.sessionId)
    return row ? { ...toFile(row), data: toBytes(row.data) } : null
  }

  return {
    async saveFile(file) {
      const record: FileRecord = { ...file, createdAt: new Date().toISOString() }
      sql.insert.run({ ...record, data: Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength) })
      return record
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
