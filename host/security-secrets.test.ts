/**
 * Security properties 3 and 12 (see security.test.ts for the map): every secret Porch issues is
 * ≥128 random bits, shown once and stored only as a hash (link passwords with scrypt); a wrong
 * secret of the right shape is refused; a dump of the whole database and every log line the
 * host writes are free of secrets, tokens and passwords.
 */
import { createHash, scryptSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// SQLite-only on purpose: it dumps the raw database to prove no secret is stored in clear, which the Store interface cannot show.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Agent } from '../shared/index.ts'
import { issueVisitorToken } from './auth/visitor-token.ts'
import { loadConfig } from './config.ts'
import { createLogger } from './log.ts'
import { type Host, startHost } from './server.ts'
import { type FakeProvider, startFakeOpenAI } from './testing/fake-providers.ts'
import { ADMIN_TOKEN, type OwnerClient, ownerClient, startTestHost, type TestHost } from './testing/harness.ts'

type CreatedLink = { id: string; token: string }

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const fromBase64url = (value: string) => Buffer.from(value, 'base64url')
const secretOf = (credential: string) => credential.slice(credential.indexOf('.') + 1)
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** The secrets (by name) that occur in `text`. */
const leaked = (text: string, secrets: Record<string, string>) =>
  Object.entries(secrets)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name)

/** Owner API steps shared by both hosts below. */
function actions(url: string, owner: OwnerClient) {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return {
    post,
    async link(agentId: string, body: Record<string, unknown>): Promise<CreatedLink> {
      const created = await owner.call('POST', `/agents/${agentId}/links`, { name: 'Share', ...body })
      expect(created.status).toBe(201)
      return created.body
    },
    async unlock(link: CreatedLink, password: string): Promise<string> {
      const response = await post(`/api/v1/links/${link.token}/unlock`, { password })
      expect(response.status).toBe(200)
      return (await response.json()).token
    },
    async credential(path: string, body: unknown): Promise<{ id: string; key: string }> {
      const created = await owner.call('POST', path, body)
      expect(created.status).toBe(201)
      return created.body
    },
  }
}

