/**
 * Sessions, their messages and context summaries, and run traces in PostgreSQL, with the
 * owner's listings (keyset paging over (time DESC, pk DESC), one prepared statement per shape of
 * filters, on the indexes of migration 001).
 *
 * A cursor is the (time, pk) pair of a page's last row as base64url JSON; only this file reads it.
 *
 * A finished run is one statement, so one round trip and its own transaction (FINISH_RUN): the
 * session upsert takes the run's message numbers from the session's counter (`last_seq = last_seq
 * + n RETURNING`), which locks the session's row, so two runs of one session take turns; the
 * primary key (session_pk, seq) would refuse a collision regardless.
 *
 * Host instances (migration 002) hold a lease in `host_instances`; a trace carries the id of the
 * instance that runs it, and the sweep marks only the running traces of instances no longer there.
 */
import { CONSOLE } from '../../../shared/console.ts'
import type { ContentBlock } from '../../../shared/index.ts'
import { citedSources } from '../analytics.ts'
import { decodeCursor, encodeCursor } from '../cursor.ts'
import { groupBy } from '../group-by.ts'
import { fromStoredContent, storableJson, storableText, storedContent } from '../message-json.ts'
import type {
  ContextSummary,
  FinishedRun,
  HostInstance,
  ModelContext,
  PageWindow,
  SessionExportRecord,
  SessionKey,
  SessionQuery,
  SessionRecord,
  SessionStore,
  SessionSummaryRecord,
  StoredMessage,
  TraceQuery,
  TraceRecord,
  TraceStart,
} from '../store.ts'
import type { Sql } from './connection.ts'
import { type FeedbackRow, toFeedback } from './feedback.ts'
import { changed, type Db, iso, now, type Param, query } from './rows.ts'

type SessionRow = {
  pk: number
  agent_id: string
  scope: string
  id: string
  created_at: Date
  updated_at: Date
  user_id: string | null
  user_name: string | null
}
type SummaryRowPg = SessionRow & { message_count: number | null; preview: string | null; feedback_up: number; feedback_down: number }
type MessageRow = { seq: number; role: 'user' | 'assistant'; content: ContentBlock[]; status: StoredMessage['status']; trace_id: string; created_at: Date }
type ContextSummaryRow = { through_seq: number; summary: string; tokens_before: number; created_at: Date }
type TraceRow = {
  pk: number
  trace_id: string
  instance_id: string | null
  agent_id: string
  version: number
  session_id: string
  scope: string
  request_id: string
  status: TraceRecord['status']
  started_at: Date
  first_token_ms: number | null
  total_ms: number | null
  turns: number
  input_tokens: number
  output_tokens: number
  tool_calls: TraceRecord['toolCalls']
  error: string | null
}

/** Where a page ended: the row's sort time and its key. */

const toSession = (row: SessionRow): SessionRecord => ({
  agentId: row.agent_id,
  scope: row.scope,
  sessionId: row.id,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
  user: row.user_id === null ? null : { id: row.user_id, name: row.user_name },
})

const toSessionSummary = (row: SummaryRowPg): SessionSummaryRecord => ({
  ...toSession(row),
  cursor: encodeCursor({ at: iso(row.updated_at), pk: row.pk }),
  messageCount: row.message_count ?? 0,
  preview: row.preview ?? '',
  feedbackUp: row.feedback_up,
  feedbackDown: row.feedback_down,
})

const toMessage = (row: MessageRow): StoredMessage => ({
  seq: row.seq,
  role: row.role,
  ...fromStoredContent(row.content),
  status: row.status,
  traceId: row.trace_id,
  created_at: iso(row.created_at),
})

const toContextSummary = (row: ContextSummaryRow): ContextSummary => ({
  throughSeq: row.through_seq,
  summary: row.summary,
  tokensBefore: row.tokens_before,
  createdAt: iso(row.created_at),
})

const toTrace = (row: TraceRow): TraceRecord => ({
  traceId: row.trace_id,
  instanceId: row.instance_id,
  agentId: row.agent_id,
  version: row.version,
  sessionId: row.session_id,
  scope: row.scope,
  requestId: row.request_id,
  status: row.status,
  startedAt: iso(row.started_at),
  firstTokenMs: row.first_token_ms,
  totalMs: row.total_ms ?? 0,
  turns: row.turns,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  toolCalls: row.tool_calls,
  error: row.error,
  cursor: encodeCursor({ at: iso(row.started_at), pk: row.pk }),
})

