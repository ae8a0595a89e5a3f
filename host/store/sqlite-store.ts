/**
 * The Store on better-sqlite3. Statements are prepared once, here; rows become typed
 * records at this boundary and nothing past it sees SQL. Every write that must be whole
 * (publishing, a finished run) is one synchronous transaction. Agents and versions live here;
 * sessions and traces in sqlite-sessions.ts (their owner listings in sqlite-watch.ts), links and keys in
 * sqlite-access.ts, console sign-ins in sqlite-console.ts, knowledge in sqlite-knowledge.ts (which
 * publishing freezes into each version).
 */
import { randomUUID } from 'node:crypto'
import { type AgentConfig, AgentConfigSchema } from '../../shared/index.ts'
import { parseConfig } from './agent-config.ts'
import { type Db, openDatabase } from './db.ts'
import { createAccessStore } from './sqlite-access.ts'
import { createAnalyticsStore } from './sqlite-analytics.ts'
import { createConsoleSignInStore } from './sqlite-console.ts'
import { createFeedbackStore } from './sqlite-feedback.ts'
import { createFileStore } from './sqlite-files.ts'
import { createIdentityStore } from './sqlite-identity.ts'
import { createKnowledgeStore } from './sqlite-knowledge.ts'
import { createSessionStore } from './sqlite-sessions.ts'
import { createTakeoverStore } from './sqlite-takeover.ts'
import type { AgentPatch, AgentRecord, NewAgent, PublishedAgent, PublishOutcome, PublishRequest, Store, VersionRecord } from './store.ts'

type AgentRow = {
  id: string
  name: string
  description: string
  config: string
  published: 0 | 1
  active_version: number | null
  api_response_mode: AgentRecord['apiResponseMode']
  access: AgentRecord['access']
  allowed_origins: string
  created_at: string
  updated_at: string
}

type VersionRow = {
  id: string
  agent_id: string
  version: number
  name: string
  agent_description: string
  config: string
  description: string
  created_at: string
}

const now = () => new Date().toISOString()

const toAgent = (row: AgentRow): AgentRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  config: parseConfig(row.config),
  published: row.published === 1,
  activeVersion: row.active_version,
  apiResponseMode: row.api_response_mode,
  access: row.access,
  allowedOrigins: JSON.parse(row.allowed_origins) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

const toVersion = (row: VersionRow): VersionRecord => ({
  id: row.id,
  agentId: row.agent_id,
  version: row.version,
  name: row.name,
  agentDescription: row.agent_description,
  config: parseConfig(row.config),
  description: row.description,
  createdAt: row.created_at,
})

/** What a version freezes; two snapshots with the same JSON publish nothing new. */
const snapshotOf = (agent: { name: string; description: string; config: AgentConfig }) =>
  JSON.stringify({ name: agent.name, description: agent.description, config: agent.config })

