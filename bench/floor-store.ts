/**
 * The floor's store: better-sqlite3 storing what Porch stores for one sync chat (a session row,
 * the user and assistant messages, a finished trace) in one transaction, on the same schema and
 * pragmas (host/store/db.ts). bench/baseline-server.ts serves it over `node:http`;
 * bench/store-floor.ts times it in-process against Porch's store calls.
 */
import { randomUUID } from 'node:crypto'
import type { Db } from '../host/store/db.ts'

/** Stores one chat's turn (`sessionId` new or not) in one transaction, as a naive server would. */
export function floorStore(db: Db, answer: string): (sessionId: string, traceId: string, question: string) => void {
  const now = () => new Date().toISOString()
  const agentId = randomUUID()
  db.prepare("INSERT INTO agents (id, name, config, created_at, updated_at) VALUES (?, 'baseline', '{}', ?, ?)").run(agentId, now(), now())
  const upsertSession = db.prepare<[string, string, string, string], { pk: number }>(
    `INSERT INTO sessions (agent_id, scope, id, created_at, updated_at) VALUES (?, 'public', ?, ?, ?)
     ON CONFLICT (agent_id, scope, id) DO UPDATE SET updated_at = excluded.updated_at RETURNING pk`,
  )
  const lastSeq = db.prepare<[number], { n: number | null }>('SELECT MAX(seq) AS n FROM messages WHERE session_pk = ?')
  const insertMessage = db.prepare('INSERT INTO messages (session_pk, seq, role, content, status, trace_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const insertTrace = db.prepare(
    `INSERT INTO traces (trace_id, agent_id, version, session_id, scope, request_id, status, started_at, first_token_ms, total_ms, turns, input_tokens, output_tokens)
     VALUES (?, ?, 1, ?, 'public', ?, 'success', ?, 0, 0, 1, 10, 20)`,
  )
  return db.transaction((sessionId: string, traceId: string, question: string) => {
    const at = now()
    const { pk } = upsertSession.get(agentId, sessionId, at, at)!
    const seq = lastSeq.get(pk)?.n ?? 0
    insertMessage.run(pk, seq + 1, 'user', JSON.stringify([{ type: 'text', text: question }]), 'complete', traceId, at)
    insertMessage.run(pk, seq + 2, 'assistant', JSON.stringify([{ type: 'text', text: answer }]), 'complete', traceId, at)
    insertTrace.run(traceId, agentId, sessionId, traceId, at)
  })
}
