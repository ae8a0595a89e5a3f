/** The conversation half of the SQLite store: sessions, their messages, and run traces. */
import { citedSources } from './analytics.ts'
import type { Db } from './db.ts'
import { fromStoredContent, storableJson, storableText, storedContent } from './message-json.ts'
import { createWatchQueries } from './sqlite-watch.ts'
import type { ContextSummary, FinishedRun, InterruptSweep, SessionKey, SessionRecord, SessionStore, StoredMessage, TraceStart } from './store.ts'

type SessionRow = {
  pk: number
  agent_id: string
  scope: string
  id: string
  created_at: string
  updated_at: string
  user_id: string | null
  user_name: string | null
}

type MessageRow = { seq: number; role: 'user' | 'assistant'; content: string; status: StoredMessage['status']; trace_id: string; created_at: string }

type InstanceRow = { id: string; machine: string; pid: number; started_at: string; last_seen: string }

type SummaryRow = { through_seq: number; summary: string; tokens_before: number; created_at: string }

const toSummary = (row: SummaryRow): ContextSummary => ({
  throughSeq: row.through_seq,
  summary: row.summary,
  tokensBefore: row.tokens_before,
  createdAt: row.created_at,
})

const toMessage = (row: MessageRow): StoredMessage => ({
  seq: row.seq,
  role: row.role,
  ...fromStoredContent(JSON.parse(row.content)),
  status: row.status,
  traceId: row.trace_id,
  created_at: row.created_at,
})

const now = () => new Date().toISOString()

const toSession = (row: SessionRow): SessionRecord => ({
  agentId: row.agent_id,
  scope: row.scope,
  sessionId: row.id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  user: sessionUser(row),
})

/** The verified user of a session row, null for an anonymous one. */
export const sessionUser = (row: { user_id: string | null; user_name: string | null }) =>
  row.user_id === null ? null : { id: row.user_id, name: row.user_name }

