/**
 * What the owner watches: sessions and traces, listed newest first and paged by keyset over
 * (time DESC, rowid DESC), so the 1,000th page costs what the first does. A cursor is that
 * (time, rowid) pair of the page's last row, as base64url JSON; only this file reads it. Each query is built
 * from the filters present (an absent filter adds no `OR @x IS NULL` that would hide the index)
 * and prepared once per shape. Migration 004 adds the indexes these walk.
 */
import { CONSOLE } from '../../shared/console.ts'
import { decodeCursor, encodeCursor, type TimeKeyCursor } from './cursor.ts'
import type { Db } from './db.ts'
import { groupBy } from './group-by.ts'
import { fromStoredContent } from './message-json.ts'
import { type FeedbackRow, toFeedback } from './sqlite-feedback.ts'
import type { SessionExportRecord, SessionKey, SessionQuery, SessionSummaryRecord, StoredMessage, TraceQuery, TraceRecord } from './store.ts'

/** Where a SQLite page ended: the sort time and the row's key (sessions.pk, traces.rowid). */
export type SqliteCursor = TimeKeyCursor
/** A listing with its cursor read: what the SQL below is built from. */
export type SqliteSessionQuery = Omit<SessionQuery, 'after'> & { after?: SqliteCursor }
export type SqliteTraceQuery = Omit<TraceQuery, 'after'> & { after?: SqliteCursor }

const readCursor = <Q extends SessionQuery | TraceQuery>({ after, ...rest }: Q) => ({ ...rest, ...(after !== undefined && { after: decodeCursor(after) }) })

export type SessionSummaryRow = {
  pk: number
  agent_id: string
  scope: string
  id: string
  created_at: string
  updated_at: string
  user_id: string | null
  user_name: string | null
  message_count: number | null
  preview: string | null
  feedback_up: number
  feedback_down: number
}

export type TraceRow = {
  pk: number
  trace_id: string
  instance_id: string | null
  agent_id: string
  version: number
  session_id: string
  scope: string
  request_id: string
  status: TraceRecord['status']
  started_at: string
  first_token_ms: number | null
  total_ms: number | null
  turns: number
  input_tokens: number
  output_tokens: number
  tool_calls: string
  error: string | null
}

/** The first message of a session is the visitor's; seq runs 1, 2, … so MAX(seq) is the count. */
const SUMMARY_COLUMNS = `s.pk, s.agent_id, s.scope, s.id, s.created_at, s.updated_at, s.user_id, s.user_name,
  (SELECT MAX(m.seq) FROM messages m WHERE m.session_pk = s.pk) AS message_count,
  (SELECT substr(json_extract(m.content, '$[0].text'), 1, ${CONSOLE.previewChars}) FROM messages m WHERE m.session_pk = s.pk AND m.seq = 1) AS preview,
  (SELECT count(*) FROM feedback f WHERE f.session_pk = s.pk AND f.rating = 'up') AS feedback_up,
  (SELECT count(*) FROM feedback f WHERE f.session_pk = s.pk AND f.rating = 'down') AS feedback_down`

/** The SELECT for one page of an agent's sessions; parameters are named after SessionQuery. */
export function sessionListSql(query: Omit<SqliteSessionQuery, 'limit'>): string {
  const where = ['s.agent_id = @agentId']
  if (query.scope !== undefined) where.push('s.scope = @scope')
  else if (query.excludeScope !== undefined) where.push('s.scope != @excludeScope')
  if (query.userId !== undefined) where.push('s.user_id = @userId')
  // `any` is still passed as @feedback (the parameters are the query's fields), so the SQL names it.
  // The page still walks the agent's sessions newest first, probing each one's ratings by primary
  // key: with 100k sessions, 1 in 100 rated and 1 in 1,000 rated down, the first page took 0.9 ms
  // (any) and 11.5 ms p50 (down, ~51k sessions walked). Sparser filters would want a plan driven
  // from feedback_by_agent instead.
  if (query.feedback !== undefined) where.push(`EXISTS (SELECT 1 FROM feedback f WHERE f.session_pk = s.pk AND (@feedback = 'any' OR f.rating = @feedback))`)
  where.push(...windowClauses(query, 's.updated_at', 's.pk'))
  return `SELECT ${SUMMARY_COLUMNS} FROM sessions s WHERE ${where.join(' AND ')} ORDER BY s.updated_at DESC, s.pk DESC LIMIT @limit`
}

/** The SELECT for one page of traces; parameters are named after TraceQuery. */
export function traceListSql(query: Omit<SqliteTraceQuery, 'limit'>): string {
  const where: string[] = []
  if (query.agentId !== undefined) where.push('t.agent_id = @agentId')
  if (query.sessionId !== undefined) where.push('t.session_id = @sessionId')
  if (query.scope !== undefined) where.push('t.scope = @scope')
  if (query.status !== undefined) where.push('t.status = @status')
  where.push(...windowClauses(query, 't.started_at', 't.rowid'))
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  return `SELECT t.rowid AS pk, t.* FROM traces t ${filter} ORDER BY t.started_at DESC, t.rowid DESC LIMIT @limit`
}

function windowClauses(query: Omit<SqliteSessionQuery, 'limit'>, time: string, pk: string): string[] {
  const clauses: string[] = []
  if (query.from !== undefined) clauses.push(`${time} >= @from`)
  if (query.to !== undefined) clauses.push(`${time} < @to`)
  if (query.before !== undefined) clauses.push(`${time} < @before`)
  // A row value compares (time, pk) as a pair and still walks the index.
  if (query.after !== undefined) clauses.push(`(${time}, ${pk}) < (@afterAt, @afterPk)`)
  return clauses
}

