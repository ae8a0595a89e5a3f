/**
 * What Redis did for the hosts, read from Redis itself (`INFO stats commandstats cpu`) on a
 * connection of the benchmark's own, so nothing in the host is wrapped or counted by the host:
 *
 * - commands, by name: `commandstats` calls, which also count the commands a Lua script runs
 *   (the rate limiter's script: rate-limiter-flexible's RateLimiterRedis);
 * - request batches: `total_reads_processed`, the read events on client sockets. ioredis sends
 *   the commands of one event-loop tick in one write (auto-pipelining, host/cluster/redis.ts),
 *   and Redis reads such a write in one event (its buffer is 16 KiB), so with one chat at a time
 *   a batch is one round trip of the host to Redis; under load, commands of several chats share
 *   one write, and batches per chat fall below that;
 * - the server's CPU time (`used_cpu_user` + `used_cpu_sys`: the whole process).
 *
 * Each reading is one INFO, which Redis counts as a command and a read: a delta between two
 * readings holds exactly one of each, and `minus` (a window without chats) takes it out, with
 * the hosts' heartbeats (one batch per host every 2 s, runtime/runs/redis-run-board.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'

export type RedisStats = { commands: Record<string, number>; batches: number; cpuMs: number }

export type RedisProbe = { read(): Promise<RedisStats>; version(): Promise<string>; close(): void }

export function redisProbe(url: string): RedisProbe {
  const redis = new Redis(url, { lazyConnect: true, enableAutoPipelining: false, maxRetriesPerRequest: 0 })
  const info = async (...sections: string[]) => {
    if (redis.status === 'wait') await redis.connect()
    const fields = new Map<string, string>()
    for (const line of String(await redis.call('INFO', ...sections)).split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1))
    }
    return fields
  }
  return {
    async read() {
      const fields = await info('stats', 'commandstats', 'cpu')
      const commands: Record<string, number> = {}
      for (const [name, value] of fields) {
        const calls = /^calls=(\d+)/.exec(value)
        if (name.startsWith('cmdstat_') && calls) commands[name.slice('cmdstat_'.length)] = Number(calls[1])
      }
      const seconds = Number(fields.get('used_cpu_user')) + Number(fields.get('used_cpu_sys'))
      return { commands, batches: Number(fields.get('total_reads_processed')), cpuMs: seconds * 1000 }
    },
    async version() {
      return (await info('server')).get('redis_version') ?? 'unknown'
    },
    close: () => redis.disconnect(),
  }
}

/** What happened between two readings. */
export function statsDelta(before: RedisStats, after: RedisStats): RedisStats {
  const commands: Record<string, number> = {}
  for (const [name, calls] of Object.entries(after.commands)) commands[name] = calls - (before.commands[name] ?? 0)
  return { commands, batches: after.batches - before.batches, cpuMs: after.cpuMs - before.cpuMs }
}

/** `a` minus `b`, command by command (the chats' window minus a window without chats). */
export function minus(a: RedisStats, b: RedisStats): RedisStats {
  const commands: Record<string, number> = {}
  for (const name of new Set([...Object.keys(a.commands), ...Object.keys(b.commands)])) commands[name] = (a.commands[name] ?? 0) - (b.commands[name] ?? 0)
  return { commands, batches: a.batches - b.batches, cpuMs: a.cpuMs - b.cpuMs }
}

/** Per chat: each command's calls (those that round to 0.00 left out), all of them, batches, and Redis's CPU time. */
export type RedisPerChat = { chats: number; commands: Record<string, number>; total: number; batches: number; cpuUs: number }

export function perChat(stats: RedisStats, chats: number): RedisPerChat {
  const commands: Record<string, number> = {}
  let total = 0
  for (const [name, calls] of Object.entries(stats.commands).sort(([a], [b]) => a.localeCompare(b))) {
    const each = calls / chats
    if (Math.abs(each) < 0.005) continue
    commands[name] = each
    total += each
  }
  return { chats, commands, total, batches: stats.batches / chats, cpuUs: (stats.cpuMs * 1000) / chats }
}

/**
 * Redis's work for `chats` chats sent one at a time (`chat(i)` sends chat i and reads its whole
 * answer), minus a window of the same length without chats. A short pause after the last chat
 * lets what a run sends after its answer (the claim's DEL once its messages are stored) arrive.
 */
export async function redisPerChat(probe: RedisProbe, chats: number, chat: (i: number) => Promise<void>): Promise<RedisPerChat> {
  const start = performance.now()
  const before = await probe.read()
  for (let i = 0; i < chats; i++) await chat(i)
  await sleep(100)
  const during = statsDelta(before, await probe.read())
  const duration = performance.now() - start
  const idleBefore = await probe.read()
  await sleep(duration)
  const idle = statsDelta(idleBefore, await probe.read())
  return perChat(minus(during, idle), chats)
}
