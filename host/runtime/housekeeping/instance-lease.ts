/**
 * This host's place among the hosts sharing its database: an instance id made at start, a lease
 * renewed every third of `leaseMs`, and the sweep that marks as interrupted the runs of hosts
 * that died: those whose lease expired, and at once those on this machine whose process is gone
 * (a restart after a crash need not wait for the lease). Runs of live hosts are never touched.
 * Assumes one host per process (an older instance with this very pid is a previous life of it).
 */
import { randomUUID } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Logger } from '../../log.ts'
import type { HostInstance, Store } from '../../store/store.ts'

/** How long a host that stopped renewing still counts as alive. */
export const INSTANCE_LEASE_MS = 60_000

export type InstanceLease = {
  instanceId: string
  /** Runs the start's sweep marked interrupted. */
  interrupted: number
  /** Stops renewing and forgets this instance (call once its runs are stored). */
  stop(): Promise<void>
}

/** Where a pid names one process: the host name and, on Linux, the PID namespace (containers share host names less than they seem to). */
export function machineId(): string {
  try {
    return `${hostname()}/${readlinkSync('/proc/self/ns/pid')}`
  } catch {
    return hostname()
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The instances on this machine that are certainly dead: their process is gone, or this process now has their pid. */
export function deadOnThisMachine(instances: HostInstance[], self: Pick<HostInstance, 'id' | 'machine' | 'pid'>): string[] {
  return instances.filter((i) => i.id !== self.id && i.machine === self.machine && (i.pid === self.pid || !processAlive(i.pid))).map((i) => i.id)
}

export async function startInstanceLease(store: Store, log: Pick<Logger, 'info' | 'error'>, leaseMs = INSTANCE_LEASE_MS): Promise<InstanceLease> {
  const self = { id: randomUUID(), machine: machineId(), pid: process.pid }
  const sweep = async () =>
    store.markInterruptedTraces({
      leaseExpiredBefore: new Date(Date.now() - leaseMs).toISOString(),
      deadInstanceIds: deadOnThisMachine(await store.listInstances(), self),
    })
  await store.touchInstance(self)
  const interrupted = await sweep()
  let renewing: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    renewing = (async () => {
      try {
        await store.touchInstance(self)
        const count = await sweep()
        if (count > 0) log.info(`${count} run(s) of a host that stopped were marked interrupted`)
      } catch (error) {
        log.error('could not renew this host’s lease', error)
      }
    })()
  }, leaseMs / 3).unref()
  return {
    instanceId: self.id,
    interrupted,
    async stop() {
      clearInterval(timer)
      await renewing
      await store.endInstance(self.id)
    },
  }
}
