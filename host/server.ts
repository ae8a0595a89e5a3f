/**
 * Builds a whole host from a Config and serves it over HTTP: what `main.ts` runs and what the
 * tests start on port 0. Stopping it lets running streams finish for a grace period, then
 * cancels and stores them before the database closes.
 */
import './zod-without-cycles.ts'
import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { createApp } from './app.ts'
import { prepareSecrets, type Secrets } from './bootstrap.ts'
import type { Config } from './config.ts'
import { createLogger, type Logger } from './log.ts'
import { createChatService } from './runtime/chat.ts'
import { createModelRegistry } from './runtime/models.ts'
import { RunRegistry } from './runtime/runs.ts'
import { createSecretBox } from './runtime/secret-box.ts'
import { createSqliteStore } from './store/sqlite-store.ts'
import { loadWidgetAssets, type WidgetAssets } from './widget-assets.ts'
import type { Store } from './store/store.ts'

export type Host = {
  /** Where the host listens. */
  url: string
  /** The base URL written into what visitors and owners are given (PORCH_PUBLIC_URL). */
  publicUrl: string
  store: Store
  secrets: Secrets
  runs: RunRegistry
  app: ReturnType<typeof createApp>
  assets: WidgetAssets
  /** Stops accepting, waits up to `graceMs` for running chats, cancels the rest, closes the store. */
  close(graceMs?: number): Promise<void>
}

export type HostOptions = { log?: Logger; modelRetries?: number }

export async function startHost(config: Config, options: HostOptions = {}): Promise<Host> {
  const log = options.log ?? createLogger()
  const store = createSqliteStore(config.dbPath)
  const interrupted = await store.markInterruptedTraces()
  if (interrupted > 0) log.info(`${interrupted} run(s) were interrupted when the host last stopped`)
  const secrets = await prepareSecrets(store, config)
  const models = createModelRegistry(config.providers)
  const runs = new RunRegistry()
  const box = createSecretBox(secrets.secret)
  const tools = { allowPrivate: config.toolsAllowPrivate, decrypt: box.open }
  const chat = createChatService({ store, models, runs, log, resumeGraceMs: config.resumeGraceMs, modelRetries: options.modelRetries, tools })
  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`
  const assets = loadWidgetAssets()
  const app = createApp({ store, models, chat, log, adminTokenHash: secrets.adminTokenHash, heartbeatMs: config.heartbeatMs, assets, publicUrl: () => publicUrl,
    rateLimits: config.rateLimits, trustProxyHops: config.trustProxyHops, secret: secrets.secret, secretBox: box, tools })

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

  let closing: Promise<void> | undefined
  const close = (graceMs = 10_000) =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      if (!(await runs.drain(graceMs))) await runs.cancelAll('the host is shutting down')
      if ('closeAllConnections' in server) server.closeAllConnections()
      await stopped
      await store.close()
    })())

  publicUrl = config.publicUrl ?? `http://localhost:${port}`
  return { url, publicUrl, store, secrets, runs, app, assets, close }
}