const SESSION = 's.pk, s.agent_id, s.scope, s.id, s.created_at, s.updated_at, s.user_id, s.user_name'
/** The first message of a session is the visitor's; seq runs 1, 2, … so the counter is the count. */
const SUMMARY = `${SESSION},
  s.last_seq AS message_count,
  (SELECT left(m.content -> 0 ->> 'text', ${CONSOLE.previewChars}) FROM messages m WHERE m.session_pk = s.pk AND m.seq = 1) AS preview,
  (SELECT count(*)::int FROM feedback f WHERE f.session_pk = s.pk AND f.rating = 'up') AS feedback_up,
  (SELECT count(*)::int FROM feedback f WHERE f.session_pk = s.pk AND f.rating = 'down') AS feedback_down`
const MESSAGE = 'seq, role, content, status, trace_id, created_at'
const TRACE = `pk, trace_id, instance_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, turns,
  input_tokens, output_tokens, tool_calls, error`

/** One page of an agent's sessions, newest first (see `PageWindow`). */
function sessionPage(db: Db, agentId: string, q: SessionQuery): Promise<SummaryRowPg[]> {
  const params = new Params()
  const where = [`s.agent_id = ${params.add(agentId)}`]
  if (q.scope !== undefined) where.push(`s.scope = ${params.add(q.scope)}`)
  else if (q.excludeScope !== undefined) where.push(`s.scope <> ${params.add(q.excludeScope)}`)
  if (q.userId !== undefined) where.push(`s.user_id = ${params.add(q.userId)}`)
  if (q.feedback === 'any') where.push('EXISTS (SELECT 1 FROM feedback f WHERE f.session_pk = s.pk)')
  else if (q.feedback !== undefined) where.push(`EXISTS (SELECT 1 FROM feedback f WHERE f.session_pk = s.pk AND f.rating = ${params.add(q.feedback)})`)
  where.push(...windowClauses(q, params, 's.updated_at', 's.pk'))
  const text = `SELECT ${SUMMARY} FROM sessions s WHERE ${where.join(' AND ')} ORDER BY s.updated_at DESC, s.pk DESC LIMIT ${params.add(q.limit)}`
  return query<SummaryRowPg>(db, text, params.values)
}

