/**
 * Share links and their quotas, chat API keys and owner keys in PostgreSQL. A message through a
 * link counts against both quotas in one transaction: `UPDATE … WHERE used_total < quota_total
 * RETURNING` takes the link's row lock, so concurrent messages never pass the total, and a
 * visitor over their daily quota rolls the total back.
 */
import { randomBytes } from 'node:crypto'
import type { AccessStore, ApiKeyRecord, LinkPatch, LinkRecord, OwnerKeyRecord, QuotaOutcome } from '../store.ts'
import type { Sql } from './connection.ts'
import { changed, type Db, iso, isoOrNull, now, query } from './rows.ts'

type LinkRow = {
  id: string
  agent_id: string
  name: string
  token_hash: string
  expires_at: Date | null
  password_hash: string | null
  enabled: boolean
  quota_per_visitor: number | null
  quota_total: number | null
  used_total: number
  allowed_origins: string[]
  created_at: Date
  updated_at: Date
}
type ApiKeyRow = { id: string; agent_id: string; name: string; secret_hash: string; created_at: Date; refreshed_at: Date | null; last_used_at: Date | null }
type OwnerKeyRow = {
  id: string
  name: string
  role: OwnerKeyRecord['role']
  agent_ids: string[] | null
  secret_hash: string
  created_at: Date
  last_used_at: Date | null
}

