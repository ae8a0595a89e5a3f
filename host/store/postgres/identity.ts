/** Agents' signed visitor identity settings in PostgreSQL (migration 008): one row per agent that has any. */
import type { AgentIdentityRecord, IdentityStore } from '../store.ts'
import type { Sql } from './connection.ts'
import { iso, query } from './rows.ts'

type IdentityRow = { agent_id: string; secret: string | null; require_identity: boolean; updated_at: Date }

const toIdentity = (row: IdentityRow): AgentIdentityRecord => ({
  agentId: row.agent_id,
  secret: row.secret,
  requireIdentity: row.require_identity,
  updatedAt: iso(row.updated_at),
})

// Only for an existing agent: the SELECT finds none otherwise. A field not given keeps its value ($3, $4).
const UPSERT = `INSERT INTO agent_identities (agent_id, secret, require_identity, updated_at)
  SELECT id, $2, coalesce($4::boolean, false), now() FROM agents WHERE id = $1
  ON CONFLICT (agent_id) DO UPDATE SET
    secret = CASE WHEN $3::boolean THEN excluded.secret ELSE agent_identities.secret END,
    require_identity = coalesce($4::boolean, agent_identities.require_identity),
    updated_at = excluded.updated_at
  RETURNING *`

export function createIdentityStore(sql: Sql): IdentityStore {
  return {
    async getAgentIdentity(agentId) {
      const [row] = await query<IdentityRow>(sql, 'SELECT * FROM agent_identities WHERE agent_id = $1', [agentId])
      return row ? toIdentity(row) : null
    },
    async updateAgentIdentity(agentId, patch) {
      const [row] = await query<IdentityRow>(sql, UPSERT, [agentId, patch.secret ?? null, patch.secret !== undefined, patch.requireIdentity ?? null])
      return row ? toIdentity(row) : null
    },
  }
}
