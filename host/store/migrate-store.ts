/**
 * Moves a Porch database from one SQLite file to an empty PostgreSQL database
 * (`npm run migrate-store -- --from ./data/porch.db --to postgres://…`, docs/operations.md).
 *
 * The SQLite file is opened read-only and must be at this Porch's schema version (a host started
 * on it once brings it there). The target gets the PostgreSQL migrations, then every table is
 * copied in dependency order inside one PostgreSQL transaction, with its tables locked and proved
 * empty first: ids, hashes, sealed secrets and timestamps as they are, JSON kept as its exact text
 * where PostgreSQL keeps `json`, file bytes as bytea. The integer keys keep their values
 * (`sessions.pk`, which messages and summaries name; SQLite's trace rowid becomes `traces.pk`, the
 * tiebreaker of the owner's paging), and the identity sequences are set past them. Each table's
 * row count is compared before the commit; any difference rolls everything back.
 */
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { maskPassword, scrubPassword } from '../url-secrets.ts'
import { latestSchemaVersion } from './db.ts'
import { checkReachable, createPool, type Sql } from './postgres/connection.ts'
import { migrate } from './postgres/migrate.ts'

/** A refusal the owner can act on: the message says what to do; nothing was written. */
export class MigrateStoreError extends Error {
  override name = 'MigrateStoreError'
}

/** How a SQLite value becomes the PostgreSQL column's value. */
type Kind = 'plain' | 'bool' | 'time' | 'date' | 'json' | 'jsonb' | 'bytea'

type Column = { name: string; kind?: Kind /** SQLite's name, when not `name` (the rowid). */; from?: string }

type Table = {
  name: string
  columns: Column[]
  /** A `GENERATED ALWAYS AS IDENTITY` column copied with its values. */
  identity?: string
  /** Columns only PostgreSQL has (shared-mode bookkeeping), left at their default. */
  targetOnly?: string[]
}

const c = (name: string, kind: Kind = 'plain'): Column => ({ name, kind })

