/**
 * Migration 004 (the console) applies on top of 002, and on top of a 003 that adds unrelated
 * tables (003 is reserved for other work), and the store runs on the result. Migration 007 finds
 * the uploads already stored that no message names, and today's attachment bytes. Migration 009's
 * full-text index follows its chunks, deleted one by one or with their agent; 012 re-indexes them under their agent.
 * Migration 018 turns 017's rollup into its cheaper form with the same counts.
 */

import { readdirSync, readFileSync } from 'node:fs'
// SQLite-only on purpose: it tests the SQL migration files themselves, on raw databases; what the store does is in the contract suite (host/store/contract/).
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { FINISHED_AFTER, HISTORY_TOTALS, type HistoryTrace, TRACES_AFTER, TRACES_BEFORE } from '../testing/analytics-history.ts'

const sql = (name: string) => readFileSync(new URL(`./migrations/${name}`, import.meta.url), 'utf8')
const FUTURE_003 = `CREATE TABLE future_things (id TEXT PRIMARY KEY, agent_id TEXT REFERENCES agents(id) ON DELETE CASCADE, note TEXT) STRICT;
CREATE INDEX future_things_by_agent ON future_things (agent_id);`

function apply(steps: string[]): Database.Database {
  const db = new Database(':memory:')
  db.pragma('foreign_keys = ON')
  for (const step of steps) db.transaction(() => db.exec(step))()
  return db
}

const objects = (db: Database.Database) =>
  (db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as { type: string; name: string }[]).map(
    (o) => `${o.type}:${o.name}`,
  )