/** Positional parameters for a query built from the filters present. */
class Params {
  readonly values: Param[] = []
  add(value: Param): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

function windowClauses(window: PageWindow, params: Params, time: string, pk: string): string[] {
  const clauses: string[] = []
  if (window.from !== undefined) clauses.push(`${time} >= ${params.add(window.from)}`)
  if (window.to !== undefined) clauses.push(`${time} < ${params.add(window.to)}`)
  if (window.before !== undefined) clauses.push(`${time} < ${params.add(window.before)}`)
  // A row value compares (time, pk) as a pair and still walks the index.
  if (window.after !== undefined) {
    const after = decodeCursor(window.after)
    clauses.push(`(${time}, ${pk}) < (${params.add(after.at)}::timestamptz, ${params.add(after.pk)}::bigint)`)
  }
  return clauses
}

type InstanceRow = { id: string; machine: string; pid: number; started_at: Date; last_seen: Date }

const toInstance = (row: InstanceRow): HostInstance => ({
  id: row.id,
  machine: row.machine,
  pid: row.pid,
  startedAt: iso(row.started_at),
  lastSeen: iso(row.last_seen),
})

/**
 * A finished run in one statement: data-modifying CTEs and the statement around them commit
 * together or not at all, as the transaction they replace did (BEGIN, three statements, COMMIT:
 * five round trips). Measured in BENCHMARKS.md: a sync chat's statements went from 8 to 4, and
 * finishRun alone, in-process, from 730–843 µs to 253–332 µs. The messages take their numbers
 * from what the session upsert returns; the trace is written whole when this process still
 * holds its start (`withStart`), else its `running` row is closed. $1–$7 are the session and
 * its messages, the trace's parameters follow (with its `visitor` last when the start is written here), then the verified user's id and name (from `$user`).
 */
const appendMessages = (user: number) => `WITH session AS (
    INSERT INTO sessions (agent_id, scope, id, created_at, updated_at, last_seq, user_id, user_name)
    VALUES ($1, $2, $3, $4, $4, $5::integer, $${user}::text, $${user + 1}::text)
    ON CONFLICT (agent_id, scope, id) DO UPDATE SET updated_at = excluded.updated_at, last_seq = sessions.last_seq + excluded.last_seq
    RETURNING pk, last_seq
  ), appended AS (
    INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at)
    SELECT session.pk, session.last_seq - $5::integer + m.n, m.value ->> 'role', m.value -> 'content', m.value ->> 'status', $6, $4
    FROM session, json_array_elements($7::text::json) WITH ORDINALITY AS m (value, n)
  )`

const FINISH_RUN = {
  withStart: `${appendMessages(25)}
    INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, started_at, instance_id,
      status, first_token_ms, total_ms, turns, input_tokens, output_tokens, tool_calls, error, cited_sources, visitor)
    VALUES ($6, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21::text::jsonb, $22, $23::text::jsonb, $24)
    ON CONFLICT (trace_id) DO UPDATE SET status = excluded.status, first_token_ms = excluded.first_token_ms, total_ms = excluded.total_ms,
      turns = excluded.turns, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, tool_calls = excluded.tool_calls,
      error = excluded.error, cited_sources = excluded.cited_sources`,
  startWritten: `${appendMessages(17)}
    UPDATE traces SET status = $8, first_token_ms = $9, total_ms = $10, turns = $11, input_tokens = $12, output_tokens = $13,
      tool_calls = $14::text::jsonb, error = $15, cited_sources = $16::text::jsonb WHERE trace_id = $6`,
}

const sessionPk = async (db: Db, key: SessionKey): Promise<number | null> => {
  const [row] = await query<{ pk: number }>(db, 'SELECT pk FROM sessions WHERE agent_id = $1 AND scope = $2 AND id = $3', [
    key.agentId,
    key.scope,
    key.sessionId,
  ])
  return row?.pk ?? null
}

export function createSessionStore(sql: Sql): SessionStore {
  /** Starts written by this process whose runs have not finished: finishRun can write the whole trace even if the start's row is missing. */
  const pendingStarts = new Map<string, TraceStart>()

  return {
    async getSession(key) {
      const [row] = await query<SessionRow>(sql, `SELECT ${SESSION} FROM sessions s WHERE s.agent_id = $1 AND s.scope = $2 AND s.id = $3`, [
        key.agentId,
        key.scope,
        key.sessionId,
      ])
      return row ? toSession(row) : null
    },
    async getMessages(key) {
      const rows = await query<MessageRow>(
        sql,
        `SELECT ${MESSAGE} FROM messages WHERE session_pk = (SELECT pk FROM sessions WHERE agent_id = $1 AND scope = $2 AND id = $3) ORDER BY seq`,
        [key.agentId, key.scope, key.sessionId],
      )
      return rows.map(toMessage)
    },
    async getModelContext(key): Promise<ModelContext> {
      // One statement, so one snapshot: a summary and the messages after it always match. A
      // row per message after the latest summary (or one row of nulls when there are none),
      // each carrying that summary; no row at all when the session does not exist.
      const rows = await query<
        { s_through_seq: number | null; s_summary: string; s_tokens_before: number; s_created_at: Date } & { [K in keyof MessageRow]: MessageRow[K] | null }
      >(
        sql,
        `SELECT c.through_seq AS s_through_seq, c.summary AS s_summary, c.tokens_before AS s_tokens_before, c.created_at AS s_created_at,
                m.seq, m.role, m.content, m.status, m.trace_id, m.created_at
         FROM sessions s
         LEFT JOIN LATERAL (SELECT * FROM context_summaries WHERE session_pk = s.pk ORDER BY through_seq DESC LIMIT 1) c ON true
         LEFT JOIN messages m ON m.session_pk = s.pk AND m.seq > COALESCE(c.through_seq, 0)
         WHERE s.agent_id = $1 AND s.scope = $2 AND s.id = $3
         ORDER BY m.seq`,
        [key.agentId, key.scope, key.sessionId],
      )
      const first = rows[0]
      const summary =
        first && first.s_through_seq !== null
          ? toContextSummary({
              through_seq: first.s_through_seq,
              summary: first.s_summary,
              tokens_before: first.s_tokens_before,
              created_at: first.s_created_at,
            })
          : null
      const messages = rows.filter((row): row is typeof row & MessageRow => row.seq !== null).map(toMessage)
      return { summary, messages }
    },
    async saveContextSummary(key, summary) {
      const pk = await sessionPk(sql, key)
      if (pk === null) throw new Error('saveContextSummary: no such session')
      await changed(
        sql,
        `INSERT INTO context_summaries (session_pk, through_seq, summary, tokens_before, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_pk, through_seq) DO UPDATE SET summary = excluded.summary, tokens_before = excluded.tokens_before, created_at = excluded.created_at`,
        [pk, summary.throughSeq, summary.summary, summary.tokensBefore, now()],
      )
    },
    async listContextSummaries(key) {
      const rows = await query<ContextSummaryRow>(
        sql,
        `SELECT c.through_seq, c.summary, c.tokens_before, c.created_at FROM context_summaries c JOIN sessions s ON s.pk = c.session_pk
         WHERE s.agent_id = $1 AND s.scope = $2 AND s.id = $3 ORDER BY c.through_seq`,
        [key.agentId, key.scope, key.sessionId],
      )
      return rows.map(toContextSummary)
    },
    async getSessionSummary(key) {
      const [row] = await query<SummaryRowPg>(sql, `SELECT ${SUMMARY} FROM sessions s WHERE s.agent_id = $1 AND s.scope = $2 AND s.id = $3`, [
        key.agentId,
        key.scope,
        key.sessionId,
      ])
      return row ? toSessionSummary(row) : null
    },
    async listSessions(agentId, q: SessionQuery) {
      return (await sessionPage(sql, agentId, q)).map(toSessionSummary)
    },
    async exportSessions(agentId, q: SessionQuery) {
      // One snapshot, so a page's messages and traces match its summaries.
      return (await sql.begin('isolation level repeatable read read only', async (tx) => {
        const rows = await sessionPage(tx, agentId, q)
        if (rows.length === 0) return []
        const messages = groupBy(
          await query<MessageRow & { session_pk: string }>(
            tx,
            `SELECT session_pk::text, ${MESSAGE} FROM messages WHERE session_pk IN (SELECT value::bigint FROM jsonb_array_elements_text($1::text::jsonb)) ORDER BY session_pk, seq`,
            [JSON.stringify(rows.map((row) => String(row.pk)))],
          ),
          (row) => row.session_pk,
        )
        // Session ids repeat across scopes: a trace belongs to the session of its scope too.
        const traces = groupBy(
          await query<TraceRow>(
            tx,
            `SELECT ${TRACE} FROM traces WHERE agent_id = $1 AND session_id IN (SELECT jsonb_array_elements_text($2::text::jsonb)) ORDER BY started_at, pk`,
            [agentId, JSON.stringify([...new Set(rows.map((row) => row.id))])],
          ),
          (row) => `${row.scope}\n${row.session_id}`,
        )
        const feedback = groupBy(
          await query<FeedbackRow & { session_pk: string }>(
            tx,
            `SELECT session_pk::text, seq, trace_id, rating, comment, created_at, updated_at FROM feedback
             WHERE session_pk IN (SELECT value::bigint FROM jsonb_array_elements_text($1::text::jsonb)) ORDER BY session_pk, seq`,
            [JSON.stringify(rows.map((row) => String(row.pk)))],
          ),
          (row) => row.session_pk,
        )
        return rows.map((row) => ({
          ...toSessionSummary(row),
          messages: (messages.get(String(row.pk)) ?? []).map(toMessage),
          traces: (traces.get(`${row.scope}\n${row.id}`) ?? []).map(toTrace),
          feedback: (feedback.get(String(row.pk)) ?? []).map(toFeedback),
        }))
      })) as SessionExportRecord[]
    },

    async startTrace(trace) {
      pendingStarts.set(trace.traceId, trace)
      await changed(
        sql,
        `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, instance_id, visitor)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9) ON CONFLICT (trace_id) DO NOTHING`,
        [trace.traceId, trace.agentId, trace.version, trace.sessionId, trace.scope, trace.requestId, trace.startedAt, trace.instanceId, trace.visitor ?? null],
      )
    },
    async finishRun(run: FinishedRun) {
      const start = pendingStarts.get(run.traceId)
      const { agentId, scope, sessionId } = run.session
      const messages = run.messages.map((m) => ({ role: m.role, content: storedContent(m), status: m.status }))
      const o = run.outcome
      const outcome: Param[] = [
        o.status,
        o.firstTokenMs,
        o.totalMs,
        o.turns,
        o.inputTokens,
        o.outputTokens,
        JSON.stringify(o.toolCalls),
        storableText(o.error),
        JSON.stringify(citedSources(run)),
      ]
      const appended: Param[] = [agentId, scope, sessionId, now(), messages.length, run.traceId, storableJson(messages)]
      const user: Param[] = [run.user?.id ?? null, run.user?.name ?? null]
      if (start) {
        await changed(sql, FINISH_RUN.withStart, [
          ...appended,
          start.agentId,
          start.version,
          start.sessionId,
          start.scope,
          start.requestId,
          start.startedAt,
          start.instanceId,
          ...outcome,
          start.visitor ?? null,
          ...user,
        ])
      } else {
        await changed(sql, FINISH_RUN.startWritten, [...appended, ...outcome, ...user])
      }
      // Only once written: a failed statement leaves the start to be written as running.
      pendingStarts.delete(run.traceId)
    },
    async dropMessagesFrom(key, fromSeq) {
      // The session's row is locked first, so a run finishing meanwhile appends after the rewind, never into it.
      return (await sql.begin(async (tx) => {
        const [session] = await query<{ pk: number }>(tx, 'SELECT pk FROM sessions WHERE agent_id = $1 AND scope = $2 AND id = $3 FOR UPDATE', [
          key.agentId,
          key.scope,
          key.sessionId,
        ])
        if (!session) return 0
        const dropped = await changed(tx, 'DELETE FROM messages WHERE session_pk = $1 AND seq >= $2', [session.pk, fromSeq])
        await changed(tx, 'DELETE FROM context_summaries WHERE session_pk = $1 AND through_seq >= $2', [session.pk, fromSeq])
        await changed(tx, 'UPDATE sessions SET last_seq = $2::integer - 1 WHERE pk = $1 AND last_seq >= $2', [session.pk, fromSeq])
        return dropped
      })) as number
    },
    async listTraces(q: TraceQuery) {
      const params = new Params()
      const where: string[] = []
      if (q.agentId !== undefined) where.push(`agent_id = ${params.add(q.agentId)}`)
      if (q.sessionId !== undefined) where.push(`session_id = ${params.add(q.sessionId)}`)
      if (q.scope !== undefined) where.push(`scope = ${params.add(q.scope)}`)
      if (q.status !== undefined) where.push(`status = ${params.add(q.status)}`)
      where.push(...windowClauses(q, params, 'started_at', 'pk'))
      const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
      const text = `SELECT ${TRACE} FROM traces ${filter} ORDER BY started_at DESC, pk DESC LIMIT ${params.add(q.limit)}`
      return (await query<TraceRow>(sql, text, params.values)).map(toTrace)
    },
    async listSessionTraces(key) {
      const rows = await query<TraceRow>(sql, `SELECT ${TRACE} FROM traces WHERE agent_id = $1 AND session_id = $2 AND scope = $3 ORDER BY started_at, pk`, [
        key.agentId,
        key.sessionId,
        key.scope,
      ])
      return rows.map(toTrace)
    },
    async touchInstance(instance) {
      const at = now()
      await changed(
        sql,
        `INSERT INTO host_instances (id, machine, pid, started_at, last_seen) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (id) DO UPDATE SET machine = excluded.machine, pid = excluded.pid, last_seen = excluded.last_seen`,
        [instance.id, instance.machine, instance.pid, at],
      )
    },
    async listInstances() {
      const rows = await query<InstanceRow>(sql, 'SELECT id, machine, pid, started_at, last_seen FROM host_instances ORDER BY started_at, id')
      return rows.map(toInstance)
    },
    async endInstance(id) {
      await changed(sql, 'DELETE FROM host_instances WHERE id = $1', [id])
    },
    async markInterruptedTraces(sweep) {
      // Forget the dead instances, then mark the running traces of every instance not registered:
      // another live host's runs go on.
      return sql.begin(async (tx) => {
        await changed(tx, 'DELETE FROM host_instances WHERE last_seen < $1 OR id IN (SELECT jsonb_array_elements_text($2::text::jsonb))', [
          sweep.leaseExpiredBefore,
          JSON.stringify(sweep.deadInstanceIds),
        ])
        return changed(
          tx,
          `UPDATE traces SET status = 'interrupted', error = 'the host stopped during this run'
           WHERE status = 'running' AND (instance_id IS NULL OR NOT EXISTS (SELECT 1 FROM host_instances h WHERE h.id = traces.instance_id))`,
        )
      })
    },
  }
}
