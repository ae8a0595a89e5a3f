/**
 * A Store opened for an in-process benchmark (append-growth.ts, store-calls.ts), on either
 * implementation: SQLite on a temp file, or PostgreSQL on a fresh database of a throwaway server
 * (host/testing/postgres-server.ts). `dispose` closes it and removes what it made.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPostgresStore } from '../host/store/postgres/postgres-store.ts'
import { createSqliteStore } from '../host/store/sqlite-store.ts'
import type { Store } from '../host/store/store.ts'
import { createDatabase, type TestPostgres } from '../host/testing/postgres-server.ts'

export type StoreKind = 'sqlite' | 'postgres'

export type BenchStore = { store: Store; dispose(): Promise<void> }

/** Opens a new, empty store; the benchmarks take one of these rather than a store kind. */
export type OpenBenchStore = () => Promise<BenchStore>

export const openSqliteBenchStore: OpenBenchStore = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-'))
  const store = createSqliteStore(join(dir, 'bench.db'))
  return {
    store,
    async dispose() {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

let databases = 0

/** Each call makes a new database on `server` (left for the server's own teardown). */
export const postgresBenchStore =
  (server: TestPostgres): OpenBenchStore =>
  async () => {
    databases += 1
    const store = await createPostgresStore(await createDatabase(server, `bench_${process.pid}_${databases}_${Date.now().toString(36)}`))
    return { store, dispose: () => store.close() }
  }

/** A fresh database URL on `server`, for a host process (`PORCH_DATABASE_URL`). */
export async function benchDatabaseUrl(server: TestPostgres): Promise<string> {
  databases += 1
  return createDatabase(server, `bench_host_${process.pid}_${databases}_${Date.now().toString(36)}`)
}
