/**
 * Load with limits: 1,000 visitors at once, each from its own IP (X-Forwarded-For behind
 * PORCH_TRUST_PROXY=1), chat for a minute with a host process through share links with quotas
 * and a public agent with a per-IP rate limit. Nothing may fail unexpectedly, and every limit
 * must be exact: a link with a total quota of N answers exactly N messages, a per-visitor daily
 * quota exactly that many per visitor, and the per-IP limit exactly that many per IP; the rest
 * are 429s with the right code (and Retry-After for the rate limit).
 *
 * Each round uses fresh links and fresh IPs, so its expectations do not depend on the rounds
 * before; rounds go on until a minute has passed. The traffic per link stays within the link's
 * own limit (20 × the per-IP limit per minute), so quotas alone decide there.
 *
 * It runs once on each store (a SQLite file, then a PostgreSQL database), the same minute on each.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../shared/index.ts'
import { type ChildHost, killAllChildren, startChildHost } from '../testing/child-host.ts'
import { type OwnerClient, ownerClient, parseSse } from '../testing/harness.ts'
import { inspectDatabase, STORES, type TestDatabase, testDatabase } from './support.ts'

const TOKEN = 'load-test-admin-token-0123456789abcdef'
const VISITORS = 1000
const MINUTE_MS = 60_000
/** PORCH_RATE_CHAT_PER_MINUTE: per IP per agent or link; a link as a whole gets 20 times that. */
const RATE = 2
/** Messages each visitor sends to the public agent: RATE pass, the rest must be refused. */
const PUBLIC_MESSAGES = RATE + 1
/** Total-quota links, VISITORS / TOTAL_LINKS visitors each: 40 messages per link, within its 20 × RATE. */
const TOTAL_LINKS = 25
const TOTAL_QUOTA = 30
const TOTAL_MESSAGES = 1
/** Per-visitor-quota links: 20 visitors each, 40 messages per link. */
const VISITOR_LINKS = 50
const VISITOR_QUOTA = 1
const VISITOR_MESSAGES = 2

const dir = mkdtempSync(join(tmpdir(), 'porch-load-'))
// One describe block per store, run one after the other: each one's beforeAll sets these.
let db: TestDatabase
let host: ChildHost
let owner: OwnerClient
let publicAgent: Agent
let linkAgent: Agent

async function startLoadHost(kind: TestDatabase['kind']) {
  db = await testDatabase(kind, mkdtempSync(join(dir, `${kind}-`)))
  host = await startChildHost({
    ...db.env,
    PORCH_ADMIN_TOKEN: TOKEN,
    PORCH_EXAMPLES_PORT: 'off',
    PORCH_TRUST_PROXY: '1',
    PORCH_RATE_CHAT_PER_MINUTE: String(RATE),
  })
  owner = ownerClient(host.url, TOKEN)
  publicAgent = await owner.publishedAgent({ name: 'Public, streaming', model: 'demo:instant' })
  expect((VISITORS / TOTAL_LINKS) * TOTAL_MESSAGES).toBeLessThanOrEqual(20 * RATE)
  expect((VISITORS / VISITOR_LINKS) * VISITOR_MESSAGES).toBeLessThanOrEqual(20 * RATE)
  expect(Math.max(TOTAL_MESSAGES, VISITOR_MESSAGES)).toBeLessThanOrEqual(RATE)
  linkAgent = await owner.publishedAgent({ name: 'Through links, sync', model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
}

afterAll(async () => {
  await killAllChildren()
  rmSync(dir, { recursive: true, force: true })
})

/** What one message got. `ok`: answered with success; `limited`/`quota`: the expected 429s. */
type Result = { kind: 'ok' | 'limited' | 'quota' | 'unexpected'; detail?: string; sentAt: number; doneAt: number }

async function classify(response: Response, sentAt: number, streaming: boolean): Promise<Result> {
  const text = await response.text()
  const doneAt = Date.now()
  if (response.status === 429) {
    const code = JSON.parse(text)?.error?.code
    const retryAfter = Number(response.headers.get('retry-after'))
    if (code === 'rate_limited' && Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60) return { kind: 'limited', sentAt, doneAt }
    if (code === 'quota_exceeded') return { kind: 'quota', sentAt, doneAt }
  }
  if (response.status === 200) {
    const success = streaming
      ? parseSse(text).some((message) => message.data.event_type === 'complete' && message.data.success)
      : JSON.parse(text).success === true
    if (success) return { kind: 'ok', sentAt, doneAt }
  }
  return { kind: 'unexpected', detail: `${response.status} ${text.slice(0, 300)}`, sentAt, doneAt }
}

async function chat(path: string, ip: string, request: string, streaming: boolean): Promise<Result> {
  const sentAt = Date.now()
  try {
    const response = await fetch(host.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ request }),
    })
    return await classify(response, sentAt, streaming)
  } catch (error) {
    return { kind: 'unexpected', detail: `${path}: ${String((error as Error).cause ?? error)}`, sentAt, doneAt: Date.now() }
  }
}

