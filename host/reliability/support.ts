/**
 * What the reliability tests share: a chat stream followed event by event (so a test can act
 * while it runs, and see exactly where it ended), raw HTTP on one socket, and a direct, read-only
 * look at the database (a SQLite file or a PostgreSQL database), as an operator would take it
 * after a crash or a shutdown: its integrity check and its raw rows, with no Store opened (a
 * Store migrates and writes on opening, which would hide what the crash left).
 */

import { request as httpRequest } from 'node:http'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import type { ContentBlock, StreamEvent } from '../../shared/index.ts'
import { parseSse } from '../testing/harness.ts'
import { createTestDatabase } from '../testing/postgres.ts'

/** A chat whose SSE stream is read as it arrives. */
export type LiveChat = {
  status: number | null
  events: StreamEvent[]
  /** The stream broke instead of ending (the host went away under it). */
  broken: boolean
  /** Settles when the stream has ended or broken. */
  closed: Promise<void>
  text(): string
  last<T extends StreamEvent['event_type']>(type: T): Extract<StreamEvent, { event_type: T }> | undefined
}

export function followChat(url: string, body: object, headers: Record<string, string> = {}): LiveChat {
  const chat: LiveChat = {
    status: null,
    events: [],
    broken: false,
    closed: Promise.resolve(),
    text: () => chat.events.map((event) => (event.event_type === 'text_delta' ? event.text : '')).join(''),
    last: (type) => chat.events.findLast((event) => event.event_type === type) as never,
  }
  chat.closed = (async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    chat.status = response.status
    if (response.status !== 200) return void (await response.text())
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      const end = buffer.lastIndexOf('\n\n')
      if (end === -1) continue
      for (const { data } of parseSse(buffer.slice(0, end + 2))) chat.events.push(data)
      buffer = buffer.slice(end + 2)
    }
  })().catch(() => {
    chat.broken = true
  })
  return chat
}

/** What one fresh connection gets for a GET: a status, or `refused` when nothing accepts it. */
export function probe(url: string): Promise<{ status: number; retryAfter: string | null } | 'refused'> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null }))
    })
    // A listener that closed refuses; one that closes while accepting may reset instead.
    req.on('error', () => resolve('refused'))
    req.end()
  })
}

/** An HTTP/1.1 exchange written by hand on one socket, for requests no client library would send. */
export type RawExchange = { socket: Socket; write(text: string): void; response: Promise<string> }

export function rawExchange(url: string, head: string): Promise<RawExchange> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      let text = ''
      const response = new Promise<string>((done) => {
        socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        socket.on('close', () => done(text))
        socket.on('error', () => {})
      })
      socket.write(head)
      resolve({ socket, write: (more) => socket.write(more), response })
    })
    socket.once('error', reject)
  })
}

/** The stores the reliability tests run on, each once in a normal `npm test`. */
export const STORES = ['sqlite', 'postgres'] as const
export type StoreKind = (typeof STORES)[number]

/** Where a test host keeps its data: the environment that selects it, and where to read it back. */
export type TestDatabase = { kind: StoreKind; env: { PORCH_DB: string; PORCH_DATABASE_URL?: string }; path: string; url: string | null }

/** A database of `kind` for a host: a SQLite file in `dir`, or a fresh database on the run's test PostgreSQL. */
export async function testDatabase(kind: StoreKind, dir: string): Promise<TestDatabase> {
  const path = join(dir, 'porch.db')
  if (kind === 'sqlite') return { kind, env: { PORCH_DB: path }, path, url: null }
  const url = await createTestDatabase()
  return { kind, env: { PORCH_DB: path, PORCH_DATABASE_URL: url }, path, url }
}

/** Content as stored (JSON text), created_at as text, so rows compare byte for byte on either store. */
export type MessageRow = {
  session_pk: number
  session_id: string
  scope: string
  seq: number
  role: string
  content: string
  status: string
  trace_id: string
  created_at: string
}
export type TraceRow = { trace_id: string; session_id: string; status: string; error: string | null }
export type Snapshot = { integrity: string; messages: MessageRow[]; traces: Map<string, TraceRow> }