/** Every table, parents before children. A column either schema has and this list lacks stops the copy. */
export const TABLES: Table[] = [
  { name: 'settings', columns: [c('key'), c('value')] },
  {
    name: 'agents',
    columns: [
      c('id'),
      c('name'),
      c('description'),
      c('config', 'json'),
      c('published', 'bool'),
      c('active_version'),
      c('api_response_mode'),
      c('access'),
      c('allowed_origins', 'jsonb'),
      c('created_at', 'time'),
      c('updated_at', 'time'),
    ],
  },
  { name: 'agent_identities', columns: [c('agent_id'), c('secret'), c('require_identity', 'bool'), c('updated_at', 'time')] },
  {
    name: 'agent_versions',
    columns: [c('id'), c('agent_id'), c('version'), c('name'), c('agent_description'), c('config', 'json'), c('description'), c('created_at', 'time')],
  },
  {
    name: 'sessions',
    identity: 'pk',
    columns: [c('pk'), c('agent_id'), c('scope'), c('id'), c('created_at', 'time'), c('updated_at', 'time'), c('last_seq'), c('user_id'), c('user_name')],
  },
  {
    name: 'messages',
    columns: [c('session_pk'), c('seq'), c('role'), c('content', 'json'), c('status'), c('trace_id'), c('created_at', 'time')],
  },
  {
    name: 'feedback',
    columns: [c('session_pk'), c('seq'), c('agent_id'), c('trace_id'), c('rating'), c('comment'), c('created_at', 'time'), c('updated_at', 'time')],
  },
  {
    name: 'takeovers',
    columns: [c('session_pk'), c('agent_id'), c('by_id'), c('by_name'), c('since', 'time'), c('last_event')],
  },
  {
    name: 'session_events',
    columns: [c('session_pk'), c('id'), c('type'), c('name'), c('seq'), c('text'), c('created_at', 'time')],
  },
  { name: 'context_summaries', columns: [c('session_pk'), c('through_seq'), c('summary'), c('tokens_before'), c('created_at', 'time')] },
  { name: 'host_instances', columns: [c('id'), c('machine'), c('pid'), c('started_at', 'time'), c('last_seen', 'time')] },
  {
    name: 'traces',
    identity: 'pk',
    columns: [
      { name: 'pk', from: 'rowid' },
      c('trace_id'),
      c('agent_id'),
      c('version'),
      c('session_id'),
      c('scope'),
      c('request_id'),
      c('status'),
      c('started_at', 'time'),
      c('first_token_ms'),
      c('total_ms'),
      c('turns'),
      c('input_tokens'),
      c('output_tokens'),
      c('tool_calls', 'jsonb'),
      c('error'),
      c('instance_id'),
      c('visitor'),
      c('cited_sources', 'jsonb'),
    ],
  },
  // The analytics rollup is copied as it is: the triggers that keep it are off during the copy (copy()).
  {
    name: 'analytics_hours',
    columns: [
      c('agent_id'),
      c('hour', 'time'),
      c('scope'),
      c('version'),
      c('runs'),
      c('errors'),
      c('input_tokens'),
      c('output_tokens'),
      c('conversations'),
      c('visitors'),
      c('feedback_up'),
      c('feedback_down'),
    ],
  },
  { name: 'analytics_latency_bins', columns: [c('agent_id'), c('hour', 'time'), c('metric'), c('bin'), c('runs')] },
  { name: 'analytics_uses', columns: [c('agent_id'), c('hour', 'time'), c('kind'), c('name'), c('uses'), c('errors')] },
  { name: 'analytics_seen', columns: [c('agent_id'), c('key'), c('conversation', 'bool'), c('visitor', 'bool')] },
  { name: 'analytics_refusals', columns: [c('agent_id'), c('hour', 'time'), c('refusals')] },
  {
    name: 'links',
    columns: [
      c('id'),
      c('agent_id'),
      c('name'),
      c('token_hash'),
      c('expires_at', 'time'),
      c('password_hash'),
      c('enabled', 'bool'),
      c('quota_per_visitor'),
      c('quota_total'),
      c('used_total'),
      c('allowed_origins', 'jsonb'),
      c('created_at', 'time'),
      c('updated_at', 'time'),
    ],
  },
  { name: 'link_visitor_usage', columns: [c('link_id'), c('visitor'), c('day', 'date'), c('used')] },
  {
    name: 'api_keys',
    columns: [c('id'), c('agent_id'), c('name'), c('secret_hash'), c('created_at', 'time'), c('refreshed_at', 'time'), c('last_used_at', 'time')],
  },
  {
    name: 'owner_keys',
    columns: [c('id'), c('name'), c('role'), c('agent_ids', 'jsonb'), c('secret_hash'), c('created_at', 'time'), c('last_used_at', 'time')],
  },
  {
    name: 'console_sessions',
    columns: [c('id_hash'), c('kind'), c('owner_key_id'), c('admin_ref'), c('csrf_token'), c('created_at', 'time'), c('expires_at', 'time')],
  },
  {
    name: 'files',
    columns: [
      c('id'),
      c('agent_id'),
      c('scope'),
      c('session_id'),
      c('kind'),
      c('filename'),
      c('content_type'),
      c('size'),
      c('data', 'bytea'),
      c('trace_id'),
      c('created_at', 'time'),
    ],
  },
  { name: 'unused_attachments', columns: [c('file_id'), c('created_at', 'time')] },
  { name: 'attachment_days', columns: [c('agent_id'), c('day', 'date'), c('bytes')] },
  {
    name: 'knowledge_sources',
    columns: [
      c('id'),
      c('agent_id'),
      c('kind'),
      c('title'),
      c('origin'),
      c('content_type'),
      c('data', 'bytea'),
      c('options', 'jsonb'),
      c('status'),
      c('error'),
      c('pages_done'),
      c('pages_total'),
      c('skipped_pages', 'jsonb'),
      c('import_lease_until', 'time'),
      c('in_draft', 'bool'),
      c('created_at', 'time'),
      c('updated_at', 'time'),
    ],
  },
  // PostgreSQL computes its `search` column from these (GENERATED), as SQLite's triggers fill knowledge_fts.
  {
    name: 'knowledge_chunks',
    identity: 'id',
    columns: [c('id'), c('agent_id'), c('hash'), c('title'), c('heading_path', 'jsonb'), c('url'), c('text'), c('embedding', 'bytea'), c('embedding_model')],
    // A host's claim on chunks it is embedding (postgres/knowledge.ts): a copy has none.
    targetOnly: ['embedding_claimed_until'],
  },
  { name: 'knowledge_refs', columns: [c('agent_id'), c('version'), c('source_id'), c('ordinal'), c('chunk_id')] },
]

/** Rows per INSERT, and the bytes of file data per INSERT. */
const BATCH_ROWS = 500
const BATCH_BYTES = 16 * 1024 * 1024

const CAST: Record<Kind, string> = {
  plain: '',
  bool: '::boolean',
  time: '::text::timestamptz',
  date: '::text::date',
  json: '::text::json',
  jsonb: '::text::jsonb',
  bytea: '::bytea',
}

export type MigrateStoreOptions = {
  /** The SQLite file. */
  from: string
  /** The PostgreSQL URL. */
  to: string
  /** Progress lines (never the password). */
  log?: (line: string) => void
}

