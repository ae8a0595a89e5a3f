/**
 * @porch/client: a typed client for a Porch host's public and owner APIs, on the same zod
 * schemas the host answers with (shared/). Runs wherever fetch does (Node ≥ 20, browsers,
 * workers); its only dependency is zod.
 *
 *   const porch = new PorchClient({ baseUrl: 'http://localhost:8787', token: process.env.PORCH_TOKEN })
 *   const agent = await porch.agents.create({ name: 'FAQ bot', model: 'demo' })
 *   await porch.agents.publish(agent.id)
 *   for await (const event of porch.published(agent.id).stream('Hello!')) …
 */
import { agentsApi, keysApi, knowledgeApi, linksApi, ownerKeysApi } from './owner-api.ts'
import { type ClientOptions, Transport } from './transport.ts'
import { LinkChat, VisitorChat } from './visitor-chat.ts'

export class PorchClient {
  readonly agents: ReturnType<typeof agentsApi>
  readonly keys: ReturnType<typeof keysApi>
  readonly ownerKeys: ReturnType<typeof ownerKeysApi>
  readonly links: ReturnType<typeof linksApi>
  readonly knowledge: ReturnType<typeof knowledgeApi>

  constructor(readonly options: ClientOptions) {
    const owner = new Transport(options, () => options.token)
    this.agents = agentsApi(owner)
    this.keys = keysApi(owner)
    this.ownerKeys = ownerKeysApi(owner)
    this.links = linksApi(owner)
    this.knowledge = knowledgeApi(owner)
  }

  /** A published agent, as its visitors reach it (the owner token is not sent). */
  published(agentId: string): VisitorChat {
    return new VisitorChat(new Transport(this.options), `/api/v1/published/${encodeURIComponent(agentId)}`)
  }

  /** A share link by its URL token; `visitorToken` from an earlier `unlock`, if any. */
  link(token: string, visitorToken?: string): LinkChat {
    return new LinkChat(this.options, token, visitorToken)
  }
}

export type { ApiErrorCode } from '../errors.ts'
export type * from '../owner.ts'
export type * from '../protocol.ts'
export { type ClientErrorCode, PorchError } from './errors.ts'
export { readSse, type SseMessage } from './sse.ts'
export type { ClientOptions } from './transport.ts'
export { type ChatOptions, ChatStream, LinkChat, type StreamOptions, VisitorChat } from './visitor-chat.ts'
