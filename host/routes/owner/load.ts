/** The agent an owner-API path names, if the caller's key may reach it (404 unknown, 403 out of reach). */
import type { Context } from 'hono'
import { requireReach } from '../../auth/owner-auth.ts'
import type { OwnerEnv } from '../../http/env.ts'
import { notFound } from '../../http/errors.ts'
import { agentIdParam } from '../../http/ids.ts'
import type { AgentRecord, Store } from '../../store/store.ts'

export async function reachableAgent(store: Store, c: Context<OwnerEnv>, id: string): Promise<AgentRecord> {
  const agent = await store.getAgent(agentIdParam(id))
  if (!agent) throw notFound('Agent')
  requireReach(c.get('principal'), agent.id)
  return agent
}