const MESSAGES_SQL = `SELECT m.session_pk, s.id AS session_id, s.scope, m.seq, m.role, m.content, m.status, m.trace_id, m.created_at
  FROM messages m JOIN sessions s ON s.pk = m.session_pk ORDER BY m.session_pk, m.seq`
const TRACES_SQL = 'SELECT trace_id, session_id, status, error FROM traces'

/**
 * Reads the database directly, as a new process would after the host stopped (a string is a
 * SQLite file's path): its integrity
 * (`ok` or what is wrong), every message with its session, and every trace.
 *
 * SQLite: `PRAGMA integrity_check` on the file, opened read-only. PostgreSQL: amcheck, over
 * every table of the schema (`verify_heapam`, with their TOAST) and every B-tree index
 * (`bt_index_check`, with heapallindexed: each row is in each index); the test server's user is
 * a superuser, so the extension is created in the test database if needed.
 */
export async function inspectDatabase(database: TestDatabase | string): Promise<Snapshot> {
  const db = typeof database === 'string' ? { path: database, url: null } : database
  if (db.url === null) {
    const sqlite = new Database(db.path, { readonly: true, fileMustExist: true })
    try {
      const integrity = sqlite.pragma('integrity_check', { simple: true }) as string
      const messages = sqlite.prepare<[], MessageRow>(MESSAGES_SQL).all()
      const traces = new Map(
        sqlite
          .prepare<[], TraceRow>(TRACES_SQL)
          .all()
          .map((row) => [row.trace_id, row]),
      )
      return { integrity, messages, traces }
    } finally {
      sqlite.close()
    }
  }
  const sql = postgres(db.url, { max: 1, onnotice: () => {}, connection: { application_name: 'porch-test-inspect', TimeZone: 'UTC' } })
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS amcheck`
    const heap = await sql<{ relname: string; blkno: number; offnum: number; msg: string }[]>`
      SELECT c.relname, v.blkno, v.offnum, v.msg FROM pg_class c CROSS JOIN LATERAL verify_heapam(c.oid, check_toast => true) v
      WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace`
    const indexes = await sql<{ relname: string }[]>`
      SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace AND i.indisready AND i.indisvalid`
    const problems = heap.map((row) => `${row.relname} block ${row.blkno} item ${row.offnum}: ${row.msg}`)
    for (const { relname } of indexes) {
      try {
        await sql`SELECT bt_index_check(${relname}::regclass, true)`
      } catch (error) {
        problems.push(`${relname}: ${(error as Error).message}`)
      }
    }
    // An empty schema would check nothing: the store's tables must be there.
    if (indexes.length < 3) problems.push(`only ${indexes.length} B-tree indexes in schema ${(await sql`SELECT current_schema() AS s`)[0]!.s}`)
    // Cast to the types SQLite gives back: keys as numbers, content and times as stored text.
    const messages = await sql.unsafe<MessageRow[]>(
      `SELECT m.session_pk::float8 AS session_pk, s.id AS session_id, s.scope, m.seq, m.role, m.content::text AS content, m.status, m.trace_id,
         m.created_at::text AS created_at
       FROM messages m JOIN sessions s ON s.pk = m.session_pk ORDER BY m.session_pk, m.seq`,
    )
    const traces = new Map((await sql.unsafe<TraceRow[]>(TRACES_SQL)).map((row) => [row.trace_id, { ...row }]))
    return { integrity: problems.length === 0 ? 'ok' : problems.join('\n'), messages: messages.map((row) => ({ ...row })), traces }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

export const textOfContent = (json: string) => (JSON.parse(json) as ContentBlock[]).map((block) => (block.type === 'text' ? block.text : '')).join('')

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
