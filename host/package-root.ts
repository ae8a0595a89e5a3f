/**
 * Porch's own folder (the one holding its package.json), where the built assets (dist/widget,
 * dist/console), the frozen widget releases, the docs and the examples live. Found by walking up
 * from this module, so it is the same folder whether the host runs from source (host/*.ts under
 * tsx) or compiled (dist/server/host/*.js, `npm run build:prod`), two levels deeper.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

function findPackageRoot(from: URL): URL {
  for (let dir = new URL('./', from); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir
    if (dir.pathname === '/') throw new Error('Porch cannot find its package.json above its own code')
  }
}

/** Porch's folder as a `file:` URL ending in `/`. */
export const packageRootUrl = findPackageRoot(new URL(import.meta.url))
/** Porch's folder as a path ending in the separator. */
export const packageRoot = fileURLToPath(packageRootUrl)
