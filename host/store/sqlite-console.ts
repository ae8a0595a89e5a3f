/** Console sign-ins in SQLite: one row per signed-in browser, keyed by the hash of its cookie. */
import type { Db } from './db.ts'
import type { ConsoleSignInRecord, ConsoleSignInStore } from './store.ts'

type ConsoleSignInRow = {
  id_hash: string
  kind: ConsoleSignInRecord['kind']
  owner_key_id: string | null
  admin_ref: string | null
  csrf_token: string
  created_at: string
  expires_at: string
}

const toRecord = (row: ConsoleSignInRow): ConsoleSignInRecord => ({
  idHash: row.id_hash,
  kind: row.kind,
  ownerKeyId: row.owner_key_id,
  adminRef: row.admin_ref,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
})

export function createConsoleSignInStore(db: Db): ConsoleSignInStore {
  const sql = {
    insert: db.prepare(
      `INSERT INTO console_sessions (id_hash, kind, owner_key_id, admin_ref, csrf_token, created_at, expires_at)
       VALUES (@idHash, @kind, @ownerKeyId, @adminRef, @csrfToken, @createdAt, @expiresAt)`,
    ),
    get: db.prepare<[string], ConsoleSignInRow>('SELECT * FROM console_sessions WHERE id_hash = ?'),
    delete: db.prepare('DELETE FROM console_sessions WHERE id_hash = ?'),
    purge: db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?'),
  }

  return {
    async createConsoleSignIn(session) {
      const record = { ...session, createdAt: new Date().toISOString() }
      sql.insert.run(record)
      return record
    },
    async getConsoleSignIn(idHash) {
      const row = sql.get.get(idHash)
      if (!row) return null
      if (Date.parse(row.expires_at) <= Date.now()) {
        sql.delete.run(idHash)
        return null
      }
      return toRecord(row)
    },
    async deleteConsoleSignIn(idHash) {
      return sql.delete.run(idHash).changes > 0
    },
    async purgeConsoleSignIns() {
      return sql.purge.run(new Date().toISOString()).changes
    },
  }
}
