/**
 * `npm run widget:freeze`: builds the widget and keeps its files as the release of package.json's
 * version in widget/releases/<version>/, which every later host serves as is. Run it when you
 * bump the version; commit the folder. It refuses to change a release that already exists.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RELEASES_DIR, WIDGET_VERSION } from '../../host/widget-assets.ts'
import { freezeRelease } from './releases.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const built = join(root, 'dist/widget')
const vite = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url))
// The same two builds as `npm run build` and the tests' global setup, so the bytes are the same.
for (const args of [['build'], ['build', '--mode', 'embed']]) {
  execFileSync(process.execPath, [vite, ...args, '--logLevel', 'error'], { cwd: root, stdio: 'inherit' })
}

try {
  const { written } = freezeRelease(built, RELEASES_DIR, WIDGET_VERSION)
  const integrity = `sha384-${createHash('sha384')
    .update(readFileSync(join(built, 'embed.js')))
    .digest('base64')}`
  console.log(
    written.length > 0
      ? `Froze widget ${WIDGET_VERSION}: widget/releases/${WIDGET_VERSION}/${written.join(', ')} (commit them).`
      : `Widget ${WIDGET_VERSION} is already frozen with these exact files.`,
  )
  console.log(`Its snippets pin embed.js with integrity="${integrity}".`)
} catch (error) {
  console.error(`widget:freeze: ${(error as Error).message}`)
  process.exit(1)
}
