/** The one place that opens the SQLite database, sets its pragmas and brings its schema up to date. */

import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import * as sqliteVec from 'sqlite-vec'

export type Db = Database.Database

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations')

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode never corrupts the database; a power cut may lose the last commits.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  // vec_distance_cosine for knowledge search (sqlite-knowledge.ts): scoring in SQLite, without
  // copying every vector into JS, measured 2–6× faster (BENCHMARKS.md, "Vector search").
  sqliteVec.load(db)
  migrate(db)
  return db
}

/** The schema version `migrate` brings a database to (its `PRAGMA user_version` afterwards). */
export function latestSchemaVersion(): number {
  return Math.max(...migrationFileNames().map((name) => Number(name.slice(0, 3))))
}

const migrationFileNames = () =>
  readdirSync(migrationsDir)
    .filter((name) => /^\d{3}_.+\.sql$/.test(name))
    .sort()

/** Applies `migrations/NNN_name.sql` files above `PRAGMA user_version`, each in its own transaction. */
export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  const files = migrationFileNames()
  for (const file of files) {
    const number = Number(file.slice(0, 3))
    if (number <= current) continue
    const sql = readFileSync(join(migrationsDir, file), 'utf8')
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${number}`)
    })()
  }
}
