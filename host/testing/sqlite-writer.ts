/**
 * One writer process for host/store/sqlite-processes.test.ts: opens the SQLite store on a file
 * another process writes too, waits for the go signal (a file), says it is ready (a file next to it), then at once appends `count`
 * runs to one session, publishes edits of one agent `count` times and inits one setting; it
 * prints what it got as JSON. Run as `node --import tsx host/testing/sqlite-writer.ts ARGS`.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { createSqliteStore } from '../store/sqlite-store.ts'

const [path, agentId, sessionId, count, go, setting] = process.argv.slice(2) as [string, string, string, string, string, string]
const store = createSqliteStore(path)
writeFileSync(`${go}.ready.${process.pid}`, '')
while (!existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 5))

const session = { agentId, scope: 'public', sessionId }
const appends = Array.from({ length: Number(count) }, async (_, i) => {
  const traceId = randomUUID()
  await store.finishRun({
    session,
    traceId,
    messages: [
      { role: 'user', content: [{ type: 'text', text: `${process.pid} q${i}` }], status: 'complete' },
      { role: 'assistant', content: [{ type: 'text', text: `${process.pid} a${i}` }], status: 'complete' },
    ],
    outcome: { status: 'success', firstTokenMs: 1, totalMs: 1, turns: 1, inputTokens: 0, outputTokens: 0, toolCalls: [], error: null },
  })
  return traceId
})
const publishes = Array.from({ length: Number(count) }, async (_, i) => {
  await store.updateAgent(agentId, { config: { instructions: `${process.pid} edit ${i}` } })
  return (await store.publish({ agentId })).kind
})
const initialised = store.initSetting(setting, `${process.pid}`)
const result = { traceIds: await Promise.all(appends), publishes: await Promise.all(publishes), setting: await initialised }
await store.close()
process.stdout.write(JSON.stringify(result))
