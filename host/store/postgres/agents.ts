/**
 * Agents, their published versions, and settings in PostgreSQL. Publishing and activating lock
 * the agent's row (`FOR UPDATE`), so concurrent publishes of one agent take turns and number
 * their versions one after the other; UNIQUE (agent_id, version) guards it besides. A new
 * version freezes the draft's knowledge (knowledge.ts) in the same transaction.
 */
import { randomUUID } from 'node:crypto'
import { type AgentConfig, AgentConfigSchema } from '../../../shared/index.ts'
import { parseConfig } from '../agent-config.ts'
import type { AgentPatch, AgentRecord, PublishedAgent, PublishOutcome, PublishRequest, Store, VersionRecord } from '../store.ts'
import type { Sql } from './connection.ts'
import { draftKnowledgeDiffers, freezeDraftKnowledge } from './knowledge.ts'
import { changed, type Db, iso, now, query } from './rows.ts'

type AgentRow = {
  id: string
  name: string
  description: string
  config: string
  published: boolean
  active_version: number | null
  api_response_mode: AgentRecord['apiResponseMode']
  access: AgentRecord['access']
  allowed_origins: string[]
  created_at: Date
  updated_at: Date
}

type VersionRow = {
  id: string
  agent_id: string
  version: number
  name: string
  agent_description: string
  config: string
  description: string
  created_at: Date
}

const AGENT = `id, name, description, config::text AS config, published, active_version, api_response_mode, access, allowed_origins, created_at, updated_at`
const VERSION = `id, agent_id, version, name, agent_description, config::text AS config, description, created_at`

const toAgent = (row: AgentRow): AgentRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  config: parseConfig(row.config),
  published: row.published,
  activeVersion: row.active_version,
  apiResponseMode: row.api_response_mode,
  access: row.access,
  allowedOrigins: row.allowed_origins,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
})

const toVersion = (row: VersionRow): VersionRecord => ({
  id: row.id,
  agentId: row.agent_id,
  version: row.version,
  name: row.name,
  agentDescription: row.agent_description,
  config: parseConfig(row.config),
  description: row.description,
  createdAt: iso(row.created_at),
})

/** What a version freezes; two snapshots with the same JSON publish nothing new. */
const snapshotOf = (agent: { name: string; description: string; config: AgentConfig }) =>
  JSON.stringify({ name: agent.name, description: agent.description, config: agent.config })

export type AgentStore = Pick<
  Store,
  | 'getSetting'
  | 'initSetting'
  | 'setSetting'
  | 'createAgent'
  | 'listAgents'
  | 'getAgent'
  | 'updateAgent'
  | 'deleteAgent'
  | 'publish'
  | 'unpublish'
  | 'listVersions'
  | 'getVersion'
  | 'activateVersion'
  | 'getPublishedAgent'
>

