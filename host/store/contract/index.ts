/**
 * The store contract: every behaviour of the `Store` interface (host/store/store.ts), run
 * against an implementation given to it, so two implementations cannot drift. A runner calls
 * `describeStoreContract` with a way to open instances of its store on one database
 * (host/store/sqlite-store.contract.test.ts for SQLite). The suite uses only the interface and
 * makes its own data with fresh ids, so it can share a database with other tests; its tests run
 * one after another (the sweeps of files and sign-ins act on the whole database).
 */
import { describe } from 'vitest'
import { describeAccess } from './access.ts'
import { describeAgents } from './agents.ts'
import { describeAnalytics } from './analytics.ts'
import { describeConsoleSignIns } from './console.ts'
import { describeFeedback } from './feedback.ts'
import { describeFiles } from './files.ts'
import { describeIdentity } from './identity.ts'
import { describeKnowledge } from './knowledge.ts'
import { describeSessions } from './sessions.ts'
import { describeSettings } from './settings.ts'
import type { StoreContractTarget } from './support.ts'
import { describeTakeover } from './takeover.ts'
import { describeTraces } from './traces.ts'

export type { StoreContractTarget } from './support.ts'

export function describeStoreContract(name: string, target: StoreContractTarget) {
  describe(`Store contract: ${name}`, () => {
    describeSettings(target)
    describeAgents(target)
    describeSessions(target)
    describeTraces(target)
    describeFeedback(target)
    describeTakeover(target)
    describeIdentity(target)
    describeAnalytics(target)
    describeFiles(target)
    describeKnowledge(target)
    describeAccess(target)
    describeConsoleSignIns(target)
  })
}
