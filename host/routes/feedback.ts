/**
 * Visitors rate answers: `PUT` / `DELETE …/sessions/{session_id}/messages/{seq}/feedback` beside
 * the session's history, for every way in that has one (published agent, share link, chat key).
 * The session scope is the visitor's credential, as for the history: a rating is changed only
 * from the scope (and session id) that holds the answer, and anything else is "not found".
 */
import { type Context, Hono } from 'hono'
import { FeedbackRequestSchema, type MessageFeedback } from '../../shared/index.ts'
import { notFound } from '../http/errors.ts'
import { positiveIntParam, sessionIdParam } from '../http/ids.ts'
import { readJson } from '../http/validate.ts'
import type { FeedbackRecord, SessionKey, Store } from '../store/store.ts'
import type { Purpose, VisitorAccess } from './chat-api.ts'

export type FeedbackRoutesDeps = {
  store: Store
  access: (c: Context, purpose: Purpose) => Promise<VisitorAccess>
  /** The session if it is the visitor's (`foreign`: another user's, which they may not rate). */
  ownSession: (granted: VisitorAccess, sessionId: string) => Promise<{ key: SessionKey; foreign: boolean }>
}

export const toMessageFeedback = (feedback: FeedbackRecord): MessageFeedback => ({
  rating: feedback.rating,
  comment: feedback.comment,
  updated_at: feedback.updatedAt,
})

export function feedbackRoutes({ store, access, ownSession }: FeedbackRoutesDeps) {
  const answerOf = async (c: Context) => {
    const granted = await access(c, 'chat')
    const { key, foreign } = await ownSession(granted, sessionIdParam(c.req.param('sessionId')!))
    if (foreign) throw notFound('Answer')
    return { key, seq: positiveIntParam(c.req.param('seq')!, 'seq') }
  }
  return new Hono()
    .put('/:id/sessions/:sessionId/messages/:seq/feedback', async (c) => {
      const { key, seq } = await answerOf(c)
      const { rating, comment } = await readJson(c, FeedbackRequestSchema)
      const outcome = await store.setFeedback(key, seq, { rating, comment: comment?.trim() || null })
      if (outcome.kind !== 'saved') throw notFound('Answer')
      return c.json(toMessageFeedback(outcome.feedback), 200)
    })
    .delete('/:id/sessions/:sessionId/messages/:seq/feedback', async (c) => {
      const { key, seq } = await answerOf(c)
      if ((await store.setFeedback(key, seq, null)).kind === 'no_answer') throw notFound('Answer')
      return c.body(null, 204)
    })
}
