/**
 * The statements the host sends PostgreSQL for one sync chat, counted from the server's own log:
 * a database of its own with `log_statement = all`, a host on it, a few chats to warm up, then
 * `chats` more, one at a time. In the chat path each statement is awaited before the next, so
 * statements per chat are round trips per chat.
 */
import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import type { TestPostgres } from '../host/testing/postgres-server.ts'
import { benchDatabaseUrl } from './bench-store.ts'
import { publishAgent, startBenchHost } from './child-host.ts'

export type ChatStatements = { perChat: number /** One chat's statements, each cut to its first words. */; oneChat: string[] }

export async function statementsPerChat(server: TestPostgres, chats = 20): Promise<ChatStatements> {
  const url = await benchDatabaseUrl(server)
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  try {
    // The name is benchDatabaseUrl's own (letters, digits, underscores): quoted, never user input.
    await admin.unsafe(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET log_statement = 'all'`)
  } finally {
    await admin.end({ timeout: 1 })
  }
  const host = await startBenchHost({ env: { PORCH_DATABASE_URL: url } })
  try {
    const agentId = await publishAgent(host.url, 'demo:instant', 'non_streaming')
    const chat = async () => {
      const response = await fetch(`${host.url}/api/v1/published/${agentId}/chat/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request: 'hello' }),
      })
      if (!response.ok) throw new Error(`chat → ${response.status}`)
      await response.text()
    }
    for (let i = 0; i < 5; i++) await chat()
    // The server's log holds every database's statements; nothing else runs on this server meanwhile.
    const from = readFileSync(server.logFile, 'utf8').length
    for (let i = 0; i < chats; i++) await chat()
    const statements = readFileSync(server.logFile, 'utf8')
      .slice(from)
      .split('\n')
      .flatMap((line) => {
        const match = /LOG: {2}(?:statement|execute [^:]+): (.*)$/.exec(line)
        // The instance lease's renewal is the host's, not the chats'.
        return match && !match[1]!.includes('host_instances') ? [match[1]!.trim().split(/\s+/).slice(0, 6).join(' ')] : []
      })
    return { perChat: statements.length / chats, oneChat: statements.slice(0, statements.length / chats) }
  } finally {
    await host.stop()
  }
}
