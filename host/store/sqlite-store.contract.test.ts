/** The store contract (host/store/contract/) against the SQLite store: every instance opens one fresh database file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { describeStoreContract } from './contract/index.ts'
import { createSqliteStore } from './sqlite-store.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-contract-'))
const path = join(dir, 'porch.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeStoreContract('SQLite', {
  async open() {
    return createSqliteStore(path)
  },
  async close(store) {
    await store.close()
  },
})
