/**
 * The floor for host overhead: a pass-through proxy in plain `node:http` (no framework, no
 * validation, no storage, no model SDK) that forwards a chat request to the model server and
 * streams the answer back. What it adds to the first token is the cost of one more process
 * and one more loopback hop on this machine, which any host in between pays.
 * Run: `node --import tsx bench/proxy-server.ts MODEL_SERVER_URL`.
 */
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:1')
const agent = new Agent({ keepAlive: true })

const server = createServer((incoming, outgoing) => {
  const chunks: Buffer[] = []
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
  incoming.on('end', () => {
    const upstream = request(
      { host: target.hostname, port: target.port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'text/event-stream' })
        answer.pipe(outgoing)
      },
    )
    upstream.on('error', () => outgoing.destroy())
    upstream.end(Buffer.concat(chunks))
  })
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`))
process.on('SIGINT', () => server.close(() => process.exit(0)))
