/**
 * The session export: every session of an agent that the session list's filters select, whole
 * (messages and traces), newest first, as JSONL (one session a line) or CSV (one message a row).
 *
 * Streamed, so an export of any size holds about one page: the body is a pull stream, and the
 * next page is read from the store (`exportSessions`, keyset-paged by the listing's cursor) only
 * when the response asks for more bytes; @hono/node-server asks again only once the socket has
 * drained. A client that stops reading stops the reads; one that goes away cancels the stream.
 */
import { stringify } from 'csv-stringify/sync'
import { SESSION_EXPORT_CSV_COLUMNS, type SessionExportFormat } from '../../../shared/console.ts'
import type { SessionExportRecord, SessionQuery, Store, StoredMessage, TraceRecord } from '../../store/store.ts'
import { toMessageFeedback } from '../feedback.ts'
import { messageJson, sessionSummaryJson, traceJson } from './present.ts'

/** Sessions read per store call: a page of 200 short sessions is well under a megabyte. */
export const EXPORT_PAGE_SESSIONS = 200

export const EXPORT_CONTENT_TYPES: Record<SessionExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
}

/** The filters of one export: a `SessionQuery` without its paging. */
export type SessionExportFilter = Omit<SessionQuery, 'limit' | 'after' | 'before'>

/** A session as its JSONL line has it: the transcript's shape (messages, with their `feedback`, and traces as the owner API writes them). */
export function sessionExportLine(agentId: string, session: SessionExportRecord) {
  const feedbackOf = new Map(session.feedback.map((rating) => [rating.seq, toMessageFeedback(rating)]))
  return {
    ...sessionSummaryJson(session),
    agent_id: agentId,
    messages: session.messages.map((message) => ({ ...messageJson(message), ...(feedbackOf.has(message.seq) && { feedback: feedbackOf.get(message.seq) }) })),
    traces: session.traces.map(traceJson),
  }
}

type CsvColumn = (typeof SESSION_EXPORT_CSV_COLUMNS)[number]
type CsvRow = Record<CsvColumn, string | number | null>

const textOf = (message: StoredMessage) =>
  message.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n\n')

/**
 * A session's CSV rows: one per message, the message's trace beside it (a session without
 * messages: one row). A new column (feedback, say) is its name appended to
 * SESSION_EXPORT_CSV_COLUMNS, which makes the compiler ask for its value here; the JSONL lines
 * take every field `messageJson` gains with no change at all.
 */
export function sessionCsvRows(agentId: string, session: SessionExportRecord): CsvRow[] {
  const summary = sessionSummaryJson(session)
  const traces = new Map(session.traces.map((trace) => [trace.traceId, trace]))
  const ratings = new Map(session.feedback.map((rating) => [rating.seq, rating]))
  const sessionColumns = {
    agent_id: agentId,
    session_id: summary.session_id,
    scope: summary.scope,
    link_id: summary.link_id,
    session_created_at: summary.created_at,
    session_updated_at: summary.updated_at,
    user_id: session.user?.id ?? null,
    user_name: session.user?.name ?? null,
  }
  const row = (message?: StoredMessage, trace?: TraceRecord): CsvRow => ({
    ...sessionColumns,
    seq: message?.seq ?? null,
    role: message?.role ?? null,
    status: message?.status ?? null,
    created_at: message?.created_at ?? null,
    text: message ? textOf(message) : null,
    content_json: message ? JSON.stringify(messageJson(message).content) : null,
    trace_id: message?.traceId ?? null,
    version: trace?.version ?? null,
    trace_status: trace?.status ?? null,
    first_token_ms: trace?.firstTokenMs ?? null,
    total_ms: trace?.totalMs ?? null,
    input_tokens: trace?.inputTokens ?? null,
    output_tokens: trace?.outputTokens ?? null,
    error: trace?.error ?? null,
    // The person's name on a message written during a human takeover; empty for the agent's and the visitor's.
    author: message?.author?.name ?? null,
    feedback_rating: (message && ratings.get(message.seq)?.rating) ?? null,
    feedback_comment: (message && ratings.get(message.seq)?.comment) ?? null,
  })
  if (session.messages.length === 0) return [row()]
  return session.messages.map((message) => row(message, traces.get(message.traceId)))
}

/**
 * CSV that spreadsheet apps open as data: every field that starts with =, +, -, @, tab or CR gets
 * a leading `'` (csv-stringify's `escape_formulas`: no cell runs as a formula), fields with
 * commas, quotes or line breaks are quoted, lines end in CRLF (RFC 4180), and a byte-order mark
 * tells Excel the bytes are UTF-8.
 */
function csvChunk(rows: CsvRow[], first: boolean): string {
  return stringify(rows, {
    columns: [...SESSION_EXPORT_CSV_COLUMNS],
    header: first,
    bom: first,
    escape_formulas: true,
    record_delimiter: 'windows',
  })
}

function formatPage(format: SessionExportFormat, agentId: string, page: SessionExportRecord[], first: boolean): string {
  if (format === 'jsonl') return page.map((session) => `${JSON.stringify(sessionExportLine(agentId, session))}\n`).join('')
  return csvChunk(
    page.flatMap((session) => sessionCsvRows(agentId, session)),
    first,
  )
}

/**
 * The export's body. The first page is read before this returns, so a store that fails fails
 * the request (a 500 with the one error body) rather than a stream already under way.
 */
export async function sessionExportBody(
  store: Store,
  agentId: string,
  filter: SessionExportFilter,
  format: SessionExportFormat,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder()
  const read = (after?: string) => store.exportSessions(agentId, { ...filter, limit: EXPORT_PAGE_SESSIONS + 1, after })
  let rows: SessionExportRecord[] | null = await read()
  let first = true
  let cursor: string | undefined
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (rows === null) rows = await read(cursor)
        const page = rows.slice(0, EXPORT_PAGE_SESSIONS)
        const more = rows.length > EXPORT_PAGE_SESSIONS
        const text = formatPage(format, agentId, page, first)
        first = false
        cursor = page.at(-1)?.cursor
        rows = null
        // An empty CSV export still has its header; an empty JSONL export is empty.
        if (text !== '') controller.enqueue(encoder.encode(text))
        if (!more) controller.close()
      },
    },
    // Nothing read ahead: a page is read when the response pulls.
    { highWaterMark: 0 },
  )
}
