/**
 * Owner API, watching: an agent's sessions with their transcripts, and traces, filtered and
 * paged by an opaque keyset cursor (newest first). The cursor is the store's (each store picks
 * its own tiebreaker): the route hands out the last row's and passes the one it gets back as is.
 * The older `before` paging still works.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { SessionExportQuerySchema, SessionListQuerySchema, SessionScopeSchema, TraceListQuerySchema } from '../../../shared/console.ts'
import { reachableAgent, reachesAll, requireReach } from '../../auth/owner-auth.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { ApiError, notFound } from '../../http/errors.ts'
import { sessionIdParam } from '../../http/ids.ts'
import { readQuery } from '../../http/validate.ts'
import { linkScope, tryScope } from '../../store/scope.ts'
import { InvalidCursorError, type Store } from '../../store/store.ts'
import { toMessageFeedback } from '../feedback.ts'
import { messageJson, sessionSummaryJson, takeoverJson, traceJson } from './present.ts'
import { EXPORT_CONTENT_TYPES, sessionExportBody } from './session-export.ts'

/** Stored times are UTC with milliseconds; a bound given with an offset is compared in that form. */
const utc = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString())

/** `link_id` is a shorthand for scope `link:<id>`; both at once must agree. */
function scopeOf(query: { scope?: string; link_id?: string }): string | undefined {
  if (query.link_id === undefined) return query.scope
  const scope = linkScope(query.link_id)
  if (query.scope !== undefined && query.scope !== scope) throw new ApiError(400, 'invalid_request', 'link_id: names another scope than scope')
  return scope
}

export const TranscriptQuerySchema = z.object({ scope: SessionScopeSchema.default('public') })

export function ownerWatchRoutes({ store }: { store: Store }) {
  return (
    new Hono<OwnerEnv>()
      .get('/agents/:id/sessions', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const query = readQuery(c, SessionListQuerySchema)
        const scope = scopeOf(query)
        // One row more than asked tells whether another page follows.
        const rows = await store
          .listSessions(agent.id, {
            limit: query.limit + 1,
            scope,
            excludeScope: scope === undefined ? tryScope() : undefined,
            feedback: query.feedback,
            userId: query.user_id,
            from: utc(query.from),
            to: utc(query.to),
            before: utc(query.before),
            after: query.cursor,
          })
          .catch(badCursor)
        const { page, next_cursor, next_before } = paged(rows, query.limit, (row) => ({ at: row.updatedAt, cursor: row.cursor }))
        return c.json({ sessions: page.map(sessionSummaryJson), next_cursor, next_before }, 200)
      })
      // Under /export, not /sessions/export: that path is a session's transcript (any id is a session id).
      .get('/agents/:id/export/sessions', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const query = readQuery(c, SessionExportQuerySchema)
        const scope = scopeOf(query)
        const filter = {
          scope,
          excludeScope: scope === undefined ? tryScope() : undefined,
          userId: query.user_id,
          feedback: query.feedback,
          from: utc(query.from),
          to: utc(query.to),
        }
        const body = await sessionExportBody(store, agent.id, filter, query.format)
        const day = new Date().toISOString().slice(0, 10)
        return c.body(body, 200, {
          'content-type': EXPORT_CONTENT_TYPES[query.format],
          'content-disposition': `attachment; filename="sessions-${agent.id}-${day}.${query.format}"`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
      })
      .get('/agents/:id/sessions/:sid', async (c) => {
        const agent = await reachableAgent(store, c, c.req.param('id'))
        const { scope } = readQuery(c, TranscriptQuerySchema)
        const key = { agentId: agent.id, scope, sessionId: sessionIdParam(c.req.param('sid')) }
        const session = await store.getSessionSummary(key)
        if (!session) throw notFound('Session')
        // The last event id is read before the messages: following the events from it may show a message twice, never miss one.
        const [lastEventId, takeover] = await Promise.all([store.lastSessionEventId(key), store.getTakeover(key)])
        const [messages, traces, summaries, ratings] = await Promise.all([
          store.getMessages(key),
          store.listSessionTraces(key),
          store.listContextSummaries(key),
          store.listFeedback(key),
        ])
        const feedbackOf = new Map(ratings.map((rating) => [rating.seq, toMessageFeedback(rating)]))
        // What the model was given instead of the older messages, when the session was compressed.
        const contextSummaries = summaries.map((summary) => ({
          through_seq: summary.throughSeq,
          summary: summary.summary,
          tokens_before: summary.tokensBefore,
          created_at: summary.createdAt,
        }))
        return c.json(
          {
            ...sessionSummaryJson(session),
            agent_id: agent.id,
            messages: messages.map((message) => ({ ...messageJson(message), ...(feedbackOf.has(message.seq) && { feedback: feedbackOf.get(message.seq) }) })),
            traces: traces.map(traceJson),
            context_summaries: contextSummaries,
            takeover: takeover && takeoverJson(takeover),
            last_event_id: lastEventId,
          },
          200,
        )
      })
      .get('/traces', async (c) => {
        const query = readQuery(c, TraceListQuerySchema)
        const principal = c.get('principal')
        if (query.agent_id) requireReach(principal, query.agent_id)
        else if (!reachesAll(principal)) throw new ApiError(400, 'invalid_request', 'agent_id: a key limited to some agents must name one')
        const rows = await store
          .listTraces({
            limit: query.limit + 1,
            agentId: query.agent_id,
            scope: scopeOf(query),
            sessionId: query.session_id,
            status: query.status,
            from: utc(query.from),
            to: utc(query.to),
            before: utc(query.before),
            after: query.cursor,
          })
          .catch(badCursor)
        const { page, next_cursor, next_before } = paged(rows, query.limit, (row) => ({ at: row.startedAt, cursor: row.cursor }))
        return c.json({ traces: page.map(traceJson), next_cursor, next_before }, 200)
      })
  )
}

/**
 * A page of `rows` fetched with one row more than `limit`: that extra row says another page
 * follows, and the last row shown is where the next page starts.
 */
function paged<T>(rows: T[], limit: number, position: (row: T) => { at: string; cursor: string }) {
  const page = rows.slice(0, limit)
  const last = rows.length > limit ? position(page.at(-1)!) : null
  return { page, next_cursor: last ? last.cursor : null, next_before: last ? last.at : null }
}

/** A cursor the store cannot read was not a `next_cursor` of this API. */
function badCursor(error: unknown): never {
  if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid_request', 'cursor: is not a next_cursor from this API')
  throw error
}
