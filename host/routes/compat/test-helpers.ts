/** What the compat API tests share: chat keys and OpenAI-style `data:` streams. */
import type { TestHost } from '../../testing/harness.ts'

/** Creates a chat API key for the agent; returns its id and the `KEY.SECRET` credential. */
export async function chatKey(host: TestHost, agentId: string): Promise<{ id: string; credential: string }> {
  const created = await host.owner.call('POST', `/agents/${agentId}/keys`, { name: 'server' })
  if (created.status !== 201) throw new Error(`key creation → ${created.status}`)
  return { id: created.body.id, credential: created.body.key }
}

/** Creates an owner key; returns the `own_….SECRET` credential. */
export async function ownerKey(host: TestHost, role: 'owner' | 'editor' | 'viewer', agentIds?: string[]): Promise<string> {
  const created = await host.owner.call('POST', '/owner-keys', { name: `${role} key`, role, ...(agentIds && { agent_ids: agentIds }) })
  if (created.status !== 201) throw new Error(`owner key creation → ${created.status}`)
  return created.body.key
}

/** The `data:` payloads of an SSE body, in order: parsed JSON, or the raw text (`[DONE]`). Comments are skipped. */
export function dataPayloads(text: string): any[] {
  const payloads: any[] = []
  for (const block of text.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6))
    if (data.length === 0) continue
    const joined = data.join('\n')
    payloads.push(joined === '[DONE]' ? joined : JSON.parse(joined))
  }
  return payloads
}

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` })

/** A well-formed credential that no key has. */
export const unknownChatKey = `key_${'A'.repeat(12)}.${'B'.repeat(43)}`
