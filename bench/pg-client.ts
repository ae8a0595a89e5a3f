/**
 * `npx tsx bench/pg-client.ts`: node-postgres (`pg`) against porsager's `postgres`, on a
 * throwaway local server (host/testing/postgres-server.ts), in one run. Per library, one
 * connection, one call after the other, N times each:
 *
 * - `row`: a prepared single-row INSERT, then a prepared SELECT of that row (two round trips);
 * - `tx`: a transaction of three statements (INSERT, UPDATE, SELECT) between BEGIN and COMMIT;
 * - `row ×16`: the `row` pair with 16 callers at once on a pool of 8 connections (throughput).
 *
 * The libraries take turns (pg, postgres, pg, postgres) so a noisy neighbour hurts both alike;
 * the best of the two rounds is kept. `--n=2000` sets N.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import postgres from 'postgres'
import { createDatabase, launchPostgres } from '../host/testing/postgres-server.ts'
import { describeMachine } from './machine.ts'
import { median, percentile, round } from './stats.ts'

const N = Number(process.argv.find((arg) => arg.startsWith('--n='))?.slice(4) ?? 2000)
const CONCURRENT = 16
const POOL = 8

type Client = {
  name: string
  row(id: string): Promise<void>
  tx(id: string): Promise<void>
  end(): Promise<void>
}

const SCHEMA = 'CREATE TABLE items (id text PRIMARY KEY, body jsonb NOT NULL, n integer NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())'
const INSERT = 'INSERT INTO items (id, body) VALUES ($1, $2)'
const SELECT = 'SELECT id, body, n, created_at FROM items WHERE id = $1'
const UPDATE = 'UPDATE items SET n = n + 1 WHERE id = $1'
const body = { role: 'user', content: [{ type: 'text', text: 'What time is it in Lisbon?' }] }

function nodePostgres(url: string, max: number): Client {
  const pool = new pg.Pool({ connectionString: url, max })
  return {
    name: 'pg',
    async row(id) {
      await pool.query({ name: 'insert', text: INSERT, values: [id, body] })
      const { rows } = await pool.query({ name: 'select', text: SELECT, values: [id] })
      if (rows.length !== 1) throw new Error('row missing')
    },
    async tx(id) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        await client.query({ name: 'insert', text: INSERT, values: [id, body] })
        await client.query({ name: 'update', text: UPDATE, values: [id] })
        const { rows } = await client.query({ name: 'select', text: SELECT, values: [id] })
        await client.query('COMMIT')
        if (rows[0]?.n !== 1) throw new Error('update missing')
      } catch (error) {
        await client.query('ROLLBACK')
        throw error
      } finally {
        client.release()
      }
    },
    end: () => pool.end(),
  }
}

function porsager(url: string, max: number): Client {
  const sql = postgres(url, { max, onnotice: () => {} })
  return {
    name: 'postgres',
    async row(id) {
      await sql.unsafe(INSERT, [id, sql.json(body)], { prepare: true })
      const rows = await sql.unsafe(SELECT, [id], { prepare: true })
      if (rows.length !== 1) throw new Error('row missing')
    },
    async tx(id) {
      const rows = await sql.begin(async (tx) => {
        await tx.unsafe(INSERT, [id, sql.json(body)], { prepare: true })
        await tx.unsafe(UPDATE, [id], { prepare: true })
        return tx.unsafe(SELECT, [id], { prepare: true })
      })
      if (rows[0]?.n !== 1) throw new Error('update missing')
    },
    end: () => sql.end(),
  }
}

type Timing = { medianUs: number; p99Us: number; perSecond: number }

async function sequential(run: (id: string) => Promise<void>): Promise<Timing> {
  for (let i = 0; i < 200; i++) await run(randomUUID()) // warm-up: JIT, prepared statements
  const samples: number[] = []
  const started = performance.now()
  for (let i = 0; i < N; i++) {
    const t = performance.now()
    await run(randomUUID())
    samples.push(performance.now() - t)
  }
  const seconds = (performance.now() - started) / 1000
  return { medianUs: round(median(samples) * 1000, 0), p99Us: round(percentile(samples, 99) * 1000, 0), perSecond: round(N / seconds, 0) }
}

async function concurrent(run: (id: string) => Promise<void>): Promise<number> {
  let left = N
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (left-- > 0) await run(randomUUID())
    }),
  )
  return round(N / ((performance.now() - started) / 1000), 0)
}

const launched = await launchPostgres()
try {
  await launched.ready
  const results = new Map<string, { row: Timing; tx: Timing; parallel: number }[]>()
  for (let round = 0; round < 2; round++) {
    for (const make of [nodePostgres, porsager]) {
      const url = await createDatabase(launched.server, `bench_${make.name}_${round}`)
      const setup = postgres(url, { max: 1, onnotice: () => {} })
      await setup.unsafe(SCHEMA)
      await setup.end()
      const single = make(url, 1)
      const row = await sequential(single.row)
      const tx = await sequential(single.tx)
      await single.end()
      const pooled = make(url, POOL)
      await concurrent(pooled.row) // warm-up of every connection
      const parallel = await concurrent(pooled.row)
      await pooled.end()
      const name = single.name
      results.set(name, [...(results.get(name) ?? []), { row, tx, parallel }])
    }
  }
  console.log(`PostgreSQL clients — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${describeMachine()}; N = ${N}, best of 2 rounds`)
  console.log('| library | row: median / p99 µs, per s | tx (3 statements): median / p99 µs, per s | row ×16 on 8 connections, per s |')
  console.log('|---|---|---|---|')
  for (const [name, rounds] of results) {
    const best = <K extends 'row' | 'tx'>(key: K) => rounds.map((r) => r[key]).sort((a, b) => a.medianUs - b.medianUs)[0]!
    const row = best('row')
    const tx = best('tx')
    const parallel = Math.max(...rounds.map((r) => r.parallel))
    console.log(`| ${name} | ${row.medianUs} / ${row.p99Us}, ${row.perSecond} | ${tx.medianUs} / ${tx.p99Us}, ${tx.perSecond} | ${parallel} |`)
  }
} finally {
  await launched.stop()
}