/** Named parameters for the SQL above: only those its shape uses (better-sqlite3 rejects extras). */
function parameters(query: SqliteSessionQuery | SqliteTraceQuery, extra: Record<string, unknown>): Record<string, unknown> {
  const { after, ...rest } = query
  const params: Record<string, unknown> = { ...extra }
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) params[name] = value
  if (after) Object.assign(params, { afterAt: after.at, afterPk: after.pk })
  return params
}

export const toSessionSummary = (row: SessionSummaryRow): SessionSummaryRecord => ({
  cursor: encodeCursor({ at: row.updated_at, pk: row.pk }),
  agentId: row.agent_id,
  scope: row.scope,
  sessionId: row.id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  user: row.user_id === null ? null : { id: row.user_id, name: row.user_name },
  messageCount: row.message_count ?? 0,
  preview: row.preview ?? '',
  feedbackUp: row.feedback_up,
  feedbackDown: row.feedback_down,
})

export const toTrace = (row: TraceRow): TraceRecord => ({
  cursor: encodeCursor({ at: row.started_at, pk: row.pk }),
  traceId: row.trace_id,
  instanceId: row.instance_id,
  agentId: row.agent_id,
  version: row.version,
  sessionId: row.session_id,
  scope: row.scope,
  requestId: row.request_id,
  status: row.status,
  startedAt: row.started_at,
  firstTokenMs: row.first_token_ms,
  totalMs: row.total_ms ?? 0,
  turns: row.turns,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  toolCalls: JSON.parse(row.tool_calls),
  error: row.error,
})

type ExportMessageRow = {
  session_pk: number
  seq: number
  role: StoredMessage['role']
  content: string
  status: StoredMessage['status']
  trace_id: string
  created_at: string
}

export function createWatchQueries(db: Db) {
  const prepared = new Map<string, ReturnType<Db['prepare']>>()
  const statement = (sql: string) => {
    let found = prepared.get(sql)
    if (!found) prepared.set(sql, (found = db.prepare(sql)))
    return found
  }
  const summary = db.prepare<[string, string, string], SessionSummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM sessions s WHERE s.agent_id = ? AND s.scope = ? AND s.id = ?`,
  )
  const sessionTraces = db.prepare<[string, string, string], TraceRow>(
    'SELECT rowid AS pk, * FROM traces WHERE agent_id = ? AND session_id = ? AND scope = ? ORDER BY started_at, rowid',
  )

  // A page's sessions are named by a JSON array: one statement for any page size.
  const pageMessages = db.prepare<[string], ExportMessageRow>(
    'SELECT session_pk, seq, role, content, status, trace_id, created_at FROM messages WHERE session_pk IN (SELECT value FROM json_each(?)) ORDER BY session_pk, seq',
  )
  const pageTraces = db.prepare<[string, string], TraceRow>(
    'SELECT rowid AS pk, * FROM traces WHERE agent_id = ? AND session_id IN (SELECT value FROM json_each(?)) ORDER BY started_at, rowid',
  )
  const pageFeedback = db.prepare<[string], FeedbackRow & { session_pk: number }>(
    'SELECT session_pk, seq, trace_id, rating, comment, created_at, updated_at FROM feedback WHERE session_pk IN (SELECT value FROM json_each(?)) ORDER BY session_pk, seq',
  )
  // One read transaction, so a page's messages and traces match its summaries.
  const exportPage = db.transaction((agentId: string, query: SessionQuery): SessionExportRecord[] => {
    const read = readCursor(query)
    const rows = statement(sessionListSql(read)).all(parameters(read, { agentId })) as SessionSummaryRow[]
    if (rows.length === 0) return []
    const pks = JSON.stringify(rows.map((row) => row.pk))
    const messages = groupBy(pageMessages.all(pks), (row) => row.session_pk)
    const feedback = groupBy(pageFeedback.all(pks), (row) => row.session_pk)
    // Session ids repeat across scopes: a trace belongs to the session of its scope too.
    const traces = groupBy(pageTraces.all(agentId, JSON.stringify([...new Set(rows.map((row) => row.id))])), (row) => `${row.scope}\n${row.session_id}`)
    return rows.map((row) => ({
      ...toSessionSummary(row),
      messages: (messages.get(row.pk) ?? []).map((message) => ({
        seq: message.seq,
        role: message.role,
        ...fromStoredContent(JSON.parse(message.content)),
        status: message.status,
        traceId: message.trace_id,
        created_at: message.created_at,
      })),
      traces: (traces.get(`${row.scope}\n${row.id}`) ?? []).map(toTrace),
      feedback: (feedback.get(row.pk) ?? []).map(toFeedback),
    }))
  })

  return {
    exportPage,
    summary(key: SessionKey): SessionSummaryRecord | null {
      const row = summary.get(key.agentId, key.scope, key.sessionId)
      return row ? toSessionSummary(row) : null
    },
    sessions(agentId: string, query: SessionQuery): SessionSummaryRecord[] {
      const read = readCursor(query)
      const rows = statement(sessionListSql(read)).all(parameters(read, { agentId })) as SessionSummaryRow[]
      return rows.map(toSessionSummary)
    },
    traces(query: TraceQuery): TraceRecord[] {
      const read = readCursor(query)
      return (statement(traceListSql(read)).all(parameters(read, {})) as TraceRow[]).map(toTrace)
    },
    sessionTraces(key: SessionKey): TraceRecord[] {
      return sessionTraces.all(key.agentId, key.sessionId, key.scope).map(toTrace)
    },
  }
}