describe('migration 004', () => {
  it('applies on top of 002 and on top of an unrelated 003, with the same console objects', () => {
    const without = apply([sql('001_init.sql'), sql('002_access.sql'), sql('004_console.sql')])
    const withFuture = apply([sql('001_init.sql'), sql('002_access.sql'), FUTURE_003, sql('004_console.sql')])
    const added = objects(withFuture).filter((name) => !name.includes('future_things'))
    expect(added).toEqual(objects(without))
    expect(objects(without)).toEqual(expect.arrayContaining(['table:console_sessions', 'index:sessions_by_agent_page', 'index:traces_by_agent_page']))
    // Applying it a second time (a database that got 004 before 003 existed) changes nothing.
    withFuture.exec(sql('004_console.sql'))
    expect(objects(withFuture)).toHaveLength(objects(without).length + 2)
  })

  it('ends an owner key’s console sessions with the key, and keeps admin sessions keyless', () => {
    const db = apply([sql('001_init.sql'), sql('002_access.sql'), sql('004_console.sql')])
    db.prepare("INSERT INTO owner_keys (id, name, role, secret_hash, created_at) VALUES ('own_x', 'k', 'editor', 'h', 'now')").run()
    const insert = db.prepare(
      'INSERT INTO console_sessions (id_hash, kind, owner_key_id, admin_ref, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    insert.run('a', 'owner_key', 'own_x', null, 't', 'now', 'later')
    insert.run('b', 'admin', null, 'ref', 't', 'now', 'later')
    expect(() => insert.run('c', 'admin', 'own_x', null, 't', 'now', 'later')).toThrow(/CHECK/)
    expect(() => insert.run('d', 'owner_key', null, null, 't', 'now', 'later')).toThrow(/CHECK/)
    db.prepare("DELETE FROM owner_keys WHERE id = 'own_x'").run()
    expect(db.prepare('SELECT id_hash FROM console_sessions').all()).toEqual([{ id_hash: 'b' }])
  })
})

describe('migration 007', () => {
  const upTo006 = [
    '001_init.sql',
    '002_access.sql',
    '003_files_and_context.sql',
    '004_console.sql',
    '005_drop_duplicate_indexes.sql',
    '006_files_by_age.sql',
  ].map(sql)

  it('lists stored attachments no message names as unused, and counts today’s attachments for their agent', () => {
    const db = apply(upTo006)
    const today = new Date().toISOString()
    db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('ag', 'a', '{}', 'then', 'then')").run()
    db.prepare("INSERT INTO sessions (pk, agent_id, scope, id, created_at, updated_at) VALUES (1, 'ag', 'public', 's', 'then', 'then')").run()
    const file = db.prepare(
      "INSERT INTO files (id, agent_id, scope, session_id, kind, filename, content_type, size, data, trace_id, created_at) VALUES (?, 'ag', 'public', 's', ?, 'f', 'text/plain', ?, x'41', NULL, ?)",
    )
    file.run('named-old', 'attachment', 10, '2020-01-01T00:00:00.000Z')
    file.run('orphan-old', 'attachment', 20, '2020-01-01T00:00:00.000Z')
    file.run('named-today', 'attachment', 40, today)
    file.run('orphan-today', 'attachment', 80, today)
    file.run('output', 'output', 160, today)
    const blocks = (ids: string[]) =>
      JSON.stringify([
        { type: 'text', text: 'hi' },
        ...ids.map((id) => ({ type: 'attachment', file_id: id, filename: 'f', size: 1, content_type: 'text/plain' })),
      ])
    const message = db.prepare("INSERT INTO messages (session_pk, seq, role, content, trace_id, created_at) VALUES (1, ?, ?, ?, 't', 'then')")
    message.run(1, 'user', blocks(['named-old']))
    message.run(2, 'assistant', JSON.stringify([{ type: 'text', text: 'orphan-old' }]))
    message.run(3, 'user', blocks(['named-today']))

    db.transaction(() => db.exec(sql('007_upload_budgets.sql')))()
    expect(db.prepare('SELECT file_id, created_at FROM unused_attachments ORDER BY file_id').all()).toEqual([
      { file_id: 'orphan-old', created_at: '2020-01-01T00:00:00.000Z' },
      { file_id: 'orphan-today', created_at: today },
    ])
    expect(db.prepare('SELECT agent_id, day, bytes FROM attachment_days').all()).toEqual([{ agent_id: 'ag', day: today.slice(0, 10), bytes: 120 }])
    expect(objects(db)).toEqual(expect.arrayContaining(['index:files_by_session_size', 'index:unused_attachments_by_age']))
    expect(objects(db)).not.toContain('index:files_by_session')
    // Deleting a file or its agent leaves no row behind.
    db.prepare("DELETE FROM files WHERE id = 'orphan-old'").run()
    expect(db.prepare('SELECT COUNT(*) AS n FROM unused_attachments').get()).toEqual({ n: 1 })
    db.prepare("DELETE FROM agents WHERE id = 'ag'").run()
    expect(db.prepare('SELECT (SELECT COUNT(*) FROM unused_attachments) + (SELECT COUNT(*) FROM attachment_days) AS n').get()).toEqual({ n: 0 })
  })
})

describe('migration 008', () => {
  it('starts each session’s message counter at its last message, and adds the host instances', () => {
    const steps = [
      '001_init.sql',
      '002_access.sql',
      '003_files_and_context.sql',
      '004_console.sql',
      '005_drop_duplicate_indexes.sql',
      '006_files_by_age.sql',
      '007_upload_budgets.sql',
    ].map(sql)
    const db = apply(steps)
    db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('ag', 'a', '{}', 'then', 'then')").run()
    const session = db.prepare("INSERT INTO sessions (pk, agent_id, scope, id, created_at, updated_at) VALUES (?, 'ag', 'public', ?, 'then', 'then')")
    session.run(1, 'talked')
    session.run(2, 'empty')
    const message = db.prepare("INSERT INTO messages (session_pk, seq, role, content, trace_id, created_at) VALUES (1, ?, 'user', '[]', 't', 'then')")
    for (const seq of [1, 2, 3]) message.run(seq)
    db.prepare(
      "INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at) VALUES ('t', 'ag', 1, 'talked', 'public', 'r', 'running', 'then')",
    ).run()

    db.transaction(() => db.exec(sql('008_shared_database.sql')))()
    expect(db.prepare('SELECT pk, last_seq FROM sessions ORDER BY pk').all()).toEqual([
      { pk: 1, last_seq: 3 },
      { pk: 2, last_seq: 0 },
    ])
    // A trace from before the migration has no host: whoever sweeps next marks it interrupted.
    expect(db.prepare('SELECT instance_id FROM traces').get()).toEqual({ instance_id: null })
    expect(objects(db)).toEqual(expect.arrayContaining(['table:host_instances', 'index:traces_running']))
  })
})

describe('migration 009', () => {
  it('keeps the full-text index in step with the chunks, down to the agent’s cascade', () => {
    const db = apply(
      [
        '001_init.sql',
        '002_access.sql',
        '003_files_and_context.sql',
        '004_console.sql',
        '005_drop_duplicate_indexes.sql',
        '006_files_by_age.sql',
        '007_upload_budgets.sql',
        '008_shared_database.sql',
        '009_knowledge.sql',
      ].map(sql),
    )
    db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('ag', 'a', '{}', 'then', 'then')").run()
    const chunk = db.prepare("INSERT INTO knowledge_chunks (agent_id, hash, title, heading_path, url, text) VALUES ('ag', ?, 'Guide', ?, NULL, ?)")
    chunk.run('h1', '["Setup","Publishing"]', 'press the button')
    chunk.run('h2', '[]', 'invoices arrive monthly')
    const matches = (query: string) => (db.prepare('SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ?').all(query) as { rowid: number }[]).length
    // Headings are indexed as words, stemmed like the text.
    expect(matches('publish')).toBe(1)
    expect(matches('invoice')).toBe(1)
    db.prepare("DELETE FROM knowledge_chunks WHERE hash = 'h1'").run()
    expect(matches('publish')).toBe(0)
    db.prepare("DELETE FROM agents WHERE id = 'ag'").run()
    expect(matches('invoice')).toBe(0)
    expect(objects(db)).toEqual(expect.arrayContaining(['table:knowledge_sources', 'table:knowledge_refs', 'index:knowledge_refs_by_chunk']))
  })
})

describe('migration 012', () => {
  it('indexes the chunks already stored under their agent, and keeps new ones and deletions in step', () => {
    const upTo011 = readdirSync(new URL('./migrations/', import.meta.url))
      .filter((name) => name < '012')
      .sort()
    const db = apply(upTo011.map(sql))
    db.prepare(
      "INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('ag-1', 'a', '{}', 'then', 'then'), ('ag-2', 'b', '{}', 'then', 'then')",
    ).run()
    const chunk = db.prepare("INSERT INTO knowledge_chunks (agent_id, hash, title, heading_path, url, text) VALUES (?, ?, 'Guide', '[\"Setup\"]', NULL, ?)")
    chunk.run('ag-1', 'h1', 'invoices arrive monthly')
    chunk.run('ag-2', 'h2', 'invoices arrive weekly')
    db.transaction(() => db.exec(sql('012_knowledge_fts_by_agent.sql')))()
    chunk.run('ag-2', 'h3', 'invoices are paid by card')
    const token = (agent: string) => `a${Buffer.from(agent).toString('hex').toUpperCase()}`
    const matches = (agent: string, words: string) =>
      (
        db
          .prepare('SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ? ORDER BY rowid')
          .all(`agent : "${token(agent)}" AND {title headings text} : (${words})`) as { rowid: number }[]
      ).map((row) => row.rowid)
    expect(matches('ag-1', 'invoice')).toEqual([1])
    expect(matches('ag-2', 'invoice')).toEqual([2, 3])
    expect(matches('ag-2', 'setup')).toEqual([2, 3])
    // An agent's token is not a word of its chunks.
    expect(db.prepare('SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ?').all(`{title headings text} : "${token('ag-1')}"`)).toEqual([])
    db.prepare("DELETE FROM agents WHERE id = 'ag-2'").run()
    expect(matches('ag-2', 'invoice')).toEqual([])
    expect(matches('ag-1', 'invoice')).toEqual([1])
  })
})

describe('migration 017', () => {
  it('counts the finished traces already stored into the hourly rollup, and each run that finishes later, once', () => {
    const before017 = readdirSync(new URL('./migrations/', import.meta.url))
      .filter((name) => name < '017')
      .sort()
    const db = apply(before017.map(sql))
    db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES ('ag-1', 'a', '{}', 'then', 'then')").run()
    const trace = db.prepare(
      `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, input_tokens, output_tokens, tool_calls)
       VALUES (?, 'ag-1', 1, ?, 'public', 'r', ?, ?, ?, ?, 10, 20, ?)`,
    )
    const tool = JSON.stringify([{ tool_call_id: 'c', tool_name: 'current_time', turn: 1, is_error: false, duration_ms: 1 }])
    trace.run('t1', 's1', 'success', '2026-01-01T10:05:00.000Z', 100, 1000, tool)
    trace.run('t2', 's1', 'error', '2026-01-01T10:40:00.000Z', null, 50, '[]')
    trace.run('t3', 's2', 'success', '2026-01-01T11:00:00.000Z', 200, 2000, '[]')
    trace.run('t4', 's2', 'running', '2026-01-01T11:10:00.000Z', null, null, '[]')
    db.transaction(() => db.exec(sql('017_analytics_rollup.sql')))()
    const hours = () =>
      db.prepare('SELECT hour, runs, errors, input_tokens, conversations, visitors FROM analytics_hours ORDER BY hour').all() as Record<string, unknown>[]
    expect(hours()).toEqual([
      { hour: '2026-01-01T10:00:00.000Z', runs: 2, errors: 1, input_tokens: 20, conversations: 1, visitors: 1 },
      { hour: '2026-01-01T11:00:00.000Z', runs: 1, errors: 0, input_tokens: 10, conversations: 1, visitors: 1 },
    ])
    const latency = db.prepare("SELECT first_token, total FROM analytics_latency WHERE hour = '2026-01-01T10:00:00.000Z'").get() as Record<string, string>
    // 100 ms: 1 + floor(4·log2 100) = 27; 1000 ms: 40; 50 ms: 23.
    expect(JSON.parse(latency.first_token!)).toEqual({ '27': 1 })
    expect(JSON.parse(latency.total!)).toEqual({ '23': 1, '40': 1 })
    expect(db.prepare("SELECT name, uses FROM analytics_uses WHERE kind = 'tool'").all()).toEqual([{ name: 'current_time', uses: 1 }])
    // The running one counts when it finishes (interrupted: an error), and not again after.
    db.prepare("UPDATE traces SET status = 'interrupted' WHERE trace_id = 't4'").run()
    db.prepare("UPDATE traces SET status = 'success' WHERE trace_id = 't4'").run()
    expect(hours()[1]).toEqual({ hour: '2026-01-01T11:00:00.000Z', runs: 2, errors: 1, input_tokens: 20, conversations: 1, visitors: 1 })
    // The rollup goes with its agent.
    db.prepare("DELETE FROM agents WHERE id = 'ag-1'").run()
    expect(hours()).toEqual([])
  })
})

describe('migration 018', () => {
  const migrations = readdirSync(new URL('./migrations/', import.meta.url)).sort()
  const db018 = (db: Database.Database) => db.transaction(() => db.exec(sql(migrations.find((name) => name.startsWith('018'))!)))()
  const store = (traces: HistoryTrace[]) => (db: Database.Database) => {
    const insert = db.prepare(
      `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, input_tokens, output_tokens,
         tool_calls, visitor, cited_sources)
       VALUES (@traceId, @agentId, 1, @sessionId, @scope, 'r', @status, @startedAt, @firstTokenMs, @totalMs, 10, 20, @toolCalls, @visitor, @citedSources)`,
    )
    for (const trace of traces) insert.run(trace)
  }
  const rollup = (db: Database.Database) => ({
    hours: db.prepare('SELECT * FROM analytics_hours ORDER BY agent_id, hour, scope, version').all(),
    latency: db.prepare('SELECT * FROM analytics_latency_bins ORDER BY agent_id, hour, metric, bin').all(),
    uses: db.prepare('SELECT * FROM analytics_uses ORDER BY agent_id, hour, kind, name').all(),
    seen: db.prepare('SELECT * FROM analytics_seen ORDER BY agent_id, key').all(),
  })

  it('keeps every count of 017’s rollup, and counts on as if 018’s triggers had counted from the start', () => {
    const agents = (db: Database.Database) => {
      for (const id of ['ag-1', 'ag-2'])
        db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES (?, 'a', '{}', 'then', 'then')").run(id)
    }
    // Counted by 017, then migrated; and counted by 018 all along.
    const migrated = apply(migrations.filter((name) => name < '018').map(sql))
    agents(migrated)
    store(TRACES_BEFORE)(migrated)
    expect(migrated.prepare('SELECT COUNT(*) AS n FROM analytics_seen').get()).toEqual({ n: 8 })
    db018(migrated)
    const counted = apply(migrations.map(sql))
    agents(counted)
    store(TRACES_BEFORE)(counted)
    expect(rollup(migrated)).toEqual(rollup(counted))
    // An anonymous conversation's seen row is its visitor's too: 017's ten rows are seven.
    expect(rollup(migrated).seen).toHaveLength(5)

    for (const db of [migrated, counted]) {
      store(TRACES_AFTER)(db)
      db.prepare("UPDATE traces SET status = 'success', first_token_ms = 7, total_ms = 70 WHERE trace_id = ?").run(FINISHED_AFTER)
    }
    expect(rollup(migrated)).toEqual(rollup(counted))
    expect(migrated.prepare('SELECT SUM(runs) AS runs, SUM(conversations) AS conversations, SUM(visitors) AS visitors FROM analytics_hours').get()).toEqual(
      HISTORY_TOTALS,
    )
    // 2^10 ms and 2^11 ms sit at the bottom of their bins (41 and 45), as in TypeScript's latencyBin.
    expect(migrated.prepare("SELECT metric, bin, runs FROM analytics_latency_bins WHERE hour = '2026-01-01T13:00:00.000Z' AND bin IN (41, 45)").all()).toEqual([
      { metric: 'first_token', bin: 41, runs: 1 },
      { metric: 'total', bin: 45, runs: 1 },
    ])
  })
})
