/** Visitors' ratings of assistant answers in PostgreSQL (migration 008): one row per rated message. */
import type { FeedbackRating, FeedbackRecord, FeedbackStore } from '../store.ts'
import type { Sql } from './connection.ts'
import { iso, query } from './rows.ts'

export type FeedbackRow = { seq: number; trace_id: string; rating: FeedbackRating; comment: string | null; created_at: Date; updated_at: Date }

export const toFeedback = (row: FeedbackRow): FeedbackRecord => ({
  seq: row.seq,
  traceId: row.trace_id,
  rating: row.rating,
  comment: row.comment,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
})

const SESSION_PK = 'SELECT pk FROM sessions WHERE agent_id = $1 AND scope = $2 AND id = $3'
const COLUMNS = 'seq, trace_id, rating, comment, created_at, updated_at'

// Only an assistant message of this session in this scope can be rated: the SELECT finds none otherwise.
const UPSERT = `INSERT INTO feedback (session_pk, seq, agent_id, trace_id, rating, comment, created_at, updated_at)
  SELECT m.session_pk, m.seq, $1, m.trace_id, $5, $6, now(), now()
    FROM messages m WHERE m.session_pk = (${SESSION_PK}) AND m.seq = $4 AND m.role = 'assistant'
  ON CONFLICT (session_pk, seq) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at
  RETURNING ${COLUMNS}`

// Deletes the rating and tells, in one statement, whether the answer exists at all.
const CLEAR = `WITH answer AS (SELECT session_pk, seq FROM messages WHERE session_pk = (${SESSION_PK}) AND seq = $4 AND role = 'assistant'),
  gone AS (DELETE FROM feedback f USING answer a WHERE f.session_pk = a.session_pk AND f.seq = a.seq)
  SELECT count(*)::int AS answers FROM answer`

export function createFeedbackStore(sql: Sql): FeedbackStore {
  return {
    async setFeedback(key, seq, feedback) {
      const params = [key.agentId, key.scope, key.sessionId, seq]
      if (feedback === null) {
        const [row] = await query<{ answers: number }>(sql, CLEAR, params)
        return row?.answers ? { kind: 'cleared' } : { kind: 'no_answer' }
      }
      const [row] = await query<FeedbackRow>(sql, UPSERT, [...params, feedback.rating, feedback.comment])
      return row ? { kind: 'saved', feedback: toFeedback(row) } : { kind: 'no_answer' }
    },
    async listFeedback(key) {
      const rows = await query<FeedbackRow>(sql, `SELECT ${COLUMNS} FROM feedback WHERE session_pk = (${SESSION_PK}) ORDER BY seq`, [
        key.agentId,
        key.scope,
        key.sessionId,
      ])
      return rows.map(toFeedback)
    },
  }
}