export type MigrateStoreResult = { tables: { name: string; rows: number }[] }

/** Copies the SQLite file `from` into the empty PostgreSQL database `to`; throws MigrateStoreError on a refusal. */
export async function migrateStore(options: MigrateStoreOptions): Promise<MigrateStoreResult> {
  const log = options.log ?? (() => {})
  const target = maskPassword(options.to)
  const source = openSource(options.from)
  try {
    const sql = createPool(options.to, { max: 1 })
    try {
      try {
        await checkReachable(sql, options.to)
      } catch (error) {
        const reason = scrubPassword(options.to, error instanceof Error ? error.message : String(error))
        throw new MigrateStoreError(`cannot reach the PostgreSQL database at ${target}: ${reason}`)
      }
      await checkSourceColumns(source)
      // Refuse before migrating, so a database that holds another Porch's data is left as it was.
      const before = await tablesWithRows(sql)
      if (before.length > 0) throw notEmpty(target, before)
      log(`Copying ${options.from} (SQLite schema ${latestSchemaVersion()}) into ${target}`)
      const applied = await migrate(sql)
      if (applied.length > 0) log(`Applied the PostgreSQL migrations ${applied.join(', ')}`)
      await checkTargetColumns(sql)
      const tables = await copy(source, sql, target)
      await sql.unsafe(`ANALYZE ${TABLES.map((t) => t.name).join(', ')}`)
      const width = Math.max(...tables.map((t) => t.name.length))
      for (const table of tables) log(`  ${table.name.padEnd(width)}  ${String(table.rows).padStart(8)} rows`)
      log(`Done: ${tables.reduce((sum, t) => sum + t.rows, 0)} rows in ${tables.length} tables copied and counted.`)
      return { tables }
    } finally {
      await sql.end({ timeout: 5 })
    }
  } catch (error) {
    if (error instanceof MigrateStoreError) throw error
    throw new Error(scrubPassword(options.to, error instanceof Error ? error.message : String(error)), { cause: error })
  } finally {
    source.close()
  }
}

