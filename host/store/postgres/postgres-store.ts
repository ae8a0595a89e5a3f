/**
 * The Store on PostgreSQL (porsager's `postgres`): `createPostgresStore(url)` connects, brings the
 * schema up to date (migrate.ts, under an advisory lock), and returns the same interface as
 * the SQLite store. Families live beside it: agents.ts (agents, versions, settings),
 * sessions.ts (sessions, messages, summaries, traces, host instances and the owner's listings), access.ts
 * (links, quotas, keys), files.ts, console.ts, knowledge.ts, feedback.ts, takeover.ts. Rows become the interface's values in rows.ts.
 */
import type { Store } from '../store.ts'
import { createAccessStore } from './access.ts'
import { createAgentStore } from './agents.ts'
import { createAnalyticsStore } from './analytics.ts'
import { checkReachable, createPool, type PoolOptions, unreachable } from './connection.ts'
import { createConsoleSignInStore } from './console.ts'
import { createFeedbackStore } from './feedback.ts'
import { createFileStore } from './files.ts'
import { createIdentityStore } from './identity.ts'
import { createKnowledgeStore } from './knowledge.ts'
import { migrate } from './migrate.ts'
import { createSessionStore } from './sessions.ts'
import { createTakeoverStore } from './takeover.ts'

export type PostgresStoreOptions = PoolOptions

export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const sql = createPool(url, options)
  try {
    await checkReachable(sql, url)
    await migrate(sql).catch((error: unknown) => {
      throw unreachable(url, error)
    })
  } catch (error) {
    await sql.end({ timeout: 1 })
    throw error
  }
  return {
    ...createAgentStore(sql),
    ...createSessionStore(sql),
    ...createFeedbackStore(sql),
    ...createTakeoverStore(sql),
    ...createIdentityStore(sql),
    ...createAccessStore(sql),
    ...createFileStore(sql),
    ...createConsoleSignInStore(sql),
    ...createKnowledgeStore(sql),
    ...createAnalyticsStore(sql),
    async close() {
      await sql.end({ timeout: 5 })
    },
  }
}