const getAgent = async (db: Db, id: string, lock = false) => {
  const [row] = await query<AgentRow>(db, `SELECT ${AGENT} FROM agents WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])
  return row ? toAgent(row) : null
}

const getVersion = async (db: Db, agentId: string, version: number) => {
  const [row] = await query<VersionRow>(db, `SELECT ${VERSION} FROM agent_versions WHERE agent_id = $1 AND version = $2`, [agentId, version])
  return row ? toVersion(row) : null
}

const writeDraft = (db: Db, agent: AgentRecord, config: AgentConfig) =>
  changed(
    db,
    'UPDATE agents SET name = $2, description = $3, config = $4::text::json, allowed_origins = $5::text::jsonb, access = $6, updated_at = $7 WHERE id = $1',
    [agent.id, agent.name, agent.description, JSON.stringify(config), JSON.stringify(agent.allowedOrigins), agent.access, now()],
  )

const setPublication = (db: Db, id: string, p: { published: boolean; activeVersion: number | null; mode: string; access: string }) =>
  changed(db, 'UPDATE agents SET published = $2, active_version = $3, api_response_mode = $4, access = $5, updated_at = $6 WHERE id = $1', [
    id,
    p.published,
    p.activeVersion,
    p.mode,
    p.access,
    now(),
  ])

export function createAgentStore(sql: Sql): AgentStore {
  const publishTx = (request: PublishRequest) =>
    sql.begin(async (tx): Promise<PublishOutcome> => {
      let agent = await getAgent(tx, request.agentId, true)
      if (!agent) return { kind: 'not_found' }
      const frozen = request.frozenTools
      if (frozen && JSON.stringify(frozen.from) !== JSON.stringify(frozen.to)) {
        if (JSON.stringify(agent.config.tools) !== JSON.stringify(frozen.from)) return { kind: 'draft_changed' }
        await writeDraft(tx, agent, AgentConfigSchema.parse({ ...agent.config, tools: frozen.to }))
        agent = (await getAgent(tx, agent.id))!
      }
      const mode = request.apiResponseMode ?? agent.apiResponseMode
      const access = request.access ?? agent.access
      if (agent.published && mode !== agent.apiResponseMode) return { kind: 'mode_locked', currentMode: agent.apiResponseMode }

      const active = agent.activeVersion === null ? null : await getVersion(tx, agent.id, agent.activeVersion)
      const draftIsActive =
        active !== null &&
        snapshotOf(agent) === snapshotOf({ name: active.name, description: active.agentDescription, config: active.config }) &&
        !(await draftKnowledgeDiffers(tx, agent.id, active.version))
      const publicationChanges = !agent.published || mode !== agent.apiResponseMode || access !== agent.access
      if (active !== null && draftIsActive && !publicationChanges) return { kind: 'nothing_to_publish', version: active }

      let version: VersionRecord
      let created = false
      if (active !== null && draftIsActive) {
        version = active
      } else {
        const [row] = await query<VersionRow>(
          tx,
          `INSERT INTO agent_versions (id, agent_id, version, name, agent_description, config, description, created_at)
           SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5::text::json, $6, $7 FROM agent_versions WHERE agent_id = $2
           RETURNING ${VERSION}`,
          [randomUUID(), agent.id, agent.name, agent.description, JSON.stringify(agent.config), request.description ?? '', now()],
        )
        version = toVersion(row!)
        await freezeDraftKnowledge(tx, agent.id, version.version)
        created = true
      }
      await setPublication(tx, agent.id, { published: true, activeVersion: version.version, mode, access })
      return { kind: 'published', version, created }
    }) as Promise<PublishOutcome>

  return {
    async getSetting(key) {
      const [row] = await query<{ value: string }>(sql, 'SELECT value FROM settings WHERE key = $1', [key])
      return row?.value ?? null
    },
    async initSetting(key, value) {
      // The upsert returns the stored value whether it wrote it or found one (a no-op update locks and returns the row).
      const [row] = await query<{ value: string }>(
        sql,
        'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = settings.value RETURNING value',
        [key, value],
      )
      return row!.value
    },
    async setSetting(key, value) {
      await changed(sql, 'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value])
    },

    async createAgent(agent) {
      const at = now()
      const [row] = await query<AgentRow>(
        sql,
        `INSERT INTO agents (id, name, description, config, created_at, updated_at) VALUES ($1, $2, $3, $4::text::json, $5, $5) RETURNING ${AGENT}`,
        [randomUUID(), agent.name, agent.description, JSON.stringify(agent.config), at],
      )
      return toAgent(row!)
    },
    async listAgents() {
      return (await query<AgentRow>(sql, `SELECT ${AGENT} FROM agents ORDER BY created_at DESC, id`)).map(toAgent)
    },
    async getAgent(id) {
      return getAgent(sql, id)
    },
    async updateAgent(id, patch: AgentPatch) {
      return sql.begin(async (tx) => {
        const agent = await getAgent(tx, id, true)
        if (!agent) return null
        const config = AgentConfigSchema.parse({ ...agent.config, ...patch.config })
        const next = {
          ...agent,
          name: patch.name ?? agent.name,
          description: patch.description ?? agent.description,
          allowedOrigins: patch.allowedOrigins ?? agent.allowedOrigins,
          access: patch.access ?? agent.access,
        }
        await writeDraft(tx, next, config)
        return getAgent(tx, id)
      }) as Promise<AgentRecord | null>
    },
    async deleteAgent(id) {
      return (await changed(sql, 'DELETE FROM agents WHERE id = $1', [id])) > 0
    },

    publish: publishTx,
    async unpublish(agentId) {
      return sql.begin(async (tx) => {
        const agent = await getAgent(tx, agentId, true)
        if (!agent) return null
        await setPublication(tx, agentId, { published: false, activeVersion: agent.activeVersion, mode: agent.apiResponseMode, access: agent.access })
        return getAgent(tx, agentId)
      }) as Promise<AgentRecord | null>
    },
    async listVersions(agentId) {
      return (await query<VersionRow>(sql, `SELECT ${VERSION} FROM agent_versions WHERE agent_id = $1 ORDER BY version DESC`, [agentId])).map(toVersion)
    },
    async getVersion(agentId, version) {
      return getVersion(sql, agentId, version)
    },
    async activateVersion(agentId, version) {
      return sql.begin(async (tx) => {
        const agent = await getAgent(tx, agentId, true)
        if (!agent || !(await getVersion(tx, agentId, version))) return null
        await setPublication(tx, agentId, { published: agent.published, activeVersion: version, mode: agent.apiResponseMode, access: agent.access })
        return getAgent(tx, agentId)
      }) as Promise<AgentRecord | null>
    },
    async getPublishedAgent(agentId): Promise<PublishedAgent | null> {
      const [row] = await query<
        AgentRow & { v_id: string; v_version: number; v_name: string; v_agent_description: string; v_config: string; v_description: string; v_created_at: Date }
      >(
        sql,
        `SELECT a.id, a.name, a.description, a.config::text AS config, a.published, a.active_version, a.api_response_mode, a.access,
                a.allowed_origins, a.created_at, a.updated_at, v.id AS v_id, v.version AS v_version, v.name AS v_name,
                v.agent_description AS v_agent_description, v.config::text AS v_config, v.description AS v_description, v.created_at AS v_created_at
         FROM agents a JOIN agent_versions v ON v.agent_id = a.id AND v.version = a.active_version
         WHERE a.id = $1 AND a.published`,
        [agentId],
      )
      if (!row) return null
      return {
        agent: toAgent(row),
        version: toVersion({
          id: row.v_id,
          agent_id: row.id,
          version: row.v_version,
          name: row.v_name,
          agent_description: row.v_agent_description,
          config: row.v_config,
          description: row.v_description,
          created_at: row.v_created_at,
        }),
      }
    },
  }
}
