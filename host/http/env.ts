/** Context variables, typed once for the whole app. */
import type { OwnerRole } from '../store/store.ts'

/** Who is calling the owner API: the admin token, or an owner key with its role and reach. */
export type Principal = { kind: 'admin' | 'owner_key'; keyId: string | null; role: OwnerRole; agentIds: string[] | null }

export type OwnerEnv = { Variables: { principal: Principal } }
