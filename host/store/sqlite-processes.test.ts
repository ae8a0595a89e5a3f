/**
 * SQLite-only on purpose: two real processes writing one database file at once, which the
 * contract suite (one process) cannot make happen. better-sqlite3 is synchronous, so two store
 * instances in one process never interleave their transactions; two processes do. Every run is
 * stored and numbered without a gap, every version once, and both processes agree on a setting.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../shared/index.ts'
import { createSqliteStore } from './sqlite-store.ts'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'porch-processes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type WriterResult = { traceIds: string[]; publishes: string[]; setting: string }

const writer = (args: string[]) =>
  new Promise<WriterResult>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'host/testing/sqlite-writer.ts', ...args], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as WriterResult),
    )
  })

it('keeps every run, version and setting whole when two processes write one session, agent and setting at once', async () => {
  const path = join(dir, 'shared.db')
  const store = createSqliteStore(path)
  try {
    const agent = await store.createAgent({ name: 'shared', description: '', config: AgentConfigSchema.parse({}) })
    const COUNT = 40
    const go = join(dir, 'go')
    const both = Promise.all([0, 1].map(() => writer([path, agent.id, 'shared-session', String(COUNT), go, 'raced'])))
    // Both processes have opened the store (tsx starts slowly) before either writes.
    while (readdirSync(dir).filter((name) => name.startsWith('go.ready.')).length < 2) await new Promise((resolve) => setTimeout(resolve, 20))
    writeFileSync(go, '')
    const results = await both

    const messages = await store.getMessages({ agentId: agent.id, scope: 'public', sessionId: 'shared-session' })
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 4 * COUNT }, (_, i) => i + 1))
    for (const traceId of results.flatMap((r) => r.traceIds)) {
      const own = messages.filter((m) => m.traceId === traceId)
      expect(own.map((m) => m.role)).toEqual(['user', 'assistant'])
      expect(own[1]!.seq).toBe(own[0]!.seq + 1)
    }
    for (const result of results) expect(result.publishes.every((kind) => kind === 'published' || kind === 'nothing_to_publish')).toBe(true)
    const numbers = (await store.listVersions(agent.id)).map((v) => v.version)
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers.length - i))
    expect(results[0]!.setting).toBe(results[1]!.setting)
    expect(await store.getSetting('raced')).toBe(results[0]!.setting)
  } finally {
    await store.close()
  }
}, 90_000)
