/** First-start chores: the admin token and signing secret, and the demo agent a fresh checkout shows. */
import { randomBytes, randomUUID } from 'node:crypto'
import { AgentConfigSchema } from '../shared/index.ts'
import { randomToken, sha256Hex } from './auth/secrets.ts'
import { chunkDocument, parseSource } from './knowledge/index.ts'
import type { AgentRecord, Store } from './store/store.ts'

export type Secrets = {
  adminTokenHash: string
  /** Set only on the start that generated the token: it is printed once and never stored in clear. */
  newAdminToken: string | null
  /** Key for signing visitor tokens. */
  secret: string
}

export async function prepareSecrets(store: Store, configured: { adminToken?: string; secret?: string }): Promise<Secrets> {
  let newAdminToken: string | null = null
  let adminTokenHash: string
  if (configured.adminToken) {
    adminTokenHash = sha256Hex(configured.adminToken)
    await store.setSetting('admin_token_hash', adminTokenHash)
  } else {
    const candidate = randomToken('porch_admin')
    adminTokenHash = await store.initSetting('admin_token_hash', sha256Hex(candidate))
    if (adminTokenHash === sha256Hex(candidate)) newAdminToken = candidate
  }
  const secret = configured.secret ?? (await store.initSetting('secret', randomBytes(32).toString('base64url')))
  return { adminTokenHash, newAdminToken, secret }
}

/** A document the demo agent is given as knowledge: Porch's own README and docs, in `npm start`. */
export type DemoDocument = { filename: string; bytes: Uint8Array }

/**
 * Creates and publishes the demo agent once per database; a deleted demo agent stays deleted.
 * Hosts starting together on an empty database race for the setting with a claim of their own:
 * only the one whose claim is stored seeds. `knowledge` is read here, in this thread: these are
 * the host's own markdown files (tens of KB), not an owner's upload, so no worker is needed.
 */
export async function seedDemoAgent(store: Store, { knowledge = [] }: { knowledge?: DemoDocument[] } = {}): Promise<AgentRecord | null> {
  const claim = `pending:${randomUUID()}`
  if ((await store.initSetting('demo_seeded', claim)) !== claim) return null
  const agent = await store.createAgent({
    name: 'Porch demo',
    description:
      'A demo agent on the built-in offline model: it streams markdown, tells the time with a tool, hands out a CSV file, reads attachments and answers questions about Porch from its documentation.',
    config: AgentConfigSchema.parse({
      instructions: 'You are the demo agent of a fresh Porch install. Be brief and friendly.',
      model: 'demo',
      tools: [
        { type: 'builtin', name: 'current_time' },
        { type: 'builtin', name: 'create_file' },
      ],
      attachments: true,
      welcome_message: `Hi! I am the Porch demo agent. I run offline, so I only echo, but I can tell you the time, make you a CSV file and look at files you attach${
        knowledge.length > 0 ? ', and I answer questions about Porch from its documentation, with sources' : ''
      }.`,
      starters: ['What can you do?', 'What time is it?', 'Make me a CSV file', ...(knowledge.length > 0 ? ['How do I embed the chat on my site?'] : [])],
    }),
  })
  for (const document of knowledge) await addDemoDocument(store, agent.id, document)
  await store.publish({ agentId: agent.id, apiResponseMode: 'streaming', access: 'public', description: 'Seeded demo' })
  await store.setSetting('demo_seeded', agent.id)
  return agent
}

async function addDemoDocument(store: Store, agentId: string, { filename, bytes }: DemoDocument) {
  const contentType = 'text/markdown; charset=utf-8'
  const parsed = await parseSource({ bytes, filename, contentType })
  const source = await store.addKnowledgeSource(agentId, {
    kind: 'file',
    title: parsed.title || filename,
    origin: filename,
    file: { data: bytes, contentType },
  })
  if (source) await store.replaceKnowledgeChunks(agentId, source.id, chunkDocument(parsed))
}
