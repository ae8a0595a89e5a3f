/**
 * The floor for chat throughput: plain `node:http` and better-sqlite3 storing what Porch stores
 * for one sync chat in one transaction (bench/floor-store.ts), with a canned answer. No
 * framework, no validation library, no model SDK. Run: `node --import tsx bench/baseline-server.ts DB`.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { openDatabase } from '../host/store/db.ts'
import { floorStore } from './floor-store.ts'

const answer = 'A canned answer of a realistic length for a benchmark floor. '.repeat(8)
const storeTurn = floorStore(openDatabase(process.argv[2] ?? ':memory:'), answer)

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
