/**
 * The floor for chat throughput: plain `node:http` and better-sqlite3 storing what Porch stores
 * for one sync chat (a session row, the user and assistant messages, a finished trace) in one
 * transaction, on the same schema and pragmas (host/store/db.ts), with a canned answer. No
 * framework, no validation library, no model SDK. Run: `node --import tsx bench/baseline-server.ts DB`.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { openDatabase } from '../host/store/db.ts'

const db = openDatabase(process.argv[2] ?? ':memory:')
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
const answer = 'A canned answer of a realistic length for a benchmark floor. '.repeat(8)

const storeTurn = db.transaction((sessionId: string, traceId: string, question: string) => {
  const at = now()
  const { pk } = upsertSession.get(agentId, sessionId, at, at)!
  const seq = lastSeq.get(pk)?.n ?? 0
  insertMessage.run(pk, seq + 1, 'user', JSON.stringify([{ type: 'text', text: question }]), 'complete', traceId, at)
  insertMessage.run(pk, seq + 2, 'assistant', JSON.stringify([{ type: 'text', text: answer }]), 'complete', traceId, at)
  insertTrace.run(traceId, agentId, sessionId, traceId, at)
})

const server = createServer((request, response) => {
  let raw = ''
  request.setEncoding('utf8')
  request.on('data', (chunk: string) => (raw += chunk))
  request.on('end', () => {
    const body = JSON.parse(raw) as { request?: unknown; session_id?: string }
    if (typeof body.request !== 'string') {
      response.writeHead(400).end()
      return
    }
    const sessionId = body.session_id ?? randomUUID()
    const traceId = randomUUID()
    storeTurn(sessionId, traceId, body.request)
    const reply = JSON.stringify({ success: true, answer, total_turns: 1, steps: [], error: null, trace_id: traceId, session_id: sessionId })
    response.writeHead(200, { 'content-type': 'application/json' }).end(reply)
  })
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`))
process.on('SIGINT', () => server.close(() => process.exit(0)))
