/**
 * The throwaway nginx, and through it the production configuration (deploy/nginx/porch.conf)
 * against small upstream servers that record what reaches them: round robin, retries only where
 * the host never got the request, SSE passed on unbuffered, the client IP as PORCH_TRUST_PROXY=1
 * reads it, the body size, link tokens kept out of the log, and a reload with new upstreams.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../shared/index.ts'
import { clientIp } from '../auth/client-ip.ts'
import { eventually } from './harness.ts'
import { findNginx, PRODUCTION_CONFIG, startTestNginx, type TestNginx, testNginxConfig } from './nginx.ts'

const run = promisify(execFile)

type Seen = { method: string; path: string; bytes: number }
type Upstream = { address: string; seen: Seen[]; close(): Promise<void> }

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** An upstream on 127.0.0.1 that records each request (body read whole) before `respond` runs. */
async function upstream(respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok')): Promise<Upstream> {
  const seen: Seen[] = []
  const server: Server = createServer((req, res) => {
    let bytes = 0
    req.on('data', (chunk: Buffer) => (bytes += chunk.length))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', bytes })
      respond(req, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  cleanups.push(close)
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close }
}

/** Reads the request, then drops the connection without a word: the host died with the request in hand. */
const dropConnection = (req: IncomingMessage) => req.socket.destroy()

async function nginx(upstreams: string[]): Promise<TestNginx> {
  const started = await startTestNginx(upstreams)
  cleanups.push(() => started.stop())
  return started
}

/** The access log, once it holds `count` entries (nginx writes an entry as its request ends). */
const logOf = (balancer: TestNginx, count: number) => eventually(() => (balancer.accessLog().length >= count ? balancer.accessLog() : undefined))

const post = (url: string, body: string | Uint8Array<ArrayBuffer> = 'hello') => fetch(url, { method: 'POST', body })

describe('the generated configuration', () => {
  const production = readFileSync(PRODUCTION_CONFIG, 'utf8')
  const generated = testNginxConfig(production, { upstreams: ['127.0.0.1:1001', '127.0.0.1:1002'], port: 1000, dir: '/tmp/porch-nginx-x' })
  const directives = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line.trim()))

  it('keeps every proxy and body directive of the production file as written', () => {
    const kept = directives(production, /^(proxy_|client_|keepalive |zone |map |log_format )/)
    expect(kept.length).toBeGreaterThan(10)
    for (const line of kept) expect(generated).toContain(line)
  })

  it('is, as shipped with its TLS and redirect, a configuration nginx accepts (with a throwaway certificate)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'porch-nginx-check-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=chat.example.com'])
    const installed = production
      .replace(/ssl_certificate \S+;/, `ssl_certificate ${cert};`)
      .replace(/ssl_certificate_key \S+;/, `ssl_certificate_key ${key};`)
      .replace(/access_log \S+ porch;/, `access_log ${join(dir, 'access.log')} porch;`)
    writeFileSync(join(dir, 'porch.conf'), installed)
    writeFileSync(join(dir, 'nginx.conf'), `pid ${join(dir, 'nginx.pid')};\nevents {}\nhttp {\n    include ${join(dir, 'porch.conf')};\n}\n`)
    const { stderr } = await run(findNginx(), ['-t', '-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')])
    expect(stderr).toMatch(/test is successful/)
  })

  it('has the test upstreams, one plain listen on loopback, and no TLS', () => {
    // The production servers' parameters (max_fails, fail_timeout) come along.
    expect(directives(generated, /^server 127\.0\.0\.1:/)).toEqual([
      '    server 127.0.0.1:1001 max_fails=1 fail_timeout=3s;',
      '    server 127.0.0.1:1002 max_fails=1 fail_timeout=3s;',
    ])
    expect(directives(generated, /^listen /)).toEqual(['    listen 127.0.0.1:1000;'])
    expect(directives(generated, /^[^#]*(ssl|10\.0\.0\.|return 301|\/var\/log)/)).toEqual([])
  })
})

describe('nginx in front of hosts', () => {
  it('goes round robin over the upstreams, and the access log names the one that answered', async () => {
    const [a, b] = await Promise.all([upstream(), upstream()])
    const balancer = await nginx([a.address, b.address])
    for (let i = 0; i < 4; i += 1) expect((await fetch(`${balancer.url}/health`)).status).toBe(200)
    expect([a.seen.length, b.seen.length]).toEqual([2, 2])
    const log = await logOf(balancer, 4)
    expect(new Set(log.slice(0, 2).map((entry) => entry.upstream))).toEqual(new Set([a.address, b.address]))
    expect(log.map((entry) => [entry.method, entry.path, entry.status])).toEqual(Array(4).fill(['GET', '/health', 200]))
  })

  it('sends a POST to the next host when one refuses the connection', async () => {
    const [gone, live] = await Promise.all([upstream(), upstream()])
    await gone.close()
    const balancer = await nginx([gone.address, live.address])
    const statuses = [await post(`${balancer.url}/chat`), await post(`${balancer.url}/chat`)].map((response) => response.status)
    expect(statuses).toEqual([200, 200])
    expect(live.seen.map((seen) => seen.method)).toEqual(['POST', 'POST'])
    expect((await logOf(balancer, 2)).map((entry) => entry.upstream)).toContain(`${gone.address}, ${live.address}`)
  })

  it('never sends a POST again once a host got it, but does a GET', async () => {
    const [dropping, live] = await Promise.all([upstream(dropConnection), upstream()])
    const balancer = await nginx([dropping.address, live.address])
    const statuses = [await post(`${balancer.url}/chat`), await post(`${balancer.url}/chat`)].map((response) => response.status)
    expect(statuses.sort()).toEqual([200, 502])
    expect(dropping.seen.map((seen) => seen.method)).toEqual(['POST'])
    expect(live.seen.map((seen) => seen.method)).toEqual(['POST'])

    const [droppingGet, liveGet] = await Promise.all([upstream(dropConnection), upstream()])
    const again = await nginx([droppingGet.address, liveGet.address])
    const gets = [await fetch(`${again.url}/history`), await fetch(`${again.url}/history`)].map((response) => response.status)
    expect(gets).toEqual([200, 200])
    expect(droppingGet.seen.length).toBe(1)
    expect(liveGet.seen.length).toBe(2)
  })

  it('passes each SSE event on as the host writes it, without X-Accel-Buffering from the host', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const host = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: first\n\n')
      void released.then(() => res.end('data: last\n\n'))
    })
    const balancer = await nginx([host.address])
    const response = await fetch(`${balancer.url}/stream`)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    // Buffered, this read would wait for the host's end, which waits for the read: the test would time out.
    while (!text.includes('data: first\n\n')) text += (await reader.read()).value ?? ''
    expect(text).not.toContain('last')
    release()
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += chunk.value
    expect(text).toBe('data: first\n\ndata: last\n\n')
  })

  it('lets a host with PORCH_TRUST_PROXY=1 see the client address, not what the client wrote', async () => {
    const app = new Hono().get('/ip', (c) => c.json({ ip: clientIp(c, 1), realIp: c.req.header('x-real-ip') ?? null }))
    const host = await upstream(getRequestListener(app.fetch))
    const balancer = await nginx([host.address])
    const response = await fetch(`${balancer.url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' } })
    expect(await response.json()).toEqual({ ip: '127.0.0.1', realIp: '127.0.0.1' })
  })

  it("limits bodies as the host does, answering a bigger one in the host's JSON error shape without passing it on", async () => {
    const host = await upstream()
    const balancer = await nginx([host.address])
    const upload = `${balancer.url}/api/v1/published/agent-1/sessions/session-1/attachments`
    const statuses = [
      await post(`${balancer.url}/api/v1/agents`, new Uint8Array(LIMITS.bodyBytes)),
      await post(upload, new Uint8Array(LIMITS.attachmentBytes)),
    ].map((response) => response.status)
    expect(statuses).toEqual([200, 200])
    expect(host.seen.map((seen) => seen.bytes)).toEqual([LIMITS.bodyBytes, LIMITS.attachmentBytes])
    for (const refused of [
      await post(`${balancer.url}/api/v1/agents`, new Uint8Array(LIMITS.bodyBytes + 1)),
      await post(upload, new Uint8Array(LIMITS.attachmentBytes + 1)),
    ]) {
      expect(refused.status).toBe(413)
      expect(refused.headers.get('content-type')).toBe('application/json')
      expect(await refused.json()).toMatchObject({ error: { code: 'payload_too_large' } })
    }
    expect(host.seen.length).toBe(2)
  })

  it('keeps link tokens and query strings out of the access log', async () => {
    const host = await upstream()
    const balancer = await nginx([host.address])
    await fetch(`${balancer.url}/l/secret-link-token?utm=secret-query`)
    await post(`${balancer.url}/api/v1/links/secret-link-token/chat`)
    await fetch(`${balancer.url}/api/v1/published/agent-1/chat?x=secret-query`)
    const log = await logOf(balancer, 3)
    expect(log.map((entry) => entry.path)).toEqual(['/l/[token]', '/api/v1/links/[token]/chat', '/api/v1/published/agent-1/chat'])
    expect(readFileSync(`${balancer.dir}/access.log`, 'utf8')).not.toContain('secret')
  })

  it('reloads with a new upstream list: requests sent afterwards go to the new hosts only', async () => {
    const [before, after] = await Promise.all([upstream(), upstream()])
    const balancer = await nginx([before.address])
    expect((await fetch(`${balancer.url}/one`)).status).toBe(200)
    await balancer.reload([after.address])
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${balancer.url}/two`)).status).toBe(200)
    expect(before.seen.map((seen) => seen.path)).toEqual(['/one'])
    expect(after.seen.map((seen) => seen.path)).toEqual(['/two', '/two', '/two'])
    await expect(balancer.reload(['not-a-port:x'])).rejects.toThrow(/refuses the new configuration/)
  })
})
