/**
 * `npm run migrate-store`: a real host fills a SQLite file, the copy moves it into a fresh
 * PostgreSQL database, and a host on that database (same admin token; the host secret comes
 * along in settings) serves the same agents, history, files, link, quota and keys over HTTP.
 */

import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AgentConfigSchema, type StreamEventOf } from '../../shared/index.ts'
import { type ConsoleClient, consoleClient, signedInClient } from '../console/test-client.ts'
import { ADMIN_TOKEN, readSse, type SseMessage, startTestHost, type TestHost } from '../testing/harness.ts'
import { createTestDatabase } from '../testing/postgres.ts'
import { latestSchemaVersion } from './db.ts'
import { knowledgeChunkHash } from './knowledge.ts'
import { MigrateStoreError, migrateStore, TABLES } from './migrate-store.ts'
import { createPostgresStore } from './postgres/postgres-store.ts'
import { createSqliteStore } from './sqlite-store.ts'

const run = promisify(execFile)
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

/** The test server trusts every login; a password in the URL shows whether it is ever printed. */
const PASSWORD = 'Sekr3t-pw-4711'
const withPassword = (url: string) => url.replace(/^postgres:\/\/([^@/]+)@/, `postgres://$1:${PASSWORD}@`)

const dir = mkdtempSync(join(tmpdir(), 'porch-migrate-'))
const dbPath = join(dir, 'porch.db')
const hosts: TestHost[] = []

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()))
  rmSync(dir, { recursive: true, force: true })
})

const fileEvent = (events: SseMessage[]) => events.map((m) => m.data).find((e): e is StreamEventOf<'output_file'> => e.event_type === 'output_file')

/** What the first host made, to be found again on PostgreSQL. */
const seeded = {} as {
  agentId: string
  publicAgentId: string
  linkId: string
  linkToken: string
  visitorToken: string
  chatKey: string
  ownerKey: string
  console: ConsoleClient
  agents: unknown
  versions: unknown
  links: unknown
  transcript: any
  history: any
  analyticsRange: string
  analytics: any
  outputUrl: string
  output: Buffer
  attachmentUrl: string
  identitySecret: string
  conversations: unknown
  userSessions: unknown
}

