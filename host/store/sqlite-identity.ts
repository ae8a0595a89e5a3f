/** Agents' signed visitor identity settings in SQLite (migration 015): one row per agent that has any. */
import type { Db } from './db.ts'
import type { AgentIdentityRecord, IdentityStore } from './store.ts'

type IdentityRow = { agent_id: string; secret: string | null; require_identity: number; updated_at: string }

const toIdentity = (row: IdentityRow): AgentIdentityRecord => ({
  agentId: row.agent_id,
  secret: row.secret,
  requireIdentity: row.require_identity === 1,
  updatedAt: row.updated_at,
})

export function createIdentityStore(db: Db): IdentityStore {
  const sql = {
    get: db.prepare<[string], IdentityRow>('SELECT * FROM agent_identities WHERE agent_id = ?'),
    // Only for an existing agent: the SELECT finds none otherwise. A field not given keeps its value (the CASE on @set_*).
    upsert: db.prepare<Record<string, unknown>, IdentityRow>(
      `INSERT INTO agent_identities (agent_id, secret, require_identity, updated_at)
       SELECT id, @secret, coalesce(@require_identity, 0), @now FROM agents WHERE id = @agent_id
       ON CONFLICT (agent_id) DO UPDATE SET
         secret = CASE WHEN @set_secret THEN excluded.secret ELSE secret END,
         require_identity = coalesce(@require_identity, require_identity),
         updated_at = excluded.updated_at
       RETURNING *`,
    ),
  }
  return {
    async getAgentIdentity(agentId) {
      const row = sql.get.get(agentId)
      return row ? toIdentity(row) : null
    },
    async updateAgentIdentity(agentId, patch) {
      const row = sql.upsert.get({
        agent_id: agentId,
        secret: patch.secret ?? null,
        set_secret: patch.secret !== undefined ? 1 : 0,
        require_identity: patch.requireIdentity === undefined ? null : patch.requireIdentity ? 1 : 0,
        now: new Date().toISOString(),
      })
      return row ? toIdentity(row) : null
    },
  }
}
