/**
 * What host tests share: a real host on 127.0.0.1 with a real SQLite file in a temp folder,
 * owner API helpers, and an SSE reader. Tests talk to it over HTTP, as clients do.
 * `PORCH_TEST_STORE=postgres npx vitest run host/routes` runs them on PostgreSQL instead: each
 * host gets a fresh database on the run's throwaway server (host/testing/postgres.ts). Tests
 * that open the SQLite file themselves (`new Database(host.dbPath)`) fail there, by design.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Agent, CreateAgent, Publish, StreamEvent } from '../../shared/index.ts'
import { loadConfig } from '../config.ts'
import { silentLogger } from '../log.ts'
import { type Host, type HostOptions, startHost } from '../server.ts'
import { createTestDatabase } from './postgres.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'

export type TestHost = Host & {
  dir: string
  dbPath: string
  owner: OwnerClient
  /** POSTs JSON to a path of this host. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  get(path: string, headers?: Record<string, string>): Promise<Response>
  stop(): Promise<void>
}

export async function startTestHost(env: Record<string, string> = {}, options: Omit<HostOptions, 'log'> = {}): Promise<TestHost> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-test-'))
  const dbPath = join(dir, 'porch.db')
  const pg = process.env.PORCH_TEST_STORE === 'postgres' ? { PORCH_DATABASE_URL: await createTestDatabase() } : {}
  const config = loadConfig({ PORT: '0', PORCH_DB: dbPath, PORCH_ADMIN_TOKEN: ADMIN_TOKEN, ...pg, ...env })
  const host = await startHost(config, { log: silentLogger, modelRetries: 0, ...options })
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(host.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const get = (path: string, headers: Record<string, string> = {}) => fetch(host.url + path, { headers })
  return {
    ...host,
    dir,
    dbPath,
    owner: ownerClient(host.url, ADMIN_TOKEN),
    post,
    get,
    async stop() {
      await host.close(0)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type OwnerClient = ReturnType<typeof ownerClient>

/** The owner API, failing loudly on any unexpected status so tests read as the happy path. */
export function ownerClient(base: string, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }
  const expectOk = async (method: string, path: string, body?: unknown) => {
    const result = await call(method, path, body)
    if (result.status >= 300) throw new Error(`${method} ${path} → ${result.status} ${JSON.stringify(result.body)}`)
    return result.body
  }
  return {
    call,
    createAgent: (agent: Partial<CreateAgent> & { name: string }): Promise<Agent> => expectOk('POST', '/agents', agent),
    updateAgent: (id: string, patch: Record<string, unknown>): Promise<Agent> => expectOk('PATCH', `/agents/${id}`, patch),
    publish: (id: string, options: Publish = {}) => expectOk('POST', `/agents/${id}/publish`, options),
    /**
     * Adds a knowledge source to the agent's draft (a pasted text, or a file by its name) and
     * waits until it is read; returns its id. Throws unless it ends `ready`.
     */
    async addKnowledge(agentId: string, source: { title: string; text: string } | { filename: string; body: string; contentType?: string }): Promise<string> {
      const added =
        'filename' in source
          ? await fetch(`${base}/api/v1/agents/${agentId}/knowledge/files?filename=${encodeURIComponent(source.filename)}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': source.contentType ?? 'application/octet-stream' },
              body: source.body,
            }).then(async (response) => ({ status: response.status, body: await response.json() }))
          : await call('POST', `/agents/${agentId}/knowledge/sources`, { kind: 'text', ...source })
      if (added.status !== 201 && added.status !== 202) throw new Error(`adding knowledge → ${added.status} ${JSON.stringify(added.body)}`)
      for (let i = 0; i < 200; i++) {
        const { body } = await call('GET', `/agents/${agentId}/knowledge/sources/${added.body.id}`)
        if (body.status === 'ready') return added.body.id
        if (body.status !== 'importing') throw new Error(`knowledge source ${body.status}: ${body.error}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error('the knowledge source never finished importing')
    },
    /** Creates an agent and publishes it in one go. */
    async publishedAgent(agent: Partial<CreateAgent> & { name?: string }, options: Publish = {}): Promise<Agent> {
      const created = await expectOk('POST', '/agents', { name: 'Test agent', ...agent })
      await expectOk('POST', `/agents/${created.id}/publish`, options)
      return created
    },
  }
}

export type SseMessage = { id?: string; event?: string; data: StreamEvent }

/** Reads a whole SSE response into its events (comments such as `: ping` are skipped). */
export async function readSse(response: Response): Promise<SseMessage[]> {
  return parseSse(await response.text())
}

export function parseSse(text: string): SseMessage[] {
  const messages: SseMessage[] = []
  for (const block of text.split(/\n\n/)) {
    let id: string | undefined
    let event: string | undefined
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4)
      else if (line.startsWith('event: ')) event = line.slice(7)
      else if (line.startsWith('data: ')) data.push(line.slice(6))
    }
    if (data.length > 0) messages.push({ id, event, data: JSON.parse(data.join('\n')) })
  }
  return messages
}

/**
 * Reads an SSE response until `stop` says so, then drops the connection (as a client whose
 * network failed). Returns the events seen up to and including the one that stopped it.
 */
export async function readSseUntil(response: Response, stop: (message: SseMessage, all: SseMessage[]) => boolean): Promise<SseMessage[]> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const seen: SseMessage[] = []
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return seen
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const [message] = parseSse(`${block}\n\n`)
      if (!message) continue
      seen.push(message)
      if (stop(message, seen)) {
        await reader.cancel()
        return seen
      }
    }
  }
}

export const textOf = (events: SseMessage[]) => events.map((m) => (m.data.event_type === 'text_delta' ? m.data.text : '')).join('')

/**
 * Polls `check` until it returns a value other than undefined, null or false (bounded: fails
 * after `ms`), so a condition (`a === b`) works as well as a lookup (`list.find(...)`).
 */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== null && value !== false) return value as T
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
