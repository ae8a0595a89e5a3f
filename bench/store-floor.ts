/**
 * `npx tsx bench/store-floor.ts [--chats=N] [--rounds=N]`: a sync chat's store work, CPU per chat
 * in-process, one chat at a time: the floor's one transaction (bench/floor-store.ts) against
 * Porch's store calls of one chat (bench/store-calls.ts's sequence, and the identity read the
 * visitor routes make), and the floor with its pragmas or triggers changed, to see what a
 * commit costs. CPU from `process.cpuUsage` (user + system): a commit's WAL writes are system time.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../host/store/db.ts'
import { AgentConfigSchema } from '../shared/index.ts'
import { openSqliteBenchStore } from './bench-store.ts'
import { floorStore } from './floor-store.ts'
import { oneChat } from './store-calls.ts'

const flag = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const chats = flag('chats', 3_000)
const rounds = flag('rounds', 3)

const VARIANTS: Record<string, string> = {
  floor: '',
  'floor, no analytics triggers': 'DROP TRIGGER analytics_count_inserted; DROP TRIGGER analytics_count_finished',
  'floor, synchronous = OFF': 'PRAGMA synchronous = OFF',
  'floor, wal_autocheckpoint = 100000': 'PRAGMA wal_autocheckpoint = 100000',
}

const dir = mkdtempSync(join(tmpdir(), 'porch-store-floor-'))
const floors = Object.entries(VARIANTS).map(([name, sql], i) => {
  const db = openDatabase(join(dir, `floor-${i}.db`))
  if (sql) db.exec(sql)
  return { name, storeTurn: floorStore(db, 'Hello! This is the demo agent.') }
})
const { store, dispose } = await openSqliteBenchStore()
const agent = await store.createAgent({ name: 'bench', description: '', config: AgentConfigSchema.parse({ model: 'demo:instant' }) })
await store.publish({ agentId: agent.id, apiResponseMode: 'non_streaming' })

async function porchChat() {
  await store.getAgentIdentity(agent.id)
  await oneChat(store, agent.id)
}

/** CPU µs per call of `work`, after a tenth as many to warm up. */
async function cpuUsPer(work: () => unknown): Promise<number> {
  for (let i = 0; i < chats / 10; i++) await work()
  const before = process.cpuUsage()
  for (let i = 0; i < chats; i++) await work()
  const used = process.cpuUsage(before)
  return Math.round((used.user + used.system) / chats)
}

try {
  console.log(`store work of one sync chat, CPU µs per chat in-process, ${chats} chats a round; load average ${loadavg()[0]!.toFixed(1)}`)
  for (let round = 1; round <= rounds; round++) {
    const row = [`porch's store calls ${await cpuUsPer(porchChat)}`]
    for (const floor of floors) row.push(`${floor.name} ${await cpuUsPer(() => floor.storeTurn(randomUUID(), randomUUID(), 'hello'))}`)
    console.log(`  round ${round}: ${row.join(', ')}`)
  }
} finally {
  await dispose()
  rmSync(dir, { recursive: true, force: true })
}