const count = (results: Result[], kind: Result['kind']) => results.filter((result) => result.kind === kind).length

type Visitor = { ip: string; totalLink: string; visitorLink: string; public: Result[]; total: Result[]; perVisitor: Result[] }

async function createLinks(round: number, n: number, quota: object) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { status, body } = await owner.call('POST', `/agents/${linkAgent.id}/links`, { name: `round ${round} link ${i}`, ...quota })
      expect(status).toBe(201)
      return body as { id: string; token: string }
    }),
  )
}

/** A counting gate: at most `limit` holders at once, the others wait in order. */
function gate(limit: number) {
  let held = 0
  const waiting: (() => void)[] = []
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (held >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    else held += 1
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else held -= 1
    }
  }
}

/**
 * The per-IP limit counts a minute from an IP's first message: to check it exactly, each burst
 * must fit in that minute. Bursts go in parallel (as from several tabs), a hundred visitors' at
 * a time, so the burst takes seconds even on a slow, busy machine.
 */
const BURSTS_AT_ONCE = 100

/** One round: every visitor, at once, sends its link messages, then its public burst. */
async function round(number: number) {
  const totalLinks = await createLinks(number, TOTAL_LINKS, { quota_total: TOTAL_QUOTA })
  const visitorLinks = await createLinks(number, VISITOR_LINKS, { quota_per_visitor_per_day: VISITOR_QUOTA })
  const visitors: Visitor[] = Array.from({ length: VISITORS }, (_, v) => ({
    ip: `10.${number}.${v >> 8}.${v & 255}`,
    totalLink: totalLinks[v % TOTAL_LINKS]!.token,
    visitorLink: visitorLinks[v % VISITOR_LINKS]!.token,
    public: [],
    total: [],
    perVisitor: [],
  }))
  const dayBefore = new Date().toISOString().slice(0, 10)
  const burst = gate(BURSTS_AT_ONCE)
  await Promise.all(
    visitors.map(async (visitor, v) => {
      // The two links' messages interleave, as a visitor with two tabs would send them.
      for (let i = 0; i < Math.max(TOTAL_MESSAGES, VISITOR_MESSAGES); i++) {
        if (i < TOTAL_MESSAGES) visitor.total.push(await chat(`/api/v1/links/${visitor.totalLink}/chat/sync`, visitor.ip, `Total ${v}.${i}`, false))
        if (i < VISITOR_MESSAGES) visitor.perVisitor.push(await chat(`/api/v1/links/${visitor.visitorLink}/chat/sync`, visitor.ip, `Mine ${v}.${i}`, false))
      }
      visitor.public = await burst(() =>
        Promise.all(Array.from({ length: PUBLIC_MESSAGES }, (_, i) => chat(`/api/v1/published/${publicAgent.id}/chat`, visitor.ip, `Hello ${v}.${i}`, true))),
      )
    }),
  )
  const sameDay = new Date().toISOString().slice(0, 10) === dayBefore
  return { visitors, totalLinks, visitorLinks, sameDay }
}

