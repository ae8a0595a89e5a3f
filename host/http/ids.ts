/** Path ids are checked before they reach the store: a malformed id is simply not found. */
import { ClientIdSchema } from '../../shared/index.ts'
import { ApiError, notFound } from './errors.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function agentIdParam(value: string, what = 'Agent'): string {
  if (!UUID.test(value)) throw notFound(what)
  return value
}

export function sessionIdParam(value: string): string {
  if (!ClientIdSchema.safeParse(value).success) throw notFound('Session')
  return value
}

export function positiveIntParam(value: string, name: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new ApiError(400, 'invalid_request', `${name} must be a positive whole number`)
  return Number(value)
}

/** Knowledge sources are UUIDs, as agents are. */
export const knowledgeSourceIdParam = (value: string): string => agentIdParam(value, 'Knowledge source')
