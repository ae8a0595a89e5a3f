/** Human takeover in SQLite (migration 016): who holds a session, and the session's numbered events. */
import { randomUUID } from 'node:crypto'
import type { ContentBlock, Message, MessageAuthor, SessionEventType } from '../../shared/index.ts'
import type { Db } from './db.ts'
import { storableJson, storableText, storedContent, takeoverMessage, textOfBlocks } from './message-json.ts'
import type { SessionEventRecord, SessionKey, TakeoverRecord, TakeoverStore } from './store.ts'

type HolderRow = { session_pk: number; by_id: string | null; by_name: string | null; since: string | null }
type EventRow = { id: number; type: SessionEventType; name: string | null; seq: number | null; text: string | null; created_at: string }
type HeldRow = { scope: string; id: string; by_id: string; by_name: string; since: string }

const toEvent = (row: EventRow): SessionEventRecord => ({ id: row.id, type: row.type, name: row.name, seq: row.seq, text: row.text, createdAt: row.created_at })
const holderOf = (row: HolderRow | undefined): TakeoverRecord | null => (row?.since ? { byId: row.by_id!, name: row.by_name!, since: row.since } : null)

const SESSION_PK = 'SELECT pk FROM sessions WHERE agent_id = @agentId AND scope = @scope AND id = @sessionId'

export function createTakeoverStore(db: Db): TakeoverStore {
  const sql = {
    sessionPk: db.prepare<SessionKey, { pk: number }>(SESSION_PK),
    holder: db.prepare<SessionKey, HolderRow>(`SELECT session_pk, by_id, by_name, since FROM takeovers WHERE session_pk = (${SESSION_PK})`),
    ensureRow: db.prepare<{ pk: number; agentId: string }>('INSERT INTO takeovers (session_pk, agent_id) VALUES (@pk, @agentId) ON CONFLICT DO NOTHING'),
    setHolder: db.prepare<{ pk: number; byId: string | null; name: string | null; since: string | null }>(
      'UPDATE takeovers SET by_id = @byId, by_name = @name, since = @since WHERE session_pk = @pk',
    ),
    nextEvent: db.prepare<[number], { last_event: number }>('UPDATE takeovers SET last_event = last_event + 1 WHERE session_pk = ? RETURNING last_event'),
    insertEvent: db.prepare<Omit<EventRow, 'created_at'> & { pk: number; at: string }, EventRow>(
      `INSERT INTO session_events (session_pk, id, type, name, seq, text, created_at) VALUES (@pk, @id, @type, @name, @seq, @text, @at)
       RETURNING id, type, name, seq, text, created_at`,
    ),
    nextSeq: db.prepare<[string, number], { last_seq: number }>('UPDATE sessions SET updated_at = ?, last_seq = last_seq + 1 WHERE pk = ? RETURNING last_seq'),
    insertMessage: db.prepare(
      `INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at)
       VALUES (@session_pk, @seq, @role, @content, 'complete', @trace_id, @created_at)`,
    ),
    events: db.prepare<[number, number, number], EventRow>(
      'SELECT id, type, name, seq, text, created_at FROM session_events WHERE session_pk = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    lastEvent: db.prepare<SessionKey, { last_event: number }>(`SELECT last_event FROM takeovers WHERE session_pk = (${SESSION_PK})`),
    held: db.prepare<[string], HeldRow>(
      `SELECT s.scope, s.id, t.by_id, t.by_name, t.since FROM takeovers t JOIN sessions s ON s.pk = t.session_pk
       WHERE t.agent_id = ? AND t.since IS NOT NULL ORDER BY t.since, s.pk`,
    ),
  }

  const event = (pk: number, at: string, type: SessionEventType, fields: { name?: string | null; seq?: number; text?: string }) =>
    toEvent(
      sql.insertEvent.get({
        pk,
        id: sql.nextEvent.get(pk)!.last_event,
        type,
        name: fields.name ?? null,
        seq: fields.seq ?? null,
        text: fields.text === undefined ? null : storableText(fields.text),
        at,
      })!,
    )

  const takeOverTx = db.transaction((key: SessionKey, person: { id: string; name: string }) => {
    const session = sql.sessionPk.get(key)
    if (!session) return { kind: 'no_session' as const }
    const held = holderOf(sql.holder.get(key))
    if (held && held.byId !== person.id) return { kind: 'held' as const, takeover: held }
    if (held) return { kind: 'taken' as const, takeover: held, event: null }
    const at = new Date().toISOString()
    sql.ensureRow.run({ pk: session.pk, agentId: key.agentId })
    sql.setHolder.run({ pk: session.pk, byId: person.id, name: person.name, since: at })
    return {
      kind: 'taken' as const,
      takeover: { byId: person.id, name: person.name, since: at },
      event: event(session.pk, at, 'person_joined', { name: person.name }),
    }
  })

  const handBackTx = db.transaction((key: SessionKey) => {
    const row = sql.holder.get(key)
    const held = holderOf(row)
    if (!row || !held) return null
    sql.setHolder.run({ pk: row.session_pk, byId: null, name: null, since: null })
    return event(row.session_pk, new Date().toISOString(), 'person_left', { name: held.name })
  })

  const addMessageTx = db.transaction((key: SessionKey, message: { role: Message['role']; content: ContentBlock[]; author?: MessageAuthor }) => {
    const row = sql.holder.get(key)
    const held = holderOf(row)
    if (!row || !held) return { kind: 'not_taken_over' as const }
    const at = new Date().toISOString()
    const seq = sql.nextSeq.get(at, row.session_pk)!.last_seq
    sql.insertMessage.run({
      session_pk: row.session_pk,
      seq,
      role: message.role,
      content: storableJson(storedContent(takeoverMessage(message, held.name))),
      trace_id: randomUUID(),
      created_at: at,
    })
    const text = textOfBlocks(message.content)
    const told =
      message.role === 'assistant'
        ? event(row.session_pk, at, 'person_message', { name: message.author?.name ?? held.name, seq, text })
        : event(row.session_pk, at, 'visitor_message', { seq, text })
    return { kind: 'added' as const, seq, event: told }
  })

  return {
    async takeOver(key, person) {
      return takeOverTx.immediate(key, person)
    },
    async handBack(key) {
      return handBackTx.immediate(key)
    },
    async addTakeoverMessage(key, message) {
      return addMessageTx.immediate(key, message)
    },
    async getTakeover(key) {
      return holderOf(sql.holder.get(key))
    },
    async listTakeovers(agentId) {
      return sql.held.all(agentId).map((row) => ({ scope: row.scope, sessionId: row.id, byId: row.by_id, name: row.by_name, since: row.since }))
    },
    async listSessionEvents(key, afterId, limit) {
      const session = sql.sessionPk.get(key)
      return session ? sql.events.all(session.pk, afterId, limit).map(toEvent) : []
    },
    async lastSessionEventId(key) {
      return sql.lastEvent.get(key)?.last_event ?? 0
    },
  }
}
