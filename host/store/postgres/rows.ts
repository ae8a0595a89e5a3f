/**
 * The boundary of the PostgreSQL store: every statement goes through `query` (prepared once per
 * connection, named by its text), and rows become the interface's values here: times as ISO
 * strings with milliseconds and `Z` (what the SQLite store stores and returns), configs parsed
 * through the current schema, remembered by their text and handed out frozen.
 */
import { type AgentConfig, AgentConfigSchema } from '../../../shared/index.ts'
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

const parsedConfigs = new Map<string, AgentConfig>()
const PARSED_CONFIGS_KEPT = 1_000

/** Stored config (its JSON text) through the current schema, so fields added later get their defaults. */
export function parseConfig(json: string): AgentConfig {
  let config = parsedConfigs.get(json)
  if (!config) {
    config = deepFreeze(AgentConfigSchema.parse(JSON.parse(json)))
    if (parsedConfigs.size >= PARSED_CONFIGS_KEPT) parsedConfigs.delete(parsedConfigs.keys().next().value!)
    parsedConfigs.set(json, config)
  }
  return config
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
