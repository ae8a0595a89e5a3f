/** Console sign-ins in PostgreSQL: one row per signed-in browser, keyed by the hash of its cookie. */
import type { ConsoleSignInRecord, ConsoleSignInStore } from '../store.ts'
import type { Sql } from './connection.ts'
import { changed, iso, query } from './rows.ts'

type ConsoleSignInRow = {
  id_hash: string
  kind: ConsoleSignInRecord['kind']
  owner_key_id: string | null
  admin_ref: string | null
  csrf_token: string
  created_at: Date
  expires_at: Date
}

const toRecord = (row: ConsoleSignInRow): ConsoleSignInRecord => ({
  idHash: row.id_hash,
  kind: row.kind,
  ownerKeyId: row.owner_key_id,
  adminRef: row.admin_ref,
  csrfToken: row.csrf_token,
  createdAt: iso(row.created_at),
  expiresAt: iso(row.expires_at),
})

export function createConsoleSignInStore(sql: Sql): ConsoleSignInStore {
  return {
    async createConsoleSignIn(session) {
      const [row] = await query<ConsoleSignInRow>(
        sql,
        `INSERT INTO console_sessions (id_hash, kind, owner_key_id, admin_ref, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [session.idHash, session.kind, session.ownerKeyId, session.adminRef, session.csrfToken, new Date().toISOString(), session.expiresAt],
      )
      return toRecord(row!)
    },
    async getConsoleSignIn(idHash) {
      const [row] = await query<ConsoleSignInRow>(sql, 'SELECT * FROM console_sessions WHERE id_hash = $1', [idHash])
      if (!row) return null
      if (row.expires_at.getTime() <= Date.now()) {
        await changed(sql, 'DELETE FROM console_sessions WHERE id_hash = $1', [idHash])
        return null
      }
      return toRecord(row)
    },
    async deleteConsoleSignIn(idHash) {
      return (await changed(sql, 'DELETE FROM console_sessions WHERE id_hash = $1', [idHash])) > 0
    },
    async purgeConsoleSignIns() {
      return changed(sql, 'DELETE FROM console_sessions WHERE expires_at <= $1', [new Date().toISOString()])
    },
  }
}
