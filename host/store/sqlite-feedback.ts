/** Visitors' ratings of assistant answers in SQLite (migration 013): one row per rated message. */
import type { Db } from './db.ts'
import type { FeedbackRating, FeedbackRecord, FeedbackStore } from './store.ts'

export type FeedbackRow = { seq: number; trace_id: string; rating: FeedbackRating; comment: string | null; created_at: string; updated_at: string }

export const toFeedback = (row: FeedbackRow): FeedbackRecord => ({
  seq: row.seq,
  traceId: row.trace_id,
  rating: row.rating,
  comment: row.comment,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

const SESSION_PK = 'SELECT pk FROM sessions WHERE agent_id = @agentId AND scope = @scope AND id = @sessionId'

export function createFeedbackStore(db: Db): FeedbackStore {
  const sql = {
    // Only an assistant message of this session in this scope can be rated: the SELECT finds none otherwise.
    upsert: db.prepare<Record<string, unknown>, FeedbackRow>(
      `INSERT INTO feedback (session_pk, seq, agent_id, trace_id, rating, comment, created_at, updated_at)
       SELECT m.session_pk, m.seq, @agentId, m.trace_id, @rating, @comment, @now, @now
         FROM messages m WHERE m.session_pk = (${SESSION_PK}) AND m.seq = @seq AND m.role = 'assistant'
       ON CONFLICT (session_pk, seq) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at
       RETURNING seq, trace_id, rating, comment, created_at, updated_at`,
    ),
    isAnswer: db.prepare<Record<string, unknown>, { one: number }>(
      `SELECT 1 AS one FROM messages WHERE session_pk = (${SESSION_PK}) AND seq = @seq AND role = 'assistant'`,
    ),
    remove: db.prepare<Record<string, unknown>>(`DELETE FROM feedback WHERE session_pk = (${SESSION_PK}) AND seq = @seq`),
    list: db.prepare<Record<string, unknown>, FeedbackRow>(
      `SELECT seq, trace_id, rating, comment, created_at, updated_at FROM feedback WHERE session_pk = (${SESSION_PK}) ORDER BY seq`,
    ),
  }
  return {
    async setFeedback(key, seq, feedback) {
      const params = { agentId: key.agentId, scope: key.scope, sessionId: key.sessionId, seq }
      if (feedback === null) {
        if (!sql.isAnswer.get(params)) return { kind: 'no_answer' }
        sql.remove.run(params)
        return { kind: 'cleared' }
      }
      const row = sql.upsert.get({ ...params, rating: feedback.rating, comment: feedback.comment, now: new Date().toISOString() })
      return row ? { kind: 'saved', feedback: toFeedback(row) } : { kind: 'no_answer' }
    },
    async listFeedback(key) {
      return sql.list.all({ agentId: key.agentId, scope: key.scope, sessionId: key.sessionId }).map(toFeedback)
    },
  }
}
