/**
 * The PostgreSQL connection pool (porsager's `postgres`, chosen in BENCHMARKS.md), set up so
 * rows cross into the store as the interface wants them: bigint counts and keys as numbers,
 * timestamps as Dates (the store turns them into ISO strings). A URL is only ever shown with
 * its password masked.
 */
import postgres from 'postgres'
import { maskPassword, scrubPassword } from '../../url-secrets.ts'

export type Sql = postgres.Sql<Record<string, never>>

/** Where the URL came from, named in every message about it. */
export const URL_VARIABLE = 'PORCH_DATABASE_URL'

/** Could not connect (or log in, or find the database): the message names the variable and masks the password. */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError'
}

export type PoolOptions = {
  /** Connections at most (default 10). */
  max?: number
  /** Seconds to wait for a connection before giving up (default 10). */
  connectTimeoutSeconds?: number
}

/** A pool on `url`. Nothing connects until the first query. */
export function createPool(url: string, options: PoolOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // Statements are prepared once per connection (named by their text) and reused.
    prepare: true,
    onnotice: () => {},
    // COUNT(*), SUM(…) and bigint keys: numbers, not strings (they stay far below 2^53).
    types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
    connection: { application_name: 'porch', TimeZone: 'UTC' },
  }) as unknown as Sql
}

/** Runs one query to prove the server is there; else a DatabaseUnreachableError without the password. */
export async function checkReachable(sql: Sql, url: string): Promise<void> {
  try {
    await sql`SELECT 1`
  } catch (error) {
    throw unreachable(url, error)
  }
}

export function unreachable(url: string, error: unknown): DatabaseUnreachableError {
  const reason = scrubPassword(url, error instanceof Error ? error.message : String(error))
  return new DatabaseUnreachableError(`${URL_VARIABLE}: cannot use the PostgreSQL database at ${maskPassword(url)}: ${reason}`)
}
