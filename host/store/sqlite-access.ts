/** The access half of the SQLite store: share links, their quotas, chat API keys, owner keys. */
import { randomBytes } from 'node:crypto'
import type { Db } from './db.ts'
import type { AccessStore, ApiKeyRecord, LinkPatch, LinkRecord, OwnerKeyRecord, QuotaOutcome } from './store.ts'

type LinkRow = {
  id: string
  agent_id: string
  name: string
  token_hash: string
  expires_at: string | null
  password_hash: string | null
  enabled: 0 | 1
  quota_per_visitor: number | null
  quota_total: number | null
  used_total: number
  allowed_origins: string
  created_at: string
  updated_at: string
}
type ApiKeyRow = {
  id: string
  agent_id: string
  name: string
  secret_hash: string
  created_at: string
  refreshed_at: string | null
  last_used_at: string | null
}
type OwnerKeyRow = {
  id: string
  name: string
  role: OwnerKeyRecord['role']
  agent_ids: string | null
  secret_hash: string
  created_at: string
  last_used_at: string | null
}

const now = () => new Date().toISOString()
/** Public ids: 96 random bits, base64url; safe in URLs and session scopes. */
export const publicId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`

const toLink = (row: LinkRow): LinkRecord => ({
  id: row.id,
  agentId: row.agent_id,
  name: row.name,
  expiresAt: row.expires_at,
  passwordHash: row.password_hash,
  enabled: row.enabled === 1,
  quotaPerVisitor: row.quota_per_visitor,
  quotaTotal: row.quota_total,
  usedTotal: row.used_total,
  allowedOrigins: JSON.parse(row.allowed_origins) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})
const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  agentId: row.agent_id,
  name: row.name,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  refreshedAt: row.refreshed_at,
  lastUsedAt: row.last_used_at,
})
const toOwnerKey = (row: OwnerKeyRow): OwnerKeyRecord => ({
  id: row.id,
  name: row.name,
  role: row.role,
  agentIds: row.agent_ids === null ? null : (JSON.parse(row.agent_ids) as string[]),
  secretHash: row.secret_hash,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
})

class QuotaSpent extends Error {
  constructor(readonly outcome: QuotaOutcome) {
    super(outcome)
  }
}

export function createAccessStore(db: Db): AccessStore {
  const sql = {
    insertLink: db.prepare(
      `INSERT INTO links (id, agent_id, name, token_hash, expires_at, password_hash, enabled, quota_per_visitor, quota_total, allowed_origins, created_at, updated_at)
       VALUES (@id, @agent_id, @name, @token_hash, @expires_at, @password_hash, @enabled, @quota_per_visitor, @quota_total, @allowed_origins, @now, @now)`,
    ),
    listLinks: db.prepare<[string], LinkRow>('SELECT * FROM links WHERE agent_id = ? ORDER BY created_at DESC, id'),
    getLink: db.prepare<[string], LinkRow>('SELECT * FROM links WHERE id = ?'),
    getLinkByToken: db.prepare<[string], LinkRow>('SELECT * FROM links WHERE token_hash = ?'),
    updateLink: db.prepare(
      `UPDATE links SET name = @name, token_hash = @token_hash, expires_at = @expires_at, password_hash = @password_hash, enabled = @enabled,
         quota_per_visitor = @quota_per_visitor, quota_total = @quota_total, allowed_origins = @allowed_origins, updated_at = @now WHERE id = @id`,
    ),
    deleteLink: db.prepare('DELETE FROM links WHERE id = ?'),
    countTotal: db.prepare('UPDATE links SET used_total = used_total + 1 WHERE id = ? AND (quota_total IS NULL OR used_total < quota_total)'),
    countVisitor: db.prepare<[{ link: string; visitor: string; day: string; quota: number | null }], { used: number }>(
      `INSERT INTO link_visitor_usage (link_id, visitor, day, used) VALUES (@link, @visitor, @day, 1)
       ON CONFLICT (link_id, visitor, day) DO UPDATE SET used = used + 1 WHERE @quota IS NULL OR used < @quota
       RETURNING used`,
    ),

    insertApiKey: db.prepare('INSERT INTO api_keys (id, agent_id, name, secret_hash, created_at) VALUES (@id, @agentId, @name, @secretHash, @now)'),
    listApiKeys: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE agent_id = ? ORDER BY created_at DESC, id'),
    getApiKey: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    refreshApiKey: db.prepare('UPDATE api_keys SET secret_hash = ?, refreshed_at = ? WHERE id = ?'),
    deleteApiKey: db.prepare('DELETE FROM api_keys WHERE id = ?'),
    touchApiKey: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),

    insertOwnerKey: db.prepare(
      'INSERT INTO owner_keys (id, name, role, agent_ids, secret_hash, created_at) VALUES (@id, @name, @role, @agent_ids, @secret_hash, @now)',
    ),
    listOwnerKeys: db.prepare<[], OwnerKeyRow>('SELECT * FROM owner_keys ORDER BY created_at DESC, id'),
    getOwnerKey: db.prepare<[string], OwnerKeyRow>('SELECT * FROM owner_keys WHERE id = ?'),
    deleteOwnerKey: db.prepare('DELETE FROM owner_keys WHERE id = ?'),
    touchOwnerKey: db.prepare('UPDATE owner_keys SET last_used_at = ? WHERE id = ?'),
  }

  const getLink = (id: string) => {
    const row = sql.getLink.get(id)
    return row ? toLink(row) : null
  }

  // Both counters move in one transaction: a visitor over their daily quota does not use up the total.
  const consumeTx = db.transaction((linkId: string, visitor: string, day: string, perVisitor: number | null): QuotaOutcome => {
    if (sql.countTotal.run(linkId).changes === 0) throw new QuotaSpent('total_spent')
    if (sql.countVisitor.get({ link: linkId, visitor, day, quota: perVisitor }) === undefined) throw new QuotaSpent('visitor_spent')
    return 'ok'
  })

  return {
    async createLink(link) {
      const id = publicId('lnk')
      sql.insertLink.run({
        id,
        agent_id: link.agentId,
        name: link.name,
        token_hash: link.tokenHash,
        expires_at: link.expiresAt,
        password_hash: link.passwordHash,
        enabled: link.enabled ? 1 : 0,
        quota_per_visitor: link.quotaPerVisitor,
        quota_total: link.quotaTotal,
        allowed_origins: JSON.stringify(link.allowedOrigins),
        now: now(),
      })
      return getLink(id)!
    },
    async listLinks(agentId) {
      return sql.listLinks.all(agentId).map(toLink)
    },
    async getLink(id) {
      return getLink(id)
    },
    async getLinkByTokenHash(tokenHash) {
      const row = sql.getLinkByToken.get(tokenHash)
      return row ? toLink(row) : null
    },
    async updateLink(id, patch: LinkPatch) {
      const row = sql.getLink.get(id)
      if (!row) return null
      // A field absent from the patch keeps its value; a field given as null clears it.
      sql.updateLink.run({
        id,
        name: patch.name ?? row.name,
        token_hash: patch.tokenHash ?? row.token_hash,
        expires_at: 'expiresAt' in patch ? (patch.expiresAt ?? null) : row.expires_at,
        password_hash: 'passwordHash' in patch ? (patch.passwordHash ?? null) : row.password_hash,
        enabled: patch.enabled === undefined ? row.enabled : patch.enabled ? 1 : 0,
        quota_per_visitor: 'quotaPerVisitor' in patch ? (patch.quotaPerVisitor ?? null) : row.quota_per_visitor,
        quota_total: 'quotaTotal' in patch ? (patch.quotaTotal ?? null) : row.quota_total,
        allowed_origins: patch.allowedOrigins ? JSON.stringify(patch.allowedOrigins) : row.allowed_origins,
        now: now(),
      })
      return getLink(id)
    },
    async deleteLink(id) {
      return sql.deleteLink.run(id).changes > 0
    },
    async consumeLinkQuota(linkId, visitor, day) {
      const link = sql.getLink.get(linkId)
      if (!link) return 'total_spent'
      try {
        return consumeTx(linkId, visitor, day, link.quota_per_visitor)
      } catch (error) {
        if (error instanceof QuotaSpent) return error.outcome
        throw error
      }
    },

    async createApiKey(key) {
      sql.insertApiKey.run({ ...key, now: now() })
      return toApiKey(sql.getApiKey.get(key.id)!)
    },
    async listApiKeys(agentId) {
      return sql.listApiKeys.all(agentId).map(toApiKey)
    },
    async getApiKey(id) {
      const row = sql.getApiKey.get(id)
      return row ? toApiKey(row) : null
    },
    async refreshApiKey(id, secretHash) {
      if (sql.refreshApiKey.run(secretHash, now(), id).changes === 0) return null
      return toApiKey(sql.getApiKey.get(id)!)
    },
    async deleteApiKey(id) {
      return sql.deleteApiKey.run(id).changes > 0
    },
    async touchApiKey(id) {
      sql.touchApiKey.run(now(), id)
    },

    async createOwnerKey(key) {
      sql.insertOwnerKey.run({
        id: key.id,
        name: key.name,
        role: key.role,
        agent_ids: key.agentIds === null ? null : JSON.stringify(key.agentIds),
        secret_hash: key.secretHash,
        now: now(),
      })
      return toOwnerKey(sql.getOwnerKey.get(key.id)!)
    },
    async listOwnerKeys() {
      return sql.listOwnerKeys.all().map(toOwnerKey)
    },
    async getOwnerKey(id) {
      const row = sql.getOwnerKey.get(id)
      return row ? toOwnerKey(row) : null
    },
    async deleteOwnerKey(id) {
      return sql.deleteOwnerKey.run(id).changes > 0
    },
    async touchOwnerKey(id) {
      sql.touchOwnerKey.run(now(), id)
    },
  }
}