export function createSqliteStore(path: string): Store {
  const db: Db = openDatabase(path)
  const knowledge = createKnowledgeStore(db)

  const sql = {
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    initSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),

    insertAgent: db.prepare(
      `INSERT INTO agents (id, name, description, config, created_at, updated_at)
       VALUES (@id, @name, @description, @config, @now, @now)`,
    ),
    listAgents: db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY created_at DESC, id'),
    getAgent: db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ?'),
    updateAgent: db.prepare(
      'UPDATE agents SET name = @name, description = @description, config = @config, allowed_origins = @allowed_origins, access = @access, updated_at = @now WHERE id = @id',
    ),
    deleteAgent: db.prepare('DELETE FROM agents WHERE id = ?'),
    setPublication: db.prepare(
      `UPDATE agents SET published = @published, active_version = @active_version,
         api_response_mode = @api_response_mode, access = @access, updated_at = @now WHERE id = @id`,
    ),

    insertVersion: db.prepare(
      `INSERT INTO agent_versions (id, agent_id, version, name, agent_description, config, description, created_at)
       VALUES (@id, @agent_id, @version, @name, @agent_description, @config, @description, @created_at)`,
    ),
    lastVersionNumber: db.prepare<[string], { n: number | null }>('SELECT MAX(version) AS n FROM agent_versions WHERE agent_id = ?'),
    getVersion: db.prepare<[string, number], VersionRow>('SELECT * FROM agent_versions WHERE agent_id = ? AND version = ?'),
    listVersions: db.prepare<[string], VersionRow>('SELECT * FROM agent_versions WHERE agent_id = ? ORDER BY version DESC'),
    // Two primary-key reads in one transaction, not a join: the join took 30–34 µs a call, these
    // 8 (BENCHMARKS.md#floor), and every chat makes this call first.
    getPublished: db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ? AND published = 1'),
  }

  const readPublished = db.transaction((agentId: string): PublishedAgent | null => {
    const row = sql.getPublished.get(agentId)
    const version = row && row.active_version !== null ? sql.getVersion.get(agentId, row.active_version) : undefined
    return row && version ? { agent: toAgent(row), version: toVersion(version) } : null
  })

  const getAgentRecord = (id: string) => {
    const row = sql.getAgent.get(id)
    return row ? toAgent(row) : null
  }

  const publishTx = db.transaction((request: PublishRequest): PublishOutcome => {
    let agent = getAgentRecord(request.agentId)
    if (!agent) return { kind: 'not_found' }
    const frozen = request.frozenTools
    if (frozen && JSON.stringify(frozen.from) !== JSON.stringify(frozen.to)) {
      if (JSON.stringify(agent.config.tools) !== JSON.stringify(frozen.from)) return { kind: 'draft_changed' }
      const config = AgentConfigSchema.parse({ ...agent.config, tools: frozen.to })
      sql.updateAgent.run({
        id: agent.id,
        name: agent.name,
        description: agent.description,
        config: JSON.stringify(config),
        allowed_origins: JSON.stringify(agent.allowedOrigins),
        access: agent.access,
        now: now(),
      })
      agent = getAgentRecord(agent.id)!
    }
    const mode = request.apiResponseMode ?? agent.apiResponseMode
    const access = request.access ?? agent.access
    if (agent.published && mode !== agent.apiResponseMode) return { kind: 'mode_locked', currentMode: agent.apiResponseMode }

    const active = agent.activeVersion === null ? null : sql.getVersion.get(agent.id, agent.activeVersion)
    const draftIsActive =
      active !== undefined &&
      active !== null &&
      snapshotOf(agent) === snapshotOf({ name: active.name, description: active.agent_description, config: parseConfig(active.config) }) &&
      !knowledge.publishing.draftDiffers(agent.id, active.version)
    const publicationChanges = !agent.published || mode !== agent.apiResponseMode || access !== agent.access
    if (draftIsActive && !publicationChanges) return { kind: 'nothing_to_publish', version: toVersion(active) }

    let version: VersionRecord
    let created = false
    if (draftIsActive) {
      version = toVersion(active)
    } else {
      const row: VersionRow = {
        id: randomUUID(),
        agent_id: agent.id,
        version: (sql.lastVersionNumber.get(agent.id)?.n ?? 0) + 1,
        name: agent.name,
        agent_description: agent.description,
        config: JSON.stringify(agent.config),
        description: request.description ?? '',
        created_at: now(),
      }
      sql.insertVersion.run(row)
      knowledge.publishing.freezeDraft(agent.id, row.version)
      version = toVersion(row)
      created = true
    }
    sql.setPublication.run({ id: agent.id, published: 1, active_version: version.version, api_response_mode: mode, access, now: now() })
    return { kind: 'published', version, created }
  })

  const activateTx = db.transaction((agentId: string, version: number) => {
    const agent = getAgentRecord(agentId)
    if (!agent || !sql.getVersion.get(agentId, version)) return null
    sql.setPublication.run({
      id: agentId,
      published: agent.published ? 1 : 0,
      active_version: version,
      api_response_mode: agent.apiResponseMode,
      access: agent.access,
      now: now(),
    })
    return getAgentRecord(agentId)
  })

  const initSettingTx = db.transaction((key: string, value: string) => {
    sql.initSetting.run(key, value)
    return sql.getSetting.get(key)!.value
  })

  const updateTx = db.transaction((id: string, patch: AgentPatch) => {
    const agent = getAgentRecord(id)
    if (!agent) return null
    const config = AgentConfigSchema.parse({ ...agent.config, ...patch.config })
    sql.updateAgent.run({
      id,
      name: patch.name ?? agent.name,
      description: patch.description ?? agent.description,
      config: JSON.stringify(config),
      allowed_origins: JSON.stringify(patch.allowedOrigins ?? agent.allowedOrigins),
      access: patch.access ?? agent.access,
      now: now(),
    })
    return getAgentRecord(id)
  })

  const unpublishTx = db.transaction((agentId: string) => {
    const agent = getAgentRecord(agentId)
    if (!agent) return null
    sql.setPublication.run({
      id: agentId,
      published: 0,
      active_version: agent.activeVersion,
      api_response_mode: agent.apiResponseMode,
      access: agent.access,
      now: now(),
    })
    return getAgentRecord(agentId)
  })

  const sessions = createSessionStore(db)
  return {
    ...createAccessStore(db),
    ...sessions,
    ...createFeedbackStore(db),
    ...createTakeoverStore(db),
    ...createIdentityStore(db),
    ...createFileStore(db),
    ...createConsoleSignInStore(db),
    ...createAnalyticsStore(db),
    ...knowledge.store,

    async getSetting(key) {
      return sql.getSetting.get(key)?.value ?? null
    },
    async initSetting(key, value) {
      // The insert and the read are one transaction: whichever host's insert landed first, every caller reads that value.
      return initSettingTx.immediate(key, value)
    },
    async setSetting(key, value) {
      sql.setSetting.run(key, value)
    },

    async createAgent(agent: NewAgent) {
      const id = randomUUID()
      sql.insertAgent.run({ id, name: agent.name, description: agent.description, config: JSON.stringify(agent.config), now: now() })
      return getAgentRecord(id)!
    },
    async listAgents() {
      return sql.listAgents.all().map(toAgent)
    },
    async getAgent(id) {
      return getAgentRecord(id)
    },
    async updateAgent(id, patch: AgentPatch) {
      return updateTx.immediate(id, patch)
    },
    async deleteAgent(id) {
      return sql.deleteAgent.run(id).changes > 0
    },

    // IMMEDIATE (here and in updateAgent, unpublish, activateVersion): each reads the agent, then
    // writes; holding the write lock from BEGIN runs concurrent calls from any process one after
    // another, each on what the last one wrote (a deferred one could fail with SQLITE_BUSY_SNAPSHOT).
    async publish(request) {
      return publishTx.immediate(request)
    },
    async unpublish(agentId) {
      return unpublishTx.immediate(agentId)
    },
    async listVersions(agentId) {
      return sql.listVersions.all(agentId).map(toVersion)
    },
    async getVersion(agentId, version) {
      const row = sql.getVersion.get(agentId, version)
      return row ? toVersion(row) : null
    },
    async activateVersion(agentId, version) {
      return activateTx.immediate(agentId, version)
    },
    async getPublishedAgent(agentId): Promise<PublishedAgent | null> {
      return readPublished(agentId)
    },

    async close() {
      sessions.flushPendingWrites()
      db.close()
    },
  }
}
