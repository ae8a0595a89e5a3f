import type { Sql } from './connection.ts'

/** A pool, or the transaction a statement runs in. */
export type Db = Pick<Sql, 'unsafe'>

export type Param = string | number | boolean | null | Buffer

/** Runs one prepared statement; `$1`, `$2`… are `params`. */
export function query<Row>(db: Db, text: string, params: Param[] = []): Promise<Row[]> {
  return db.unsafe(text, params as never[], { prepare: true, simple: false }) as unknown as Promise<Row[]>
}

/** How many rows a statement changed. */
export async function changed(db: Db, text: string, params: Param[] = []): Promise<number> {
  const result = (await db.unsafe(text, params as never[], { prepare: true, simple: false })) as unknown as { count: number }
  return result.count
}

export const iso = (value: Date): string => value.toISOString()
export const isoOrNull = (value: Date | null): string | null => (value === null ? null : value.toISOString())

export const now = () => new Date().toISOString()
