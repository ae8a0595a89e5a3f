/**
 * Which host process a running trace belongs to. Several hosts may share one database, so a
 * host that starts must not mark the others' running traces as interrupted, only those of hosts
 * that are gone. Each store takes an advisory lock (namespace HOST_LOCKS, a random positive
 * 32-bit instance id) on a connection of its own and keeps it until `close`: PostgreSQL drops
 * the lock when that process or its connection dies, and `pg_locks` lists the live ones.
 */
import { randomInt } from 'node:crypto'
import type { Sql } from './connection.ts'

/** The advisory locks' first key (two-key form): "porc" in ASCII. */
export const HOST_LOCKS = 0x706f7263

export type HostInstance = { id: number; release(): Promise<void> }

export async function claimHostInstance(sql: Sql): Promise<HostInstance> {
  const connection = await sql.reserve()
  try {
    for (;;) {
      const id = randomInt(1, 2 ** 31 - 1)
      const [row] = await connection<{ locked: boolean }[]>`SELECT pg_try_advisory_lock(${HOST_LOCKS}::integer, ${id}::integer) AS locked`
      if (row?.locked) {
        return {
          id,
          async release() {
            await connection`SELECT pg_advisory_unlock(${HOST_LOCKS}::integer, ${id}::integer)`.catch(() => {})
            connection.release()
          },
        }
      }
    }
  } catch (error) {
    connection.release()
    throw error
  }
}

/** SQL for the instance ids of live hosts (two-key advisory locks show as classid, objid, objsubid 2). */
export const LIVE_INSTANCES = `SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = ${HOST_LOCKS} AND objsubid = 2 AND granted`
