/**
 * CPU time a process has used (user + system), read from /proc. Divided by the requests it
 * served, it gives the cost of one request, which a busy shared machine distorts far less than
 * requests per second.
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // USER_HZ, 100 on every Linux Node supports

/** The fields of /proc/PID/stat after the command name (which may contain spaces): [0] is the state, [1] the parent. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

export function processCpuMs(pid: number): number {
  const fields = statFields(pid)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}

/**
 * CPU time of a process and all its descendants, live or ended: for a server that forks a
 * process per connection (PostgreSQL). Each process's own time plus that of its children it
 * has reaped, so a backend that ended between two readings still counts, once.
 */
export function processTreeCpuMs(rootPid: number): number {
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      parents.set(Number(name), Number(statFields(Number(name))[1]))
    } catch {
      // It ended while the list was read.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) if (at === rootPid) return true
    return false
  }
  let ticks = 0
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue
    try {
      const fields = statFields(pid)
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    } catch {
      // Ended since the listing: this reading may miss its time (one process's, once).
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND
}

/**
 * CPU time of a process's threads in milliseconds, to the nanosecond (the scheduler's own
 * account in /proc/PID/task/TID/schedstat): fine enough to read around one request, where the
 * 10 ms ticks of /proc/PID/stat are not.
 */
export function preciseCpuMs(pid: number): number {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6
}
