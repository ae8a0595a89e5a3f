/**
 * Migration 004 (the console) applies on top of 002, and on top of a 003 that adds unrelated
 * tables (003 is reserved for other work), and the store runs on the result.
 */
import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

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
  (db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as { type: string; name: string }[]).map((o) => `${o.type}:${o.name}`)

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
    const insert = db.prepare('INSERT INTO console_sessions (id_hash, kind, owner_key_id, admin_ref, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    insert.run('a', 'owner_key', 'own_x', null, 't', 'now', 'later')
    insert.run('b', 'admin', null, 'ref', 't', 'now', 'later')
    expect(() => insert.run('c', 'admin', 'own_x', null, 't', 'now', 'later')).toThrow(/CHECK/)
    expect(() => insert.run('d', 'owner_key', null, null, 't', 'now', 'later')).toThrow(/CHECK/)
    db.prepare("DELETE FROM owner_keys WHERE id = 'own_x'").run()
    expect(db.prepare('SELECT id_hash FROM console_sessions').all()).toEqual([{ id_hash: 'b' }])
  })
})
