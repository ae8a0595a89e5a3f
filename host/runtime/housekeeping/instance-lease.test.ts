/**
 * A host's lease among the hosts of one database: at start it marks interrupted only the runs of
 * hosts that died (a process gone from this machine, at once; a host elsewhere, once its lease
 * expired), renews its own lease, and forgets itself when it stops.
 */
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../../shared/index.ts'
import { createSqliteStore } from '../../store/sqlite-store.ts'
import type { Store } from '../../store/store.ts'
import { eventually } from '../../testing/harness.ts'
import { deadOnThisMachine, machineId, startInstanceLease } from './instance-lease.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-lease-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const quiet = { info: () => {}, error: () => {} }

async function runningTrace(store: Store, agentId: string, instanceId: string) {
  const traceId = randomUUID()
  await store.startTrace({ traceId, instanceId, agentId, version: 1, sessionId: traceId, scope: 'public', requestId: 'r', startedAt: new Date().toISOString() })
  return traceId
}

it('interrupts a dead process’s runs at start, another machine’s only once its lease expired, and never its own', async () => {
  const store = createSqliteStore(join(dir, 'lease.db'))
  try {
    const agent = await store.createAgent({ name: 'a', description: '', config: AgentConfigSchema.parse({}) })
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!
    const crashed = { id: randomUUID(), machine: machineId(), pid: deadPid }
    const elsewhere = { id: randomUUID(), machine: 'another-machine', pid: process.pid }
    await store.touchInstance(crashed)
    await store.touchInstance(elsewhere)
    const ofCrashed = await runningTrace(store, agent.id, crashed.id)
    const ofElsewhere = await runningTrace(store, agent.id, elsewhere.id)

    const lease = await startInstanceLease(store, quiet, 600)
    const status = async (traceId: string) => (await store.listTraces({ agentId: agent.id, limit: 10 })).find((t) => t.traceId === traceId)?.status
    expect(lease.interrupted).toBe(1)
    expect(await status(ofCrashed)).toBe('interrupted')
    expect(await status(ofElsewhere)).toBe('running')
    const mine = await runningTrace(store, agent.id, lease.instanceId)

    // The other machine stops renewing; this host's renewals (every 200 ms) sweep it once its lease ends.
    await eventually(async () => ((await status(ofElsewhere)) === 'interrupted' ? true : undefined), 5_000)
    expect(await status(mine)).toBe('running')
    expect((await store.listInstances()).map((i) => i.id)).toEqual([lease.instanceId])

    await lease.stop()
    expect(await store.listInstances()).toEqual([])
  } finally {
    await store.close()
  }
})

it('counts as dead on this machine only a gone process or an older instance with this very pid', () => {
  const machine = machineId()
  const self = { id: 'me', machine, pid: process.pid }
  const at = new Date().toISOString()
  const instances = [
    { id: 'me', machine, pid: process.pid, startedAt: at, lastSeen: at },
    { id: 'previous-life', machine, pid: process.pid, startedAt: at, lastSeen: at },
    { id: 'gone', machine, pid: spawnSync(process.execPath, ['-e', '']).pid!, startedAt: at, lastSeen: at },
    { id: 'parent', machine, pid: process.ppid, startedAt: at, lastSeen: at },
    { id: 'elsewhere', machine: 'other', pid: 999_999, startedAt: at, lastSeen: at },
  ]
  expect(deadOnThisMachine(instances, self)).toEqual(['previous-life', 'gone'])
})
