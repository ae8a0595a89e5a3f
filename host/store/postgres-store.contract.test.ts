/**
 * The store contract (host/store/contract/) against the PostgreSQL store: a database of its own
 * on the run's test server (the suite's sweeps act on the whole database), and every instance a
 * new store on it, as another host would open it.
 */

import { createTestDatabase } from '../testing/postgres.ts'
import { describeStoreContract } from './contract/index.ts'
import { createPostgresStore } from './postgres/postgres-store.ts'

let database: Promise<string> | undefined

describeStoreContract('PostgreSQL', {
  async open() {
    database ??= createTestDatabase()
    return createPostgresStore(await database, { max: 4 })
  },
  async close(store) {
    await store.close()
  },
})