function openSource(path: string): Database.Database {
  if (!existsSync(path)) throw new MigrateStoreError(`no SQLite database at ${path}`)
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw new MigrateStoreError(`cannot open ${path} as a SQLite database: ${error instanceof Error ? error.message : String(error)}`)
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number
    const latest = latestSchemaVersion()
    if (version === 0) throw new MigrateStoreError(`${path} is not a Porch database (its schema version is 0)`)
    if (version < latest) {
      throw new MigrateStoreError(
        `${path} has schema version ${version}, and this Porch copies version ${latest}: start this Porch on it once (PORCH_DB=${path}; it migrates at start), stop it, then run the copy again`,
      )
    }
    if (version > latest)
      throw new MigrateStoreError(`${path} has schema version ${version}, newer than this Porch's ${latest}: run the copy with the Porch that wrote it`)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

async function checkSourceColumns(db: Database.Database) {
  for (const table of TABLES) {
    const names = (db.pragma(`table_info(${table.name})`) as { name: string }[]).map((row) => row.name)
    const known = table.columns.filter((column) => !column.from).map((column) => column.name)
    if (names.length === 0) throw new MigrateStoreError(`the SQLite database has no table ${table.name}`)
    const unknown = names.filter((name) => !known.includes(name))
    const missing = known.filter((name) => !names.includes(name))
    if (unknown.length + missing.length > 0) {
      throw new MigrateStoreError(`the SQLite table ${table.name} does not have the columns this copy knows (${[...unknown, ...missing].join(', ')})`)
    }
  }
}

async function checkTargetColumns(sql: Sql) {
  for (const table of TABLES) {
    const rows = await sql.unsafe<{ column_name: string }[]>(
      // Generated columns are computed by PostgreSQL, never copied.
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'`,
      [table.name],
    )
    const names = rows.map((row) => row.column_name).filter((name) => !table.targetOnly?.includes(name))
    const known = table.columns.map((column) => column.name)
    const differing = [...names.filter((name) => !known.includes(name)), ...known.filter((name) => !names.includes(name))]
    if (differing.length > 0)
      throw new MigrateStoreError(`the PostgreSQL table ${table.name} does not have the columns this copy knows (${differing.join(', ')})`)
  }
}

/** The Porch tables of the target that hold any row (tables not created yet hold none). */
async function tablesWithRows(sql: Pick<Sql, 'unsafe'>): Promise<string[]> {
  const found: string[] = []
  for (const table of TABLES) {
    const [exists] = await sql.unsafe<{ present: boolean }[]>('SELECT to_regclass($1) IS NOT NULL AS present', [table.name])
    if (!exists?.present) continue
    const [row] = await sql.unsafe<{ any: boolean }[]>(`SELECT EXISTS (SELECT 1 FROM ${table.name}) AS any`)
    if (row?.any) found.push(table.name)
  }
  return found
}

const notEmpty = (target: string, tables: string[]) =>
  new MigrateStoreError(
    `the PostgreSQL database at ${target} already holds Porch data (rows in ${tables.join(', ')}): nothing was copied. Copy into a new, empty database`,
  )

async function copy(source: Database.Database, sql: Sql, target: string): Promise<{ name: string; rows: number }[]> {
  // One read transaction: every table is read from the same snapshot of the file.
  source.exec('BEGIN')
  try {
    return (await sql.begin(async (tx) => {
      await tx.unsafe(`LOCK TABLE ${TABLES.map((t) => t.name).join(', ')} IN EXCLUSIVE MODE`)
      const present = await tablesWithRows(tx)
      if (present.length > 0) throw notEmpty(target, present)
      // The rollup arrives copied: counting the copied traces again would double it.
      await tx.unsafe('ALTER TABLE traces DISABLE TRIGGER analytics_count_inserted')
      await tx.unsafe('ALTER TABLE feedback DISABLE TRIGGER analytics_count_rating')
      const counts: { name: string; rows: number }[] = []
      for (const table of TABLES) {
        const expected = (source.prepare(`SELECT COUNT(*) AS n FROM ${table.name}`).get() as { n: number }).n
        await copyTable(source, tx, table)
        if (table.identity) {
          await tx.unsafe(
            `SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'), COALESCE(MAX(${table.identity}), 0) + 1, false) FROM ${table.name}`,
          )
        }
        const [row] = await tx.unsafe<{ n: number }[]>(`SELECT COUNT(*)::bigint AS n FROM ${table.name}`)
        const copied = Number(row?.n ?? -1)
        if (copied !== expected) {
          throw new MigrateStoreError(
            `${table.name}: ${expected} rows in the SQLite file, ${copied} in PostgreSQL after the copy: rolled back, nothing was written`,
          )
        }
        counts.push({ name: table.name, rows: copied })
      }
      await tx.unsafe('ALTER TABLE traces ENABLE TRIGGER analytics_count_inserted')
      await tx.unsafe('ALTER TABLE feedback ENABLE TRIGGER analytics_count_rating')
      return counts
    })) as { name: string; rows: number }[]
  } finally {
    source.exec('COMMIT')
  }
}

async function copyTable(source: Database.Database, tx: Pick<Sql, 'unsafe'>, table: Table) {
  const select = table.columns.map((column) => (column.from ? `${column.from} AS ${column.name}` : column.name)).join(', ')
  const order = tableHasRowid(source, table.name) ? ' ORDER BY rowid' : ''
  const statement = source.prepare(`SELECT ${select} FROM ${table.name}${order}`)
  const names = table.columns.map((column) => column.name).join(', ')
  const overriding = table.identity ? ' OVERRIDING SYSTEM VALUE' : ''
  let batch: unknown[][] = []
  let bytes = 0
  const flush = async () => {
    if (batch.length === 0) return
    const params: unknown[] = []
    const tuples = batch.map((values) => {
      const placeholders = values.map((value, i) => {
        params.push(value)
        return `$${params.length}${CAST[table.columns[i]?.kind ?? 'plain']}`
      })
      return `(${placeholders.join(', ')})`
    })
    await tx.unsafe(`INSERT INTO ${table.name} (${names})${overriding} VALUES ${tuples.join(', ')}`, params as never[])
    batch = []
    bytes = 0
  }
  // The SQLite connection runs nothing else while this iterator is open, so it may wait on PostgreSQL.
  for (const raw of statement.raw().iterate() as IterableIterator<unknown[]>) {
    const values = raw.map((value, i) => convert(value, table.columns[i]?.kind ?? 'plain'))
    batch.push(values)
    for (const value of values) if (Buffer.isBuffer(value)) bytes += value.length
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush()
  }
  await flush()
}

function tableHasRowid(source: Database.Database, name: string): boolean {
  const row = source.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) as { sql: string } | undefined
  return !/WITHOUT\s+ROWID/i.test(row?.sql ?? '')
}

function convert(value: unknown, kind: Kind): unknown {
  if (value === null || value === undefined) return null
  if (kind === 'bool') return value === 1 || value === 1n || value === true
  if (kind === 'bytea') return Buffer.isBuffer(value) ? value : Buffer.from(String(value))
  return value
}
