/** For this folder's tests: stores on a fresh test database, closed after the file. */
import { afterAll } from 'vitest'
import { AgentConfigSchema } from '../../../shared/index.ts'
import { createTestDatabase } from '../../testing/postgres.ts'
import type { Store } from '../store.ts'
import { createPostgresStore } from './postgres-store.ts'

/** Opens `count` stores on one new database, as that many hosts would; all are closed after the file's tests. */
export async function openStores(count = 1): Promise<Store[] & { url: string }> {
  const url = await createTestDatabase()
  const stores: Store[] = []
  for (let i = 0; i < count; i++) stores.push(await createPostgresStore(url, { max: 4 }))
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()))
  })
  return Object.assign(stores, { url })
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export const config = (over: Record<string, unknown> = {}) => AgentConfigSchema.parse(over)
