/**
 * Human takeover in PostgreSQL (migration 009): who holds a session, and the session's numbered
 * events. Every change locks the session's `takeovers` row first (`FOR UPDATE`), so two hosts
 * changing one session at once take turns, and its events are numbered in commit order.
 */
import { randomUUID } from 'node:crypto'
import type { ContentBlock, Message, MessageAuthor, SessionEventType } from '../../../shared/index.ts'
import { storableJson, storableText, storedContent, takeoverMessage, textOfBlocks } from '../message-json.ts'
import type { SessionEventRecord, SessionKey, TakeoverRecord, TakeoverStore } from '../store.ts'
import type { Sql } from './connection.ts'
import { type Db, iso, query } from './rows.ts'

type HolderRow = { session_pk: string; by_id: string | null; by_name: string | null; since: Date | null }
type EventRow = { id: number; type: SessionEventType; name: string | null; seq: number | null; text: string | null; created_at: Date }
type HeldRow = { scope: string; id: string; by_id: string; by_name: string; since: Date }

const toEvent = (row: EventRow): SessionEventRecord => ({
  id: row.id,
  type: row.type,
  name: row.name,
  seq: row.seq,
  text: row.text,
  createdAt: iso(row.created_at),
})
const holderOf = (row: HolderRow | undefined): TakeoverRecord | null => (row?.since ? { byId: row.by_id!, name: row.by_name!, since: iso(row.since) } : null)

const SESSION_PK = 'SELECT pk FROM sessions WHERE agent_id = $1 AND scope = $2 AND id = $3'
const EVENT = 'id, type, name, seq, text, created_at'
const keyParams = (key: SessionKey) => [key.agentId, key.scope, key.sessionId]

/** The session's takeover row, locked for the rest of the transaction. */
const lockHolder = async (tx: Db, key: SessionKey) =>
  (await query<HolderRow>(tx, `SELECT session_pk::text, by_id, by_name, since FROM takeovers WHERE session_pk = (${SESSION_PK}) FOR UPDATE`, keyParams(key)))[0]

async function addEvent(tx: Db, pk: string, at: Date, type: SessionEventType, fields: { name?: string | null; seq?: number; text?: string }) {
  const [row] = await query<EventRow>(
    tx,
    `WITH next AS (UPDATE takeovers SET last_event = last_event + 1 WHERE session_pk = $1::bigint RETURNING last_event)
     INSERT INTO session_events (session_pk, id, type, name, seq, text, created_at)
     SELECT $1::bigint, next.last_event, $2, $3, $4, $5, $6 FROM next RETURNING ${EVENT}`,
    [pk, type, fields.name ?? null, fields.seq ?? null, fields.text === undefined ? null : storableText(fields.text), at.toISOString()],
  )
  return toEvent(row!)
}

export function createTakeoverStore(sql: Sql): TakeoverStore {
  return {
    async takeOver(key, person) {
      return sql.begin(async (tx) => {
        const [session] = await query<{ pk: string }>(tx, `SELECT pk::text FROM sessions WHERE agent_id = $1 AND scope = $2 AND id = $3`, keyParams(key))
        if (!session) return { kind: 'no_session' as const }
        await query(tx, 'INSERT INTO takeovers (session_pk, agent_id) VALUES ($1::bigint, $2) ON CONFLICT DO NOTHING', [session.pk, key.agentId])
        const held = holderOf(await lockHolder(tx, key))
        if (held && held.byId !== person.id) return { kind: 'held' as const, takeover: held }
        if (held) return { kind: 'taken' as const, takeover: held, event: null }
        const at = new Date()
        await query(tx, 'UPDATE takeovers SET by_id = $2, by_name = $3, since = $4 WHERE session_pk = $1::bigint', [
          session.pk,
          person.id,
          person.name,
          at.toISOString(),
        ])
        const event = await addEvent(tx, session.pk, at, 'person_joined', { name: person.name })
        return { kind: 'taken' as const, takeover: { byId: person.id, name: person.name, since: at.toISOString() }, event }
      }) as ReturnType<TakeoverStore['takeOver']>
    },
    async handBack(key) {
      return sql.begin(async (tx) => {
        const row = await lockHolder(tx, key)
        const held = holderOf(row)
        if (!row || !held) return null
        await query(tx, 'UPDATE takeovers SET by_id = NULL, by_name = NULL, since = NULL WHERE session_pk = $1::bigint', [row.session_pk])
        return addEvent(tx, row.session_pk, new Date(), 'person_left', { name: held.name })
      }) as Promise<SessionEventRecord | null>
    },
    async addTakeoverMessage(key, message: { role: Message['role']; content: ContentBlock[]; author?: MessageAuthor }) {
      return sql.begin(async (tx) => {
        const row = await lockHolder(tx, key)
        const held = holderOf(row)
        if (!row || !held) return { kind: 'not_taken_over' as const }
        const at = new Date()
        const [appended] = await query<{ seq: number }>(
          tx,
          `WITH session AS (UPDATE sessions SET updated_at = $2, last_seq = last_seq + 1 WHERE pk = $1::bigint RETURNING pk, last_seq)
           INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at)
           SELECT pk, last_seq, $3, $4::text::json, 'complete', $5, $2 FROM session RETURNING seq`,
          [row.session_pk, at.toISOString(), message.role, storableJson(storedContent(takeoverMessage(message, held.name))), randomUUID()],
        )
        const seq = appended!.seq
        const text = textOfBlocks(message.content)
        const event =
          message.role === 'assistant'
            ? await addEvent(tx, row.session_pk, at, 'person_message', { name: message.author?.name ?? held.name, seq, text })
            : await addEvent(tx, row.session_pk, at, 'visitor_message', { seq, text })
        return { kind: 'added' as const, seq, event }
      }) as ReturnType<TakeoverStore['addTakeoverMessage']>
    },
    async getTakeover(key) {
      const [row] = await query<HolderRow>(
        sql,
        `SELECT session_pk::text, by_id, by_name, since FROM takeovers WHERE session_pk = (${SESSION_PK})`,
        keyParams(key),
      )
      return holderOf(row)
    },
    async listTakeovers(agentId) {
      const rows = await query<HeldRow>(
        sql,
        `SELECT s.scope, s.id, t.by_id, t.by_name, t.since FROM takeovers t JOIN sessions s ON s.pk = t.session_pk
         WHERE t.agent_id = $1 AND t.since IS NOT NULL ORDER BY t.since, s.pk`,
        [agentId],
      )
      return rows.map((row) => ({ scope: row.scope, sessionId: row.id, byId: row.by_id, name: row.by_name, since: iso(row.since) }))
    },
    async listSessionEvents(key, afterId, limit) {
      const rows = await query<EventRow>(sql, `SELECT ${EVENT} FROM session_events WHERE session_pk = (${SESSION_PK}) AND id > $4 ORDER BY id LIMIT $5`, [
        ...keyParams(key),
        afterId,
        limit,
      ])
      return rows.map(toEvent)
    },
    async lastSessionEventId(key) {
      const [row] = await query<{ last_event: number }>(sql, `SELECT last_event FROM takeovers WHERE session_pk = (${SESSION_PK})`, keyParams(key))
      return row?.last_event ?? 0
    },
  }
}