describe('property 3: tokens, keys and secrets are ≥128-bit random, hashed, shown once; passwords use scrypt', () => {
  const PORCH_SECRET = 'porch-signing-secret-for-tests-0123456789'
  const OPENAI_API_KEY = 'sk-never-stored-0123456789abcdef'
  let host: TestHost
  let agent: Agent
  let act: ReturnType<typeof actions>
  beforeAll(async () => {
    host = await startTestHost({ PORCH_SECRET, OPENAI_API_KEY, PORCH_RATE_UNLOCK_PER_15MIN: '1000' })
    agent = await host.owner.publishedAgent({ model: 'demo:instant' }, { api_response_mode: 'non_streaming' })
    act = actions(host.url, host.owner)
  })
  afterAll(async () => {
    await host?.stop()
  })

  it('issues link tokens, key secrets and visitor tokens of at least 128 random bits, never twice the same', async () => {
    const links = await Promise.all(Array.from({ length: 20 }, () => act.link(agent.id, { password: 'entropy-pw' })))
    const tokens = links.map((link) => link.token)
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(fromBase64url(token).length).toBeGreaterThanOrEqual(16)
    }
    const rotated = (await host.owner.call('PATCH', `/links/${links[0]!.id}`, { rotate_token: true })).body.token as string

    const chatKey = await act.credential(`/agents/${agent.id}/keys`, { name: 'k' })
    const refreshed = (await host.owner.call('POST', `/keys/${chatKey.id}/refresh`)).body.key as string
    const ownerKeys = await Promise.all(['a', 'b', 'c'].map((name) => act.credential('/owner-keys', { name, role: 'viewer' })))
    const keySecrets = [chatKey.key, refreshed, ...ownerKeys.map((k) => k.key)].map(secretOf)
    for (const secret of keySecrets) expect(fromBase64url(secret).length).toBeGreaterThanOrEqual(16)

    const visitors = [await act.unlock(links[1]!, 'entropy-pw'), await act.unlock(links[1]!, 'entropy-pw')]
    for (const visitor of visitors) expect(fromBase64url(visitor.split('.').at(-1)!).length).toBeGreaterThanOrEqual(16)

    const all = [...tokens, rotated, ...keySecrets, ...visitors]
    expect(new Set(all).size).toBe(all.length)
    // 21 × 32 bytes of a good random source cover nearly every byte value; a counter or a clock does not.
    const bytes = new Set([...tokens, rotated].flatMap((token) => [...fromBase64url(token)]))
    expect(bytes.size).toBeGreaterThan(200)
  })

  it('shows a token or key secret only in the reply that issued it', async () => {
    const link = await act.link(agent.id, { password: 'shown-once-pw' })
    const chatKey = await act.credential(`/agents/${agent.id}/keys`, { name: 'shown once' })
    const ownerKey = await act.credential('/owner-keys', { name: 'shown once', role: 'editor' })
    const readable = await Promise.all(
      [`/agents/${agent.id}/links`, `/agents/${agent.id}/keys`, '/owner-keys', `/agents/${agent.id}`, '/agents'].map(async (path) =>
        JSON.stringify((await host.owner.call('GET', path)).body),
      ),
    )
    const patched = JSON.stringify((await host.owner.call('PATCH', `/links/${link.id}`, { name: 'renamed' })).body)
    const secrets = { link: link.token, chatKey: secretOf(chatKey.key), ownerKey: secretOf(ownerKey.key), password: 'shown-once-pw' }
    expect(leaked([...readable, patched].join('\n'), secrets)).toEqual([])
  })

  it('stores link passwords with salted scrypt of at least N=2^14', async () => {
    const links = [await act.link(agent.id, { password: 'same password' }), await act.link(agent.id, { password: 'same password' })]
    const db = new Database(host.dbPath, { readonly: true })
    try {
      const hashes = links.map((link) => (db.prepare('SELECT password_hash FROM links WHERE id = ?').get(link.id) as { password_hash: string }).password_hash)
      expect(hashes[0]).not.toBe(hashes[1]) // salted
      for (const stored of hashes) {
        const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored)
        expect(match, stored).not.toBeNull()
        const [, n, r, p, salt, hash] = match!
        expect(Number(n)).toBeGreaterThanOrEqual(16_384)
        expect(fromBase64url(salt!).length).toBeGreaterThanOrEqual(16)
        const derived = scryptSync('same password', fromBase64url(salt!), fromBase64url(hash!).length, {
          N: Number(n),
          r: Number(r),
          p: Number(p),
          maxmem: 256 * 1024 * 1024,
        })
        expect(derived.equals(fromBase64url(hash!))).toBe(true)
      }
    } finally {
      db.close()
    }
  })

  it('stores tokens and key secrets only as their SHA-256', async () => {
    const link = await act.link(agent.id, {})
    const chatKey = await act.credential(`/agents/${agent.id}/keys`, { name: 'hashed' })
    const ownerKey = await act.credential('/owner-keys', { name: 'hashed', role: 'viewer' })
    const db = new Database(host.dbPath, { readonly: true })
    try {
      const value = (sql: string, ...args: string[]) => Object.values(db.prepare(sql).get(...args) as object)[0]
      expect(value('SELECT token_hash FROM links WHERE id = ?', link.id)).toBe(sha256(link.token))
      expect(value('SELECT secret_hash FROM api_keys WHERE id = ?', chatKey.id)).toBe(sha256(secretOf(chatKey.key)))
      expect(value('SELECT secret_hash FROM owner_keys WHERE id = ?', ownerKey.id)).toBe(sha256(secretOf(ownerKey.key)))
      expect(value("SELECT value FROM settings WHERE key = 'admin_token_hash'")).toBe(sha256(ADMIN_TOKEN))
    } finally {
      db.close()
    }
  })

  it('leaves no secret, token or password in clear anywhere in the database files', async () => {
    const link = await act.link(agent.id, { password: 'first-dump-password', quota_per_visitor_per_day: 50 })
    const visitor = await act.unlock(link, 'first-dump-password')
    expect((await act.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hello', session_id: 'dumped' }, bearer(visitor))).status).toBe(200)
    expect((await act.post(`/api/v1/links/${link.token}/unlock`, { password: 'wrong-guess-password' })).status).toBe(401)
    await host.owner.call('PATCH', `/links/${link.id}`, { password: 'second-dump-password' })
    const rotated = (await host.owner.call('PATCH', `/links/${link.id}`, { rotate_token: true })).body.token as string
    const secondVisitor = await act.unlock({ ...link, token: rotated }, 'second-dump-password')
    const chatKey = await act.credential(`/agents/${agent.id}/keys`, { name: 'dumped' })
    const refreshed = (await host.owner.call('POST', `/keys/${chatKey.id}/refresh`)).body.key as string
    const deletedKey = await act.credential(`/agents/${agent.id}/keys`, { name: 'deleted' })
    await host.owner.call('DELETE', `/keys/${deletedKey.id}`)
    const ownerKey = await act.credential('/owner-keys', { name: 'dumped', role: 'editor' })
    expect((await fetch(`${host.url}/api/v1/agents`, { headers: bearer(ownerKey.key) })).status).toBe(200)

    const secrets = {
      adminToken: ADMIN_TOKEN,
      porchSecret: PORCH_SECRET,
      openaiKey: OPENAI_API_KEY,
      linkToken: link.token,
      rotatedToken: rotated,
      firstPassword: 'first-dump-password',
      secondPassword: 'second-dump-password',
      wrongPassword: 'wrong-guess-password',
      visitorToken: visitor,
      visitorSignature: visitor.split('.').at(-1)!,
      secondVisitorSignature: secondVisitor.split('.').at(-1)!,
      chatKey: secretOf(chatKey.key),
      refreshedKey: secretOf(refreshed),
      deletedKey: secretOf(deletedKey.key),
      ownerKey: secretOf(ownerKey.key),
    }

    const db = new Database(host.dbPath, { readonly: true })
    let dump = ''
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['links', 'api_keys', 'owner_keys', 'settings', 'messages', 'link_visitor_usage']))
      for (const { name } of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
          dump += `${name}: ${Object.values(row)
            .map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))
            .join(' | ')}\n`
        }
      }
    } finally {
      db.close()
    }
    expect(dump).toContain('hello') // the dump did read the conversation
    expect(leaked(dump, secrets)).toEqual([])

    // Freed pages and the write-ahead log keep old bytes: read the files themselves too.
    const files = [host.dbPath, `${host.dbPath}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1'))
    expect(leaked(files.join('\n'), secrets)).toEqual([])
  })

  it('refuses a wrong secret of the right shape (comparisons themselves are constant-time by review)', async () => {
    const flip = (value: string) => value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A')
    const agents = (token: string) => fetch(`${host.url}/api/v1/agents`, { headers: bearer(token) }).then((r) => r.status)
    const ownerKey = await act.credential('/owner-keys', { name: 'shape', role: 'viewer' })
    const other = await act.credential('/owner-keys', { name: 'other', role: 'viewer' })
    expect(await agents(ownerKey.key)).toBe(200)
    expect(await agents(flip(ADMIN_TOKEN))).toBe(401)
    expect(await agents(flip(ownerKey.key))).toBe(401)
    expect(await agents(`${ownerKey.id}.${secretOf(other.key)}`)).toBe(401) // another key's secret
    expect(await agents(secretOf(ownerKey.key))).toBe(401)

    const link = await act.link(agent.id, { password: 'shape-password' })
    const otherLink = await act.link(agent.id, { password: 'shape-password' })
    const visitor = await act.unlock(link, 'shape-password')
    const say = (token: string) => act.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, bearer(token)).then((r) => r.status)
    const [version, payload, signature] = visitor.split('.') as [string, string, string]
    const claims = JSON.parse(fromBase64url(payload).toString('utf8'))
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, e: claims.e + 86_400 })).toString('base64url')
    expect(await say(visitor)).toBe(200)
    expect(await say(`${version}.${payload}.${flip(signature)}`)).toBe(401)
    expect(await say(`${version}.${forgedPayload}.${signature}`)).toBe(401)
    expect(await say(await act.unlock(otherLink, 'shape-password'))).toBe(401) // signed, but for another link
    expect(await say(issueVisitorToken('another-host-secret-0123456789abcdef', link.id))).toBe(401)
    expect(await say(issueVisitorToken(PORCH_SECRET, link.id, Date.now() - 3 * 3600_000))).toBe(401) // expired

    expect((await act.post(`/api/v1/links/${link.token}/unlock`, { password: 'shape-passworD' })).status).toBe(401)
    expect((await fetch(`${host.url}/api/v1/links/${flip(link.token)}`)).status).toBe(404)
  })
})

describe('property 12: logs never contain secrets, passwords or tokens', () => {
  const OPENAI_API_KEY = 'sk-logged-never-0123456789abcdef'
  let dir: string
  let host: Host
  let model: FakeProvider
  const lines: string[] = []
  beforeAll(async () => {
    // The provider fails every request, so model errors go through the host's error paths.
    model = await startFakeOpenAI([{ status: 500, errorMessage: 'upstream exploded' }])
    dir = mkdtempSync(join(tmpdir(), 'porch-logs-'))
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PORCH_DB: join(dir, 'porch.db'), OPENAI_BASE_URL: model.url, OPENAI_API_KEY })
    host = await startHost(config, { log: createLogger((line) => lines.push(line)), modelRetries: 0 })
  })
  afterAll(async () => {
    await host?.close(0)
    await model?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes none of them while visitors and owners use right and wrong credentials, and while things fail', async () => {
    const printed: string[] = []
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))),
    )
    try {
      const adminToken = host.secrets.newAdminToken!
      expect(adminToken).toBeTruthy() // generated on this first start, as in production
      const owner = ownerClient(host.url, adminToken)
      const act = actions(host.url, owner)
      const agent = (await owner.call('POST', '/agents', { name: 'Logged', model: 'demo:instant' })).body as Agent
      await owner.call('POST', `/agents/${agent.id}/publish`, { api_response_mode: 'non_streaming' })
      const broken = (await owner.call('POST', '/agents', { name: 'Broken model', model: 'openai:gpt-4o-mini' })).body as Agent
      await owner.call('POST', `/agents/${broken.id}/publish`, {})

      const link = await act.link(agent.id, { password: 'logged-password' })
      const brokenLink = await act.link(broken.id, {})
      const chatKey = await act.credential(`/agents/${agent.id}/keys`, { name: 'logged' })
      const ownerKey = await act.credential('/owner-keys', { name: 'logged', role: 'editor' })

      expect((await act.post(`/api/v1/links/${link.token}/unlock`, { password: 'wrong-logged-password' })).status).toBe(401)
      const visitor = await act.unlock(link, 'logged-password')
      expect((await act.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, bearer(visitor))).status).toBe(200)
      expect((await act.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, bearer(`${visitor}x`))).status).toBe(401)
      for (const token of [`${adminToken}x`, `${ownerKey.key}x`, chatKey.key]) {
        expect((await fetch(`${host.url}/api/v1/agents`, { headers: bearer(token) })).status).toBe(401)
      }
      expect((await fetch(`${host.url}/api/v1/agents`, { headers: bearer(ownerKey.key) })).status).toBe(200)

      // A model error, streaming and not.
      const failed = await act.post(`/api/v1/published/${broken.id}/chat`, { request: 'fail please' })
      expect(await failed.text()).toContain('"success":false')
      await (await act.post(`/api/v1/links/${brokenLink.token}/chat`, { request: 'fail please' })).text()

      // A storage failure while a link is being read: the host must log it without the token in the URL.
      const getLinkByTokenHash = host.store.getLinkByTokenHash
      host.store.getLinkByTokenHash = async () => {
        throw new Error('disk I/O error')
      }
      try {
        expect((await fetch(`${host.url}/api/v1/links/${link.token}`)).status).toBe(500)
        expect((await fetch(`${host.url}/l/${link.token}`)).status).toBe(500)
        expect((await act.post(`/api/v1/links/${link.token}/chat/sync`, { request: 'hi' }, bearer(visitor))).status).toBe(500)
      } finally {
        host.store.getLinkByTokenHash = getLinkByTokenHash
      }

      const secrets = {
        adminToken,
        openaiKey: OPENAI_API_KEY,
        porchSecret: host.secrets.secret,
        linkToken: link.token,
        brokenLinkToken: brokenLink.token,
        password: 'logged-password',
        wrongPassword: 'wrong-logged-password',
        visitorSignature: visitor.split('.').at(-1)!,
        chatKey: secretOf(chatKey.key),
        ownerKey: secretOf(ownerKey.key),
      }
      const output = [...lines, ...printed].join('\n')
      expect(lines.some((line) => line.includes('ERROR'))).toBe(true) // the storage failure was logged
      const leakingLines = output.split('\n').filter((line) => leaked(line, secrets).length > 0)
      expect(leaked(output, secrets), leakingLines.join('\n')).toEqual([])
    } finally {
      for (const spy of consoleSpies) spy.mockRestore()
    }
  })
})
