/**
 * CPU time a process has used (user + system), read from /proc. Divided by the requests it
 * served, it gives the cost of one request, which a busy shared machine distorts far less than
 * requests per second.
 */
import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // USER_HZ, 100 on every Linux Node supports

export function processCpuMs(pid: number): number {
  // Fields after the command name (which may contain spaces) start at the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}