/** A user token (signed visitor identity) for `sub`, signed with the public agent's identity secret. */
function userToken(sub: string): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}`
  return `${data}.${createHmac('sha256', seeded.identitySecret).update(data).digest('base64url')}`
}

const linkBase = () => `/api/v1/links/${seeded.linkToken}`

async function seed() {
  const host = await startTestHost({ PORCH_DB: dbPath })
  hosts.push(host)
  const agent = await host.owner.publishedAgent(
    { name: 'Files agent', model: 'demo:instant', attachments: true, tools: [{ type: 'builtin', name: 'create_file' }] },
    { access: 'link' },
  )
  await host.owner.updateAgent(agent.id, { description: 'Second draft' })
  await host.owner.publish(agent.id, { access: 'link', description: 'second' })
  seeded.agentId = agent.id
  const link = (await host.owner.call('POST', `/agents/${agent.id}/links`, { name: 'Locked', password: 'open sesame', quota_total: 50 })).body
  seeded.linkId = link.id
  seeded.linkToken = link.token
  seeded.visitorToken = (await (await host.post(`${linkBase()}/unlock`, { password: 'open sesame' })).json()).token
  const auth = { authorization: `Bearer ${seeded.visitorToken}` }

  const upload = await fetch(`${host.url}${linkBase()}/sessions/visit-1/attachments?filename=dot.png`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', ...auth },
    body: new Blob([new Uint8Array(PNG)]),
  })
  expect(upload.status).toBe(201)
  const attachment = await upload.json()
  seeded.attachmentUrl = `${linkBase()}/sessions/visit-1/files/${attachment.file_id}`
  const events = await readSse(
    await host.post(`${linkBase()}/chat`, { request: 'Make me a CSV file', session_id: 'visit-1', attachments: [attachment.file_id] }, auth),
  )
  const file = fileEvent(events)!
  expect(file).toBeDefined()
  seeded.outputUrl = file.download_url
  seeded.output = Buffer.from(await (await host.get(file.download_url)).arrayBuffer())

  const publicAgent = await host.owner.publishedAgent({ name: 'Public agent', model: 'demo:instant' })
  seeded.publicAgentId = publicAgent.id
  seeded.chatKey = (await host.owner.call('POST', `/agents/${publicAgent.id}/keys`, { name: 'server' })).body.key
  const completion = await host.post(
    '/v1/chat/completions',
    { model: publicAgent.id, messages: [{ role: 'user', content: 'Hello?' }] },
    { authorization: `Bearer ${seeded.chatKey}` },
  )
  expect(completion.status).toBe(200)
  seeded.ownerKey = (await host.owner.call('POST', '/owner-keys', { name: 'viewer', role: 'viewer' })).body.key
  seeded.console = await signedInClient(host.url, seeded.ownerKey)
  expect((await seeded.console.call('GET', '/agents')).status).toBe(200)

  // A visitor's rating, which the copy must keep on its answer (the snapshot's history and transcript show it).
  const rated = await fetch(`${host.url}${linkBase()}/sessions/visit-1/messages/2/feedback`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${seeded.visitorToken}` },
    body: JSON.stringify({ rating: 'down', comment: 'kept across stores' }),
  })
  expect(rated.status).toBe(200)
  // A person took the session over, wrote and handed it back: the copy keeps the author and the events.
  const held = `/agents/${agent.id}/sessions/visit-1`
  expect((await host.owner.call('POST', `${held}/takeover?scope=link:${link.id}`, { name: 'Anna' })).status).toBe(200)
  expect((await host.owner.call('POST', `${held}/takeover/messages?scope=link:${link.id}`, { text: 'A person here' })).status).toBe(201)
  expect((await host.owner.call('POST', `${held}/handback?scope=link:${link.id}`, {})).status).toBe(204)

  // Signed visitor identity: the sealed secret (opened with the copied host secret) and a user's session.
  seeded.identitySecret = (await host.owner.call('POST', `/agents/${publicAgent.id}/identity/secret`)).body.secret
  expect((await host.owner.call('PATCH', `/agents/${publicAgent.id}/identity`, { require_identity: true })).status).toBe(200)
  const signed = await host.post(
    `/api/v1/published/${publicAgent.id}/chat`,
    { request: 'Signed in', session_id: 'signed-1' },
    { 'X-Porch-User-Token': userToken('user-7') },
  )
  expect(signed.status).toBe(200)
  await signed.text()

  await snapshot(host)
  await host.stop()
  hosts.pop()
}

/** What the owner and the visitor see; the same calls on both hosts. */
async function snapshot(host: TestHost) {
  seeded.agents = (await host.owner.call('GET', '/agents')).body
  seeded.versions = (await host.owner.call('GET', `/agents/${seeded.agentId}/versions`)).body
  seeded.links = (await host.owner.call('GET', `/agents/${seeded.agentId}/links`)).body
  seeded.transcript = (await host.owner.call('GET', `/agents/${seeded.agentId}/sessions/visit-1?scope=link:${seeded.linkId}`)).body
  seeded.history = await (await host.get(`${linkBase()}/sessions/visit-1`, { authorization: `Bearer ${seeded.visitorToken}` })).json()
  // The rollup is copied, not counted again from the copied traces.
  seeded.analyticsRange ??= `from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`
  seeded.analytics = (await host.owner.call('GET', `/analytics?${seeded.analyticsRange}`)).body
  expect(seeded.analytics.totals.runs).toBeGreaterThan(0)
  expect(seeded.history.messages[1].feedback).toMatchObject({ rating: 'down', comment: 'kept across stores' })
  expect(seeded.history.messages.at(-1)).toMatchObject({ role: 'assistant', author: { kind: 'human', name: 'Anna' } })
  expect(seeded.history.last_event_id).toBe(3)
  seeded.conversations = await (await host.get(`/api/v1/published/${seeded.publicAgentId}/conversations`, { 'X-Porch-User-Token': userToken('user-7') })).json()
  expect(seeded.conversations).toMatchObject({ conversations: [{ session_id: 'signed-1', preview: 'Signed in' }] })
  seeded.userSessions = (await host.owner.call('GET', `/agents/${seeded.publicAgentId}/sessions?user_id=user-7`)).body
}

