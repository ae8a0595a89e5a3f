/**
 * Traces for the migrations that change how the analytics rollup is stored (SQLite 018,
 * PostgreSQL 011): some stored before the migration, some after, as raw rows, so a database
 * counted by the old triggers and converted can be compared with one counted by the new ones.
 * They cover what the conversion must keep: anonymous and signed-in visitors (a session signed in
 * first and anonymous later), failed runs, runs without a first token, tools, cited sources, two
 * agents and a run still running when the database is migrated.
 */
export type HistoryTrace = {
  traceId: string
  agentId: 'ag-1' | 'ag-2'
  sessionId: string
  scope: string
  visitor: string | null
  status: 'success' | 'error' | 'running'
  startedAt: string
  firstTokenMs: number | null
  totalMs: number | null
  toolCalls: string
  citedSources: string
}

const TOOL = JSON.stringify([{ tool_call_id: 'c', tool_name: 'current_time', turn: 1, is_error: false, duration_ms: 1 }])

const trace = (
  traceId: string,
  agentId: HistoryTrace['agentId'],
  sessionId: string,
  scope: string,
  visitor: string | null,
  status: HistoryTrace['status'],
  startedAt: string,
  firstTokenMs: number | null,
  totalMs: number | null,
  extra: { toolCalls?: string; citedSources?: string } = {},
): HistoryTrace => ({
  traceId,
  agentId,
  sessionId,
  scope,
  visitor,
  status,
  startedAt,
  firstTokenMs,
  totalMs,
  toolCalls: extra.toolCalls ?? '[]',
  citedSources: extra.citedSources ?? '[]',
})

/** Stored before the migration. */
export const TRACES_BEFORE: HistoryTrace[] = [
  trace('t1', 'ag-1', 's1', 'public', null, 'success', '2026-01-01T10:05:00.000Z', 100, 1000, { toolCalls: TOOL }),
  trace('t2', 'ag-1', 's1', 'public', null, 'error', '2026-01-01T10:40:00.000Z', null, 50),
  trace('t3', 'ag-1', 's2', 'public', 'user-1', 'success', '2026-01-01T11:00:00.000Z', 200, 2000, { citedSources: '["Prices"]' }),
  trace('t4', 'ag-1', 's2', 'public', null, 'success', '2026-01-01T11:30:00.000Z', 3, 30),
  trace('t5', 'ag-1', 's3', 'link:lnk_history', 'user-1', 'success', '2026-01-01T12:00:00.000Z', 0.5, 5),
  trace('t6', 'ag-2', 's1', 'public', null, 'success', '2026-01-01T10:10:00.000Z', 100, 1000),
  trace('t7', 'ag-1', 's4', 'public', null, 'running', '2026-01-01T12:10:00.000Z', null, null),
]

/** Stored after it: a returning anonymous conversation, a known and a new signed-in visitor. */
export const TRACES_AFTER: HistoryTrace[] = [
  trace('t8', 'ag-1', 's1', 'public', null, 'success', '2026-01-01T13:00:00.000Z', 150, 1500),
  trace('t9', 'ag-1', 's5', 'try', 'user-1', 'success', '2026-01-01T13:05:00.000Z', 150, 1500, { toolCalls: TOOL }),
  trace('t10', 'ag-1', 's6', 'public', 'user-2', 'success', '2026-01-01T13:06:00.000Z', 2 ** 10, 2 ** 11),
  trace('t11', 'ag-1', 's2', 'public', null, 'success', '2026-01-01T13:10:00.000Z', 100, 1000),
]

/** Finishes after the migration. */
export const FINISHED_AFTER = 't7'

/**
 * What the whole history counts to: conversations ag-1 s1, s2, s3, s4, s5, s6 and ag-2 s1;
 * visitors ag-1 s1, user-1, s2 (its anonymous run), s4, user-2 and ag-2 s1.
 */
export const HISTORY_TOTALS = { runs: 11, conversations: 7, visitors: 6 }
