/**
 * Brings a PostgreSQL database's schema up to date: `migrations/NNN_name.sql` above the highest
 * version in `porch_migrations`, each in its own transaction. Hosts that start at once take
 * turns on an advisory lock (held by one reserved connection for the whole run), so each
 * migration is applied exactly once; the others find it done.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sql } from './connection.ts'

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations')

/** The advisory lock's key: any fixed bigint; this one reads "porch" in ASCII, then 1 for migrations. */
const MIGRATION_LOCK = 0x706f7263_6801n

export type Migration = { version: number; name: string; sql: string }

export function migrationFiles(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((name) => /^\d{3}_.+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name, sql: readFileSync(join(migrationsDir, name), 'utf8') }))
}

/** The highest migration this code knows: what `migrate` brings a database to. */
export const latestSchemaVersion = () => Math.max(...migrationFiles().map((m) => m.version))

/** Applies the pending migrations; returns the versions this call applied (none when another host did). */
export async function migrate(sql: Sql): Promise<number[]> {
  const connection = await sql.reserve()
  try {
    await connection`SELECT pg_advisory_lock(${MIGRATION_LOCK.toString()}::bigint)`
    try {
      await connection`CREATE TABLE IF NOT EXISTS porch_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`
      const [row] = await connection<{ version: number | null }[]>`SELECT max(version) AS version FROM porch_migrations`
      const current = row?.version ?? 0
      const applied: number[] = []
      for (const migration of migrationFiles()) {
        if (migration.version <= current) continue
        await connection.unsafe('BEGIN')
        try {
          await connection.unsafe(migration.sql)
          await connection`INSERT INTO porch_migrations (version, name) VALUES (${migration.version}, ${migration.name})`
          await connection.unsafe('COMMIT')
        } catch (error) {
          await connection.unsafe('ROLLBACK')
          throw new Error(`PostgreSQL migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`)
        }
        applied.push(migration.version)
      }
      return applied
    } finally {
      await connection`SELECT pg_advisory_unlock(${MIGRATION_LOCK.toString()}::bigint)`
    }
  } finally {
    connection.release()
  }
}