describe('migrate-store', () => {
  let url = ''
  let output = ''

  beforeAll(async () => {
    await seed()
    url = withPassword(await createTestDatabase())
    expect(url).toContain(PASSWORD)
    const lines: string[] = []
    await migrateStore({ from: dbPath, to: url, log: (line) => lines.push(line) })
    output = lines.join('\n')
  }, 60_000)

  it('copies every table, prints a summary per table, and never the password', async () => {
    const source = new Database(dbPath, { readonly: true })
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    try {
      for (const table of TABLES) {
        const { n } = source.prepare(`SELECT COUNT(*) AS n FROM ${table.name}`).get() as { n: number }
        const [row] = await sql.unsafe<{ n: string }[]>(`SELECT COUNT(*) AS n FROM ${table.name}`)
        expect(Number(row!.n), table.name).toBe(n)
        expect(output).toMatch(new RegExp(`${table.name}\\s+${n} rows`))
      }
      for (const table of [
        'settings',
        'agents',
        'agent_versions',
        'sessions',
        'messages',
        'traces',
        'links',
        'api_keys',
        'owner_keys',
        'files',
        'takeovers',
        'session_events',
        'analytics_hours',
        'analytics_seen',
      ]) {
        const { n } = source.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }
        expect(n, table).toBeGreaterThan(0)
      }
      // JSON kept as its exact text; file bytes as they were.
      const contents = source.prepare('SELECT content FROM messages ORDER BY session_pk, seq').all() as { content: string }[]
      const copied = await sql.unsafe<{ content: string }[]>('SELECT content::text AS content FROM messages ORDER BY session_pk, seq')
      expect(copied.map((r) => r.content)).toEqual(contents.map((r) => r.content))
      const configs = source.prepare('SELECT config FROM agent_versions ORDER BY id').all() as { config: string }[]
      expect((await sql.unsafe<{ config: string }[]>('SELECT config::text AS config FROM agent_versions ORDER BY id')).map((r) => r.config)).toEqual(
        configs.map((r) => r.config),
      )
    } finally {
      source.close()
      await sql.end()
    }
    expect(output).toContain(':***@')
    expect(output).not.toContain(PASSWORD)
  })

  it('serves the same agents, history, files, link, quota and keys from PostgreSQL', async () => {
    const host = await startTestHost({ PORCH_DATABASE_URL: url, PORCH_ADMIN_TOKEN: ADMIN_TOKEN })
    hosts.push(host)
    const before = { ...seeded }
    await snapshot(host)
    expect(seeded.agents).toEqual(before.agents)
    expect(seeded.versions).toEqual(before.versions)
    expect(seeded.links).toEqual(before.links)
    expect((seeded.links as any).links[0].used_total).toBeGreaterThan(0)
    expect(seeded.transcript).toEqual(before.transcript)
    expect(seeded.history).toEqual(before.history)
    expect(seeded.conversations).toEqual(before.conversations)
    expect(seeded.userSessions).toEqual(before.userSessions)
    expect((await host.get(`/api/v1/published/${seeded.publicAgentId}`)).status).toBe(401)
    expect(seeded.analytics).toEqual(before.analytics)

    // Files: the same bytes under the same URLs.
    expect(Buffer.from(await (await host.get(seeded.outputUrl)).arrayBuffer())).toEqual(seeded.output)
    expect(Buffer.from(await (await host.get(seeded.attachmentUrl)).arrayBuffer())).toEqual(PNG)

    // The password still unlocks; the chat key and the owner key still authenticate.
    const unlocked = await host.post(`${linkBase()}/unlock`, { password: 'open sesame' })
    expect(unlocked.status).toBe(200)
    expect((await host.post(`${linkBase()}/unlock`, { password: 'wrong' })).status).toBe(401)
    // The agent requires identity (carried over too): the key's server names its signed-in user.
    const completion = await host.post(
      '/v1/chat/completions',
      { model: seeded.publicAgentId, messages: [{ role: 'user', content: 'Still there?' }] },
      { authorization: `Bearer ${seeded.chatKey}`, 'X-Porch-User-Token': userToken('user-7') },
    )
    expect(completion.status).toBe(200)
    expect((await host.get('/api/v1/agents', { authorization: `Bearer ${seeded.ownerKey}` })).status).toBe(200)
    // The console sign-in carries over: the same cookie and CSRF token, now on the new host.
    const signedIn = consoleClient(host.url, seeded.console.cookie, seeded.console.csrfToken)
    const listed = await signedIn.call('GET', '/agents')
    expect(listed.status).toBe(200)
    expect(listed.body).toEqual(before.agents)

    // A new message continues the old session: its numbers follow the copied ones.
    const token = (await unlocked.json()).token
    const events = await readSse(
      await host.post(`${linkBase()}/chat`, { request: 'And another one', session_id: 'visit-1' }, { authorization: `Bearer ${token}` }),
    )
    expect(events.at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })
    const after = (await host.owner.call('GET', `/agents/${seeded.agentId}/sessions/visit-1?scope=link:${seeded.linkId}`)).body
    const seqs = after.messages.map((m: { seq: number }) => m.seq)
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1))
    expect(seqs.length).toBe(before.transcript.messages.length + 2)
    expect(after.messages.slice(0, before.transcript.messages.length)).toEqual(before.transcript.messages)
    // New sessions get keys past the copied ones.
    const fresh = await readSse(await host.post(`${linkBase()}/chat`, { request: 'Hi', session_id: 'visit-2' }, { authorization: `Bearer ${token}` }))
    expect(fresh.at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })
    const links = (await host.owner.call('GET', `/agents/${seeded.agentId}/links`)).body
    expect(links.links[0].used_total).toBe((before.links as any).links[0].used_total + 2)
    await host.stop()
    hosts.pop()
  }, 60_000)

  it('refuses to copy into a database that holds Porch data, changing nothing', async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    const counts = async () => {
      const result: Record<string, number> = {}
      for (const table of TABLES) result[table.name] = Number((await sql.unsafe<{ n: string }[]>(`SELECT COUNT(*) AS n FROM ${table.name}`))[0]!.n)
      return result
    }
    try {
      const before = await counts()
      await expect(migrateStore({ from: dbPath, to: url })).rejects.toThrow(/already holds Porch data \(rows in settings, agents/)
      expect(await counts()).toEqual(before)
    } finally {
      await sql.end()
    }
  })

  it('refuses a missing file, a file of an older schema, and an unreachable target, without touching the target', async () => {
    const target = await createTestDatabase()
    await expect(migrateStore({ from: join(dir, 'nope.db'), to: target })).rejects.toThrow(
      new MigrateStoreError(`no SQLite database at ${join(dir, 'nope.db')}`),
    )
    const unreachable = await migrateStore({ from: dbPath, to: `postgres://porch:${PASSWORD}@127.0.0.1:1/porch` }).catch((error: Error) => error)
    expect(unreachable).toBeInstanceOf(MigrateStoreError)
    expect((unreachable as Error).message).toContain('cannot reach the PostgreSQL database at postgres://porch:***@127.0.0.1:1/porch')
    expect((unreachable as Error).message).not.toContain(PASSWORD)
    const old = join(dir, 'old.db')
    copyFileSync(dbPath, old)
    const db = new Database(old)
    const latest = latestSchemaVersion()
    db.pragma(`user_version = ${latest - 1}`)
    db.close()
    await expect(migrateStore({ from: old, to: target })).rejects.toThrow(
      new RegExp(`has schema version ${latest - 1}, and this Porch copies version ${latest}: start this Porch on it once`),
    )
    const sql = postgres(target, { max: 1, onnotice: () => {} })
    try {
      expect(await sql`SELECT to_regclass('porch_migrations') AS t`).toEqual([{ t: null }])
    } finally {
      await sql.end()
    }
  })

  it('copies knowledge so the PostgreSQL store searches the same draft and versions, files and all', async () => {
    const path = join(dir, 'knowledge.db')
    const sqlite = createSqliteStore(path)
    const chunk = (ordinal: number, text: string) => {
      const content = { title: 'Guide', headingPath: ['Shipping'], url: 'https://shop.example/ship', text }
      return { ordinal, ...content, hash: knowledgeChunkHash(content) }
    }
    const agent = await sqlite.createAgent({ name: 'K', description: '', config: AgentConfigSchema.parse({}) })
    const source = (await sqlite.addKnowledgeSource(agent.id, {
      kind: 'file',
      title: 'Ship',
      origin: 'ship.md',
      file: { data: PNG, contentType: 'text/markdown' },
    }))!
    await sqlite.replaceKnowledgeChunks(agent.id, source.id, [chunk(0, 'parcels ship on mondays'), chunk(1, 'returns are free')])
    await sqlite.publish({ agentId: agent.id })
    await sqlite.replaceKnowledgeChunks(agent.id, source.id, [chunk(0, 'parcels ship daily'), chunk(1, 'returns are free')])
    const queries = [
      { agentId: agent.id, version: 1, query: 'shipping parcels', limit: 5 },
      { agentId: agent.id, version: 'draft' as const, query: 'shipping parcels returns', limit: 5 },
    ]
    const before = await Promise.all(queries.map((q) => sqlite.searchKnowledge(q)))
    await sqlite.close()

    const target = await createTestDatabase()
    await migrateStore({ from: path, to: target })
    const pg = await createPostgresStore(target, { max: 2 })
    try {
      const after = await Promise.all(queries.map((q) => pg.searchKnowledge(q)))
      // The same hits; their order may differ where the stores' scores do (bm25, ts_rank_cd).
      const strip = (hits: typeof before) => hits.map((list) => list.map(({ score, rank, ...hit }) => hit).sort((a, b) => a.text.localeCompare(b.text)))
      expect(strip(after)).toEqual(strip(before))
      expect(await pg.knowledgeUsage(agent.id)).toEqual({ sources: 1, chunks: 3 })
      expect(Buffer.from((await pg.getKnowledgeFile(agent.id, source.id, 1))!.data).equals(PNG)).toBe(true)
      // New chunks take ids after the copied ones.
      await pg.replaceKnowledgeChunks(agent.id, source.id, [chunk(0, 'parcels ship hourly')])
      expect((await pg.searchKnowledge({ ...queries[1]!, query: 'hourly' })).map((h) => h.text)).toEqual(['parcels ship hourly'])
    } finally {
      await pg.close()
    }
  })

  it('rolls everything back when a row cannot be copied', async () => {
    const target = withPassword(await createTestDatabase())
    const broken = join(dir, 'broken.db')
    copyFileSync(dbPath, broken)
    const db = new Database(broken)
    db.prepare("UPDATE messages SET content = 'not json' WHERE seq = (SELECT MAX(seq) FROM messages)").run()
    db.close()
    const failure = await migrateStore({ from: broken, to: target }).then(
      () => undefined,
      (error: Error) => error,
    )
    expect(failure).toBeInstanceOf(Error)
    expect(failure).not.toBeInstanceOf(MigrateStoreError)
    expect(failure!.message).toMatch(/json/i)
    expect(failure!.message).not.toContain(PASSWORD)
    const sql = postgres(target, { max: 1, onnotice: () => {} })
    try {
      for (const table of TABLES) expect(Number((await sql.unsafe<{ n: string }[]>(`SELECT COUNT(*) AS n FROM ${table.name}`))[0]!.n), table.name).toBe(0)
    } finally {
      await sql.end()
    }
    // The schema stays, empty: the copy may be run again into the same database.
    await migrateStore({ from: dbPath, to: target })
  })

  it('runs from the command line: exit 1 and a clear message on a refusal, the password masked', async () => {
    const target = withPassword(await createTestDatabase())
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'migrate-store-main.ts'), ...args], {
        env: { ...process.env, PORCH_DATABASE_URL: '' },
      }).then(
        (ok) => ({ code: 0, out: ok.stdout + ok.stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout + error.stderr }),
      )
    const copied = await cli(['--from', dbPath, '--to', target])
    expect(copied.code, copied.out).toBe(0)
    expect(copied.out).toMatch(/messages\s+\d+ rows/)
    const again = await cli(['--from', dbPath, '--to', target])
    expect(again.code).toBe(1)
    expect(again.out).toContain('refused: the PostgreSQL database at')
    expect(again.out).toContain('already holds Porch data')
    for (const out of [copied.out, again.out]) expect(out).not.toContain(PASSWORD)
    const missing = await cli(['--to', target])
    expect(missing.code).toBe(2)
  }, 60_000)
})
