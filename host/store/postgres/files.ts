/**
 * Files of sessions in PostgreSQL, bytes in `bytea`. An upload locks its agent's row for the UTC
 * day in `attachment_days` first (creating it at 0 bytes if need be), so concurrent uploads of
 * one agent take turns through the budget checks and cannot overshoot either budget; a refused
 * upload rolls back and leaves nothing.
 */
import type { AttachmentOutcome, FileCount, FileKind, FileRecord, FileStore, FileUsage, SessionKey } from '../store.ts'
import type { Sql } from './connection.ts'
import { changed, type Db, iso, query } from './rows.ts'

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
  created_at: Date
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
  createdAt: iso(row.created_at),
})

const toBytes = (data: Buffer) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
const toBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)

class BudgetSpent extends Error {
  constructor(readonly outcome: AttachmentOutcome) {
    super(outcome.kind)
  }
}

const insertFile = (db: Db, file: FileRecord, data: Uint8Array) =>
  changed(
    db,
    `INSERT INTO files (id, agent_id, scope, session_id, kind, filename, content_type, size, data, trace_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [file.id, file.agentId, file.scope, file.sessionId, file.kind, file.filename, file.contentType, file.size, toBuffer(data), file.traceId, file.createdAt],
  )

const FILE_BY_KEY = 'SELECT * FROM files WHERE id = $1 AND agent_id = $2 AND scope = $3 AND session_id = $4'

export function createFileStore(sql: Sql): FileStore {
  const getFile = async (key: SessionKey, fileId: string) => {
    const [row] = await query<FileRow & { data: Buffer }>(sql, FILE_BY_KEY, [fileId, key.agentId, key.scope, key.sessionId])
    return row ? { ...toFile(row), data: toBytes(row.data) } : null
  }

  return {
    async saveFile({ data, ...file }) {
      const record: FileRecord = { ...file, createdAt: new Date().toISOString() }
      await insertFile(sql, record, data)
      return record
    },
    async saveAttachment({ data, ...file }, budget) {
      const record: FileRecord = { ...file, kind: 'attachment', traceId: null, createdAt: new Date().toISOString() }
      try {
        return (await sql.begin(async (tx) => {
          const [day] = await query<{ bytes: number }>(
            tx,
            `INSERT INTO attachment_days (agent_id, day, bytes) VALUES ($1, $2::text::date, 0)
             ON CONFLICT (agent_id, day) DO UPDATE SET bytes = attachment_days.bytes RETURNING bytes`,
            [record.agentId, budget.day],
          )
          const [session] = await query<{ bytes: number }>(
            tx,
            "SELECT COALESCE(SUM(size), 0)::bigint AS bytes FROM files WHERE agent_id = $1 AND scope = $2 AND session_id = $3 AND kind = 'attachment'",
            [record.agentId, record.scope, record.sessionId],
          )
          const sessionBytes = session!.bytes
          if (sessionBytes + record.size > budget.sessionBytes) throw new BudgetSpent({ kind: 'session_budget_spent', usedBytes: sessionBytes })
          if (day!.bytes + record.size > budget.agentDayBytes) throw new BudgetSpent({ kind: 'agent_day_budget_spent', usedBytes: day!.bytes })
          await insertFile(tx, record, data)
          await changed(tx, 'INSERT INTO unused_attachments (file_id, created_at) VALUES ($1, $2)', [record.id, record.createdAt])
          await changed(tx, 'UPDATE attachment_days SET bytes = bytes + $3 WHERE agent_id = $1 AND day = $2::text::date', [
            record.agentId,
            budget.day,
            record.size,
          ])
          return { kind: 'saved', file: record }
        })) as AttachmentOutcome
      } catch (error) {
        if (error instanceof BudgetSpent) return error.outcome
        throw error
      }
    },
    async claimAttachments(key, fileIds) {
      if (fileIds.length === 0) return []
      // The session's attachments among the ids, in the order asked; their unused marks go.
      const rows = await query<{ id: string }>(
        sql,
        `WITH found AS (
           SELECT f.id, ids.n FROM json_array_elements_text($1::text::json) WITH ORDINALITY AS ids (id, n)
           JOIN files f ON f.id = ids.id AND f.agent_id = $2 AND f.scope = $3 AND f.session_id = $4 AND f.kind = 'attachment'
         ), claimed AS (
           DELETE FROM unused_attachments WHERE file_id IN (SELECT id FROM found)
         )
         SELECT id FROM found ORDER BY n`,
        [JSON.stringify(fileIds), key.agentId, key.scope, key.sessionId],
      )
      return rows.map((row) => row.id)
    },
    async deleteUnusedAttachments(cutoff, limit) {
      // Deleting the file deletes its unused_attachments row (ON DELETE CASCADE).
      return changed(sql, 'DELETE FROM files WHERE id IN (SELECT file_id FROM unused_attachments WHERE created_at < $1 ORDER BY created_at LIMIT $2)', [
        cutoff,
        limit,
      ])
    },
    async deleteAttachmentDaysBefore(day) {
      return changed(sql, 'DELETE FROM attachment_days WHERE day < $1::text::date', [day])
    },
    async fileUsage(agentId, day, topSessions) {
      // One snapshot, so the totals and the list describe the same moment.
      return sql.begin('isolation level repeatable read read only', async (tx): Promise<FileUsage> => {
        const byKind = await query<FileCount & { kind: FileKind }>(
          tx,
          'SELECT kind, COUNT(*) AS count, COALESCE(SUM(size), 0)::bigint AS bytes FROM files WHERE agent_id = $1 GROUP BY kind',
          [agentId],
        )
        const total = (kind: FileKind): FileCount => {
          const row = byKind.find((r) => r.kind === kind)
          return { count: row?.count ?? 0, bytes: row?.bytes ?? 0 }
        }
        const [unused] = await query<FileCount>(
          tx,
          'SELECT COUNT(*) AS count, COALESCE(SUM(f.size), 0)::bigint AS bytes FROM unused_attachments u JOIN files f ON f.id = u.file_id WHERE f.agent_id = $1',
          [agentId],
        )
        const [dayRow] = await query<{ bytes: number }>(tx, 'SELECT bytes FROM attachment_days WHERE agent_id = $1 AND day = $2::text::date', [agentId, day])
        const top = await query<{ scope: string; session_id: string; count: number; bytes: number; has_messages: boolean }>(
          tx,
          `SELECT t.scope, t.session_id, t.count, t.bytes,
                  EXISTS (SELECT 1 FROM sessions s WHERE s.agent_id = $1 AND s.scope = t.scope AND s.id = t.session_id) AS has_messages
           FROM (SELECT scope, session_id, COUNT(*) AS count, SUM(size)::bigint AS bytes FROM files WHERE agent_id = $1
                 GROUP BY scope, session_id ORDER BY bytes DESC, scope, session_id LIMIT $2) AS t
           ORDER BY t.bytes DESC, t.scope, t.session_id`,
          [agentId, topSessions],
        )
        return {
          attachments: total('attachment'),
          outputs: total('output'),
          unusedAttachments: unused!,
          dayAttachmentBytes: dayRow?.bytes ?? 0,
          topSessions: top.map((row) => ({ scope: row.scope, sessionId: row.session_id, count: row.count, bytes: row.bytes, hasMessages: row.has_messages })),
        }
      }) as Promise<FileUsage>
    },
    async getFile(key, fileId) {
      return getFile(key, fileId)
    },
    async getFiles(key, fileIds) {
      if (fileIds.length === 0) return []
      const rows = await query<FileRow & { data: Buffer; n: number }>(
        sql,
        `SELECT f.*, ids.n FROM json_array_elements_text($1::text::json) WITH ORDINALITY AS ids (id, n)
         JOIN files f ON f.id = ids.id AND f.agent_id = $2 AND f.scope = $3 AND f.session_id = $4 ORDER BY ids.n`,
        [JSON.stringify(fileIds), key.agentId, key.scope, key.sessionId],
      )
      return rows.map((row) => ({ ...toFile(row), data: toBytes(row.data) }))
    },
    async deleteFilesCreatedBefore(cutoff, limit) {
      return changed(sql, 'DELETE FROM files WHERE id IN (SELECT id FROM files WHERE created_at < $1 ORDER BY created_at LIMIT $2)', [cutoff, limit])
    },
  }
}