/** The sessions store, and a way to write what it holds back (finished runs, starts) before the database closes. */
export function createSessionStore(db: Db): SessionStore & { flushPendingWrites(): void } {
  const sql = {
    getSession: db.prepare<[string, string, string], SessionRow>('SELECT * FROM sessions WHERE agent_id = ? AND scope = ? AND id = ?'),
    // Creates or touches the session and takes `count` message numbers from its counter, in one
    // statement: the returned last_seq is the number of the run's last message.
    appendToSession: db.prepare<[string, string, string, string, string, number, string | null, string | null], { pk: number; last_seq: number }>(
      `INSERT INTO sessions (agent_id, scope, id, created_at, updated_at, last_seq, user_id, user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (agent_id, scope, id) DO UPDATE SET updated_at = excluded.updated_at, last_seq = last_seq + excluded.last_seq
       RETURNING pk, last_seq`,
    ),
    getMessages: db.prepare<[number], MessageRow>('SELECT seq, role, content, status, trace_id, created_at FROM messages WHERE session_pk = ? ORDER BY seq'),
    getMessagesAfter: db.prepare<[number, number], MessageRow>(
      'SELECT seq, role, content, status, trace_id, created_at FROM messages WHERE session_pk = ? AND seq > ? ORDER BY seq',
    ),
    latestSummary: db.prepare<[number], SummaryRow>('SELECT * FROM context_summaries WHERE session_pk = ? ORDER BY through_seq DESC LIMIT 1'),
    listSummaries: db.prepare<[number], SummaryRow>('SELECT * FROM context_summaries WHERE session_pk = ? ORDER BY through_seq'),
    insertSummary: db.prepare(
      `INSERT OR REPLACE INTO context_summaries (session_pk, through_seq, summary, tokens_before, created_at)
       VALUES (@session_pk, @through_seq, @summary, @tokens_before, @created_at)`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at)
       VALUES (@session_pk, @seq, @role, @content, @status, @trace_id, @created_at)`,
    ),
    dropMessagesFrom: db.prepare<[number, number]>('DELETE FROM messages WHERE session_pk = ? AND seq >= ?'),
    dropSummariesFrom: db.prepare<[number, number]>('DELETE FROM context_summaries WHERE session_pk = ? AND through_seq >= ?'),
    rewindSession: db.prepare<[number, number, number]>('UPDATE sessions SET last_seq = ? - 1 WHERE pk = ? AND last_seq >= ?'),

    insertTrace: db.prepare(
      `INSERT INTO traces (trace_id, instance_id, agent_id, version, session_id, scope, request_id, status, started_at, visitor)
       VALUES (@traceId, @instanceId, @agentId, @version, @sessionId, @scope, @requestId, 'running', @startedAt, @visitor)`,
    ),
    insertFinishedTrace: db.prepare(
      `INSERT INTO traces (trace_id, instance_id, agent_id, version, session_id, scope, request_id, status, started_at,
         first_token_ms, total_ms, turns, input_tokens, output_tokens, tool_calls, error, visitor, cited_sources)
       VALUES (@traceId, @instanceId, @agentId, @version, @sessionId, @scope, @requestId, @status, @startedAt,
         @firstTokenMs, @totalMs, @turns, @inputTokens, @outputTokens, @toolCalls, @error, @visitor, @citedSources)`,
    ),
    finishTrace: db.prepare(
      `UPDATE traces SET status = @status, first_token_ms = @firstTokenMs, total_ms = @totalMs, turns = @turns,
         input_tokens = @inputTokens, output_tokens = @outputTokens, tool_calls = @toolCalls, error = @error, cited_sources = @citedSources
       WHERE trace_id = @traceId`,
    ),

    touchInstance: db.prepare(
      `INSERT INTO host_instances (id, machine, pid, started_at, last_seen) VALUES (@id, @machine, @pid, @now, @now)
       ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`,
    ),
    listInstances: db.prepare<[], InstanceRow>('SELECT * FROM host_instances ORDER BY started_at, id'),
    endInstance: db.prepare<[string]>('DELETE FROM host_instances WHERE id = ?'),
    forgetDeadInstances: db.prepare<[string, string]>('DELETE FROM host_instances WHERE last_seen < ? OR id IN (SELECT value FROM json_each(?))'),
    // Running traces whose host is not (or no longer) among the instances: walks traces_running.
    markInterrupted: db.prepare(
      `UPDATE traces SET status = 'interrupted', error = 'the host stopped during this run'
       WHERE status = 'running' AND (instance_id IS NULL OR instance_id NOT IN (SELECT id FROM host_instances))`,
    ),
  }

  /*
   * A trace's `running` row waits for the end of the current turn of the event loop. A run that
   * is over by then (an instant model) is written once, finished, in finishRun's transaction; a
   * longer one gets its row in one transaction with the other starts of that moment, so a crash
   * still leaves it behind to be marked interrupted. Either way a chat costs one commit less.
   */
  const pendingStarts = new Map<string, TraceStart>()
  const startRow = (trace: TraceStart) => ({ ...trace, visitor: trace.visitor ?? null })
  let flushScheduled = false
  const insertStarts = db.transaction((starts: TraceStart[]) => {
    for (const trace of starts) sql.insertTrace.run(startRow(trace))
  })
  const flushStarts = () => {
    flushScheduled = false
    if (pendingStarts.size === 0 || !db.open) return
    const starts = [...pendingStarts.values()]
    pendingStarts.clear()
    try {
      insertStarts(starts)
    } catch {
      // One bad row (its agent deleted meanwhile) must not cost the others theirs.
      for (const trace of starts) {
        try {
          sql.insertTrace.run(startRow(trace))
        } catch {
          // That run's finishRun fails too, and reports it.
        }
      }
    }
  }

  const writeFinishedRun = (run: FinishedRun) => {
    const at = now()
    const { agentId, scope, sessionId } = run.session
    const session = sql.appendToSession.get(agentId, scope, sessionId, at, at, run.messages.length, run.user?.id ?? null, run.user?.name ?? null)!
    let seq = session.last_seq - run.messages.length
    for (const message of run.messages) {
      seq += 1
      sql.insertMessage.run({
        session_pk: session.pk,
        seq,
        role: message.role,
        content: storableJson(storedContent(message)),
        status: message.status,
        trace_id: run.traceId,
        created_at: at,
      })
    }
    const o = run.outcome
    const start = pendingStarts.get(run.traceId)
    ;(start ? sql.insertFinishedTrace : sql.finishTrace).run({
      ...(start && startRow(start)),
      traceId: run.traceId,
      status: o.status,
      firstTokenMs: o.firstTokenMs,
      totalMs: o.totalMs,
      turns: o.turns,
      inputTokens: o.inputTokens,
      outputTokens: o.outputTokens,
      toolCalls: JSON.stringify(o.toolCalls),
      error: storableText(o.error),
      citedSources: JSON.stringify(citedSources(run)),
    })
  }

  /*
   * Group commit: the runs that finish in one turn of the event loop are written in one
   * transaction at its end, so under load one commit (its WAL writes, about half of a sync chat's
   * store CPU) serves several chats. Each caller's promise settles once its run is committed. A
   * batch that fails is written again run by run, so one bad run (its agent deleted meanwhile)
   * fails alone.
   */
  const finishRunsTx = db.transaction((runs: FinishedRun[]) => {
    for (const run of runs) writeFinishedRun(run)
  })
  type PendingFinish = { run: FinishedRun; resolve(): void; reject(error: unknown): void }
  let pendingFinishes: PendingFinish[] = []
  const flushFinishes = () => {
    const batch = pendingFinishes
    if (batch.length === 0) return
    pendingFinishes = []
    const written = (finish: PendingFinish) => {
      // Only once written: a failed transaction leaves the start to be written as running.
      pendingStarts.delete(finish.run.traceId)
      finish.resolve()
    }
    try {
      // IMMEDIATE: the write lock is taken at BEGIN, so another process's write cannot turn this
      // transaction's first read stale (SQLITE_BUSY_SNAPSHOT); busy_timeout queues the two instead.
      finishRunsTx.immediate(batch.map((finish) => finish.run))
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error)
      for (const finish of batch) {
        try {
          finishRunsTx.immediate([finish.run])
        } catch (error) {
          finish.reject(error)
          continue
        }
        written(finish)
      }
      return
    }
    for (const finish of batch) written(finish)
  }

  const dropFromTx = db.transaction((key: SessionKey, fromSeq: number) => {
    const session = sql.getSession.get(key.agentId, key.scope, key.sessionId)
    if (!session) return 0
    const dropped = sql.dropMessagesFrom.run(session.pk, fromSeq).changes
    sql.dropSummariesFrom.run(session.pk, fromSeq)
    sql.rewindSession.run(fromSeq, session.pk, fromSeq)
    return dropped
  })

  const watch = createWatchQueries(db)

  const sweepTx = db.transaction((sweep: InterruptSweep) => {
    sql.forgetDeadInstances.run(sweep.leaseExpiredBefore, JSON.stringify(sweep.deadInstanceIds))
    return sql.markInterrupted.run().changes
  })

  return {
    async dropMessagesFrom(key, fromSeq) {
      return dropFromTx(key, fromSeq)
    },
    async getSession(key: SessionKey) {
      const row = sql.getSession.get(key.agentId, key.scope, key.sessionId)
      return row ? toSession(row) : null
    },
    async getMessages(key: SessionKey) {
      const session = sql.getSession.get(key.agentId, key.scope, key.sessionId)
      if (!session) return []
      return sql.getMessages.all(session.pk).map(toMessage)
    },
    async getModelContext(key: SessionKey) {
      const session = sql.getSession.get(key.agentId, key.scope, key.sessionId)
      if (!session) return { summary: null, messages: [] }
      // One read transaction, so a summary and the messages after it always match.
      return db.transaction(() => {
        const summary = sql.latestSummary.get(session.pk)
        return { summary: summary ? toSummary(summary) : null, messages: sql.getMessagesAfter.all(session.pk, summary?.through_seq ?? 0).map(toMessage) }
      })()
    },
    async saveContextSummary(key, summary) {
      const session = sql.getSession.get(key.agentId, key.scope, key.sessionId)
      if (!session) throw new Error('saveContextSummary: no such session')
      sql.insertSummary.run({
        session_pk: session.pk,
        through_seq: summary.throughSeq,
        summary: summary.summary,
        tokens_before: summary.tokensBefore,
        created_at: now(),
      })
    },
    async listContextSummaries(key) {
      const session = sql.getSession.get(key.agentId, key.scope, key.sessionId)
      return session ? sql.listSummaries.all(session.pk).map(toSummary) : []
    },
    async getSessionSummary(key) {
      flushStarts()
      return watch.summary(key)
    },
    async listSessions(agentId, query) {
      return watch.sessions(agentId, query)
    },
    async exportSessions(agentId, query) {
      flushStarts()
      return watch.exportPage(agentId, query)
    },

    async startTrace(trace: TraceStart) {
      pendingStarts.set(trace.traceId, trace)
      if (flushScheduled) return
      flushScheduled = true
      setImmediate(flushStarts)
    },
    finishRun(run) {
      return new Promise<void>((resolve, reject) => {
        if (pendingFinishes.push({ run, resolve, reject }) === 1) setImmediate(flushFinishes)
      })
    },
    flushPendingWrites() {
      flushFinishes()
      flushStarts()
    },
    async listTraces(query) {
      flushStarts()
      return watch.traces(query)
    },
    async listSessionTraces(key) {
      flushStarts()
      return watch.sessionTraces(key)
    },
    async markInterruptedTraces(sweep) {
      // This store's own deferred starts belong to a live instance: written first, they are seen.
      flushStarts()
      return sweepTx.immediate(sweep)
    },
    async touchInstance(instance) {
      sql.touchInstance.run({ ...instance, now: now() })
    },
    async listInstances() {
      return sql.listInstances.all().map((row) => ({ id: row.id, machine: row.machine, pid: row.pid, startedAt: row.started_at, lastSeen: row.last_seen }))
    },
    async endInstance(id) {
      flushStarts()
      sql.endInstance.run(id)
    },
  }
}
