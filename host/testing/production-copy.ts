/**
 * Porch as an operator runs it in production (`npm run build:prod`, then `npm ci --omit=dev &&
 * npm run start:prod`), laid out in a temporary folder: the host compiled to JavaScript
 * (host/build-server.mjs into `<dir>/dist/server`), links to the built widget and console, the
 * frozen widget releases, the docs and the examples, and a node_modules holding the production
 * dependencies alone: links to this checkout's packages that package-lock.json does not mark
 * `dev`, as `npm ci --omit=dev` installs them. An import of a dev dependency fails there as it
 * would in production, without a second install (and its network) in every test run.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/** What the compiled host reads from Porch's folder besides its own code and node_modules. */
const SHARED_PATHS = ['package.json', 'README.md', 'docs', 'examples', 'widget/releases', 'dist/widget', 'dist/console', 'dist/examples']

type LockEntry = { dev?: boolean }

/** Top-level packages `npm ci --omit=dev` installs: every one in the lockfile not marked `dev`. */
export function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  return Object.entries(lock.packages)
    .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !entry.dev)
    .map(([path]) => path.slice('node_modules/'.length))
}

export type ProductionCopy = { dir: string; main: string; packages: string[] }

/** Builds the compiled host into `dir` and lays out the rest; the widget must be built already (`npm run build`). */
export function makeProductionCopy(dir: string): ProductionCopy {
  execFileSync(process.execPath, [join(repoRoot, 'host/build-server.mjs'), join(dir, 'dist/server')], { stdio: 'pipe' })
  for (const path of SHARED_PATHS) {
    if (!existsSync(join(repoRoot, path))) continue
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    symlinkSync(join(repoRoot, path), join(dir, path))
  }
  const packages = productionPackages()
  for (const name of packages) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(join(repoRoot, 'node_modules', name), join(dir, 'node_modules', name))
  }
  return { dir, main: join(dir, 'dist/server/host/start.js'), packages }
}
