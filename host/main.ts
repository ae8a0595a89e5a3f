/** The only file that reads process.env: validate the config, start the host, say how to use it. */
import './supported-node.ts'
import { readdirSync, readFileSync } from 'node:fs'
import { type DemoDocument, seedDemoAgent } from './bootstrap.ts'
import { type Config, ConfigError, loadConfig } from './config.ts'
import { startExamplesServer } from './examples-server.ts'
import { createLogger } from './log.ts'
import { packageRootUrl } from './package-root.ts'
import { startHost } from './server.ts'

const log = createLogger()

/** A bad environment (a ConfigError, from loadConfig or found while starting) stops the start with one message. */
function cannotStart(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Porch cannot start. ${error.message}\n`)
  process.exit(1)
}

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  cannotStart(error)
}

const host = await startHost(config, { log }).catch(cannotStart)
const seeded = await seedDemoAgent(host.store, { knowledge: porchDocs() })
const base = host.publicUrl

const published = (await host.store.listAgents()).filter((agent) => agent.published)
const demo = published.find((agent) => agent.id === seeded?.id) ?? published[0]
const token = host.secrets.newAdminToken
const lines = [`Porch is listening on ${host.url} (public URL ${base})`]
// The token is printed once: inside the export line when there is one, else on its own.
if (token) {
  const where = demo ? 'it is PORCH_TOKEN in the export line below' : `here it is:\n  ${token}`
  lines.push('', `Admin token, shown only this once (it is stored hashed; set PORCH_ADMIN_TOKEN to choose your own): ${where}`)
}
lines.push('', `Owner console: ${base}/console (sign in with the admin token or an owner key)`)
if (demo) {
  const chatUrl = `${base}/api/v1/published/${demo.id}/${demo.apiResponseMode === 'streaming' ? 'chat' : 'chat/sync'}`
  lines.push(
    '',
    `Agent "${demo.name}" is published (${demo.apiResponseMode}):`,
    `  chat page: ${base}/published/${demo.id}`,
    `  chat API:  ${chatUrl}`,
    '  try it:',
    `  curl -N ${chatUrl} -H 'Content-Type: application/json' -d '{"request":"What time is it?"}'`,
    '',
    'For the owner API and more examples:',
    `  export PORCH_URL=${base} PORCH_AGENT=${demo.id}${token ? ` PORCH_TOKEN=${token}` : ''}`,
  )
}
if (demo && config.examplesPort !== null && host.assets.get('embed.js')) {
  try {
    const examples = await startExamplesServer({ port: config.examplesPort, hostname: config.host, porchUrl: base, agentId: demo.id, assets: host.assets })
    lines.push('', `Examples (served from another origin, as on a customer's site): ${examples.url}/`)
  } catch (error) {
    // The examples are a convenience: a busy port must not keep the host from starting.
    lines.push('', `Examples not served: ${error instanceof Error ? error.message : String(error)} (set PORCH_EXAMPLES_PORT)`)
  }
}
process.stdout.write(`${lines.join('\n')}\n`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    log.info(`${signal}: finishing running chats (up to ${config.shutdownGraceMs / 1000} s, PORCH_SHUTDOWN_GRACE_SECONDS), then stopping`)
    host.close().then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', error)
        process.exit(1)
      },
    )
  })
}

/** Porch's README and docs/*.md (less their index), the demo agent's knowledge; none when the host runs without them (a trimmed image). */
function porchDocs(): DemoDocument[] {
  const repo = packageRootUrl
  try {
    const docs = readdirSync(new URL('docs/', repo)).filter((name) => name.endsWith('.md') && name !== 'README.md')
    return ['README.md', ...docs.map((name) => `docs/${name}`)].map((path) => ({
      filename: path.replace('docs/', ''),
      bytes: new Uint8Array(readFileSync(new URL(path, repo))),
    }))
  } catch {
    return []
  }
}