/** Public ids: 96 random bits, base64url; safe in URLs and session scopes (as the SQLite store makes them). */
const publicId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`

const toLink = (row: LinkRow): LinkRecord => ({
  id: row.id,
  agentId: row.agent_id,
  name: row.name,
  expiresAt: isoOrNull(row.expires_at),
  passwordHash: row.password_hash,
  enabled: row.enabled,
  quotaPerVisitor: row.quota_per_visitor,
  quotaTotal: row.quota_total,
  usedTotal: row.used_total,
  allowedOrigins: row.allowed_origins,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
})
const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  agentId: row.agent_id,
  name: row.name,
  secretHash: row.secret_hash,
  createdAt: iso(row.created_at),
  refreshedAt: isoOrNull(row.refreshed_at),
  lastUsedAt: isoOrNull(row.last_used_at),
})
const toOwnerKey = (row: OwnerKeyRow): OwnerKeyRecord => ({
  id: row.id,
  name: row.name,
  role: row.role,
  agentIds: row.agent_ids,
  secretHash: row.secret_hash,
  createdAt: iso(row.created_at),
  lastUsedAt: isoOrNull(row.last_used_at),
})

class QuotaSpent extends Error {
  constructor(readonly outcome: QuotaOutcome) {
    super(outcome)
  }
}

const getLink = async (db: Db, id: string) => {
  const [row] = await query<LinkRow>(db, 'SELECT * FROM links WHERE id = $1', [id])
  return row ? toLink(row) : null
}
const getApiKey = async (db: Db, id: string) => {
  const [row] = await query<ApiKeyRow>(db, 'SELECT * FROM api_keys WHERE id = $1', [id])
  return row ? toApiKey(row) : null
}

export function createAccessStore(sql: Sql): AccessStore {
  return {
    async createLink(link) {
      const [row] = await query<LinkRow>(
        sql,
        `INSERT INTO links (id, agent_id, name, token_hash, expires_at, password_hash, enabled, quota_per_visitor, quota_total, allowed_origins, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11, $11) RETURNING *`,
        [
          publicId('lnk'),
          link.agentId,
          link.name,
          link.tokenHash,
          link.expiresAt,
          link.passwordHash,
          link.enabled,
          link.quotaPerVisitor,
          link.quotaTotal,
          JSON.stringify(link.allowedOrigins),
          now(),
        ],
      )
      return toLink(row!)
    },
    async listLinks(agentId) {
      return (await query<LinkRow>(sql, 'SELECT * FROM links WHERE agent_id = $1 ORDER BY created_at DESC, id', [agentId])).map(toLink)
    },
    async getLink(id) {
      return getLink(sql, id)
    },
    async getLinkByTokenHash(tokenHash) {
      const [row] = await query<LinkRow>(sql, 'SELECT * FROM links WHERE token_hash = $1', [tokenHash])
      return row ? toLink(row) : null
    },
    async updateLink(id, patch: LinkPatch) {
      return sql.begin(async (tx) => {
        const [row] = await query<LinkRow>(tx, 'SELECT * FROM links WHERE id = $1 FOR UPDATE', [id])
        if (!row) return null
        // A field absent from the patch keeps its value; a field given as null clears it.
        const [updated] = await query<LinkRow>(
          tx,
          `UPDATE links SET name = $2, token_hash = $3, expires_at = $4, password_hash = $5, enabled = $6, quota_per_visitor = $7, quota_total = $8,
             allowed_origins = $9::text::jsonb, updated_at = $10 WHERE id = $1 RETURNING *`,
          [
            id,
            patch.name ?? row.name,
            patch.tokenHash ?? row.token_hash,
            'expiresAt' in patch ? (patch.expiresAt ?? null) : isoOrNull(row.expires_at),
            'passwordHash' in patch ? (patch.passwordHash ?? null) : row.password_hash,
            patch.enabled ?? row.enabled,
            'quotaPerVisitor' in patch ? (patch.quotaPerVisitor ?? null) : row.quota_per_visitor,
            'quotaTotal' in patch ? (patch.quotaTotal ?? null) : row.quota_total,
            JSON.stringify(patch.allowedOrigins ?? row.allowed_origins),
            now(),
          ],
        )
        return toLink(updated!)
      }) as Promise<LinkRecord | null>
    },
    async deleteLink(id) {
      return (await changed(sql, 'DELETE FROM links WHERE id = $1', [id])) > 0
    },
    async consumeLinkQuota(linkId, visitor, day) {
      try {
        return (await sql.begin(async (tx) => {
          const [link] = await query<{ quota_per_visitor: number | null }>(
            tx,
            'UPDATE links SET used_total = used_total + 1 WHERE id = $1 AND (quota_total IS NULL OR used_total < quota_total) RETURNING quota_per_visitor',
            [linkId],
          )
          if (!link) throw new QuotaSpent('total_spent')
          const [usage] = await query<{ used: number }>(
            tx,
            `INSERT INTO link_visitor_usage (link_id, visitor, day, used) VALUES ($1, $2, $3::text::date, 1)
             ON CONFLICT (link_id, visitor, day) DO UPDATE SET used = link_visitor_usage.used + 1
             WHERE $4::integer IS NULL OR link_visitor_usage.used < $4::integer
             RETURNING used`,
            [linkId, visitor, day, link.quota_per_visitor],
          )
          if (!usage) throw new QuotaSpent('visitor_spent')
          return 'ok'
        })) as QuotaOutcome
      } catch (error) {
        if (error instanceof QuotaSpent) return error.outcome
        throw error
      }
    },

    async createApiKey(key) {
      const [row] = await query<ApiKeyRow>(sql, 'INSERT INTO api_keys (id, agent_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *', [
        key.id,
        key.agentId,
        key.name,
        key.secretHash,
        now(),
      ])
      return toApiKey(row!)
    },
    async listApiKeys(agentId) {
      return (await query<ApiKeyRow>(sql, 'SELECT * FROM api_keys WHERE agent_id = $1 ORDER BY created_at DESC, id', [agentId])).map(toApiKey)
    },
    async getApiKey(id) {
      return getApiKey(sql, id)
    },
    async refreshApiKey(id, secretHash) {
      const [row] = await query<ApiKeyRow>(sql, 'UPDATE api_keys SET secret_hash = $2, refreshed_at = $3 WHERE id = $1 RETURNING *', [id, secretHash, now()])
      return row ? toApiKey(row) : null
    },
    async deleteApiKey(id) {
      return (await changed(sql, 'DELETE FROM api_keys WHERE id = $1', [id])) > 0
    },
    async touchApiKey(id) {
      await changed(sql, 'UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, now()])
    },

    async createOwnerKey(key) {
      const [row] = await query<OwnerKeyRow>(
        sql,
        'INSERT INTO owner_keys (id, name, role, agent_ids, secret_hash, created_at) VALUES ($1, $2, $3, $4::text::jsonb, $5, $6) RETURNING *',
        [key.id, key.name, key.role, key.agentIds === null ? null : JSON.stringify(key.agentIds), key.secretHash, now()],
      )
      return toOwnerKey(row!)
    },
    async listOwnerKeys() {
      return (await query<OwnerKeyRow>(sql, 'SELECT * FROM owner_keys ORDER BY created_at DESC, id')).map(toOwnerKey)
    },
    async getOwnerKey(id) {
      const [row] = await query<OwnerKeyRow>(sql, 'SELECT * FROM owner_keys WHERE id = $1', [id])
      return row ? toOwnerKey(row) : null
    },
    async deleteOwnerKey(id) {
      return (await changed(sql, 'DELETE FROM owner_keys WHERE id = $1', [id])) > 0
    },
    async touchOwnerKey(id) {
      await changed(sql, 'UPDATE owner_keys SET last_used_at = $2 WHERE id = $1', [id, now()])
    },
  }
}