describe.each(STORES)(`${VISITORS} visitors chatting for a minute through quotas and rate limits, on %s`, (kind) => {
  beforeAll(() => startLoadHost(kind), 60_000)
  afterAll(async () => {
    const exit = await host?.kill('SIGTERM')
    expect(exit?.code).toBe(0)
  }, 30_000)

  it('gets no unexpected error, and every quota and limit is exact', async () => {
    const started = Date.now()
    let rounds = 0
    let requests = 0
    let answered = 0
    let exactIps = 0
    do {
      rounds += 1
      const { visitors, totalLinks, visitorLinks, sameDay } = await round(rounds)
      const all = visitors.flatMap((visitor) => [...visitor.public, ...visitor.total, ...visitor.perVisitor])
      requests += all.length
      answered += count(all, 'ok')
      expect(all.filter((result) => result.kind === 'unexpected').slice(0, 5)).toEqual([])

      // Per IP: exactly RATE messages, then 429 rate_limited with Retry-After. The limit counts
      // per minute from the first message, so it is exact when the burst fit in a minute (it
      // takes seconds); a machine so slow it did not gets a second minute's worth, no more.
      for (const visitor of visitors) {
        const span = Math.max(...visitor.public.map((result) => result.doneAt)) - Math.min(...visitor.public.map((result) => result.sentAt))
        const ok = count(visitor.public, 'ok')
        if (span < MINUTE_MS) exactIps += 1
        if (span < MINUTE_MS)
          expect({ ip: visitor.ip, ok, limited: count(visitor.public, 'limited') }).toEqual({ ip: visitor.ip, ok: RATE, limited: PUBLIC_MESSAGES - RATE })
        else expect(ok).toBeGreaterThanOrEqual(RATE)
        expect(count(visitor.public, 'quota')).toBe(0)
      }

      // A link with a total quota: exactly TOTAL_QUOTA answers, whoever sent them; the rest 429.
      for (const link of totalLinks) {
        const results = visitors.filter((visitor) => visitor.totalLink === link.token).flatMap((visitor) => visitor.total)
        expect({ link: link.id, ok: count(results, 'ok'), quota: count(results, 'quota'), limited: count(results, 'limited') }).toEqual({
          link: link.id,
          ok: TOTAL_QUOTA,
          quota: results.length - TOTAL_QUOTA,
          limited: 0,
        })
      }
      const listed = (await owner.call('GET', `/agents/${linkAgent.id}/links`)).body.links as { id: string; used_total: number }[]
      for (const link of totalLinks) expect(listed.find((row) => row.id === link.id)?.used_total).toBe(TOTAL_QUOTA)

      // A per-visitor daily quota: exactly VISITOR_QUOTA answers for each visitor (each IP is one).
      for (const visitor of visitors) {
        const ok = count(visitor.perVisitor, 'ok')
        if (sameDay)
          expect({ ip: visitor.ip, ok, quota: count(visitor.perVisitor, 'quota') }).toEqual({
            ip: visitor.ip,
            ok: VISITOR_QUOTA,
            quota: VISITOR_MESSAGES - VISITOR_QUOTA,
          })
        else expect(ok).toBeLessThanOrEqual(2 * VISITOR_QUOTA)
        expect(count(visitor.perVisitor, 'limited')).toBe(0)
      }
      for (const link of visitorLinks)
        expect(listed.find((row) => row.id === link.id)?.used_total).toEqual(sameDay ? (VISITORS / VISITOR_LINKS) * VISITOR_QUOTA : expect.any(Number))
    } while (Date.now() - started < MINUTE_MS)

    expect(rounds).toBeGreaterThanOrEqual(1)
    expect(requests).toBe(rounds * VISITORS * (PUBLIC_MESSAGES + TOTAL_MESSAGES + VISITOR_MESSAGES))
    // Every answer was stored as a whole turn, and the host logged no failure.
    const { integrity, messages, traces } = await inspectDatabase(db)
    expect(integrity).toBe('ok')
    // The per-IP limit was checked exactly for (nearly) every visitor, not waved through.
    expect(exactIps).toBeGreaterThan((rounds * VISITORS) / 2)
    expect([...traces.values()].filter((trace) => trace.status === 'success').length).toBe(answered)
    expect(messages.length).toBe(2 * answered)
    expect(host.output().stderr).not.toMatch(/unhandled error|could not store|run crashed/)
  }, 600_000)
})
