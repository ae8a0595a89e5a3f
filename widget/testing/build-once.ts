/** vitest global setup: build the widget (and the owner console) once, so hosts under test serve the real bundles. */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function buildWidget(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const vite = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url))
  for (const args of [['build'], ['build', '--mode', 'embed'], ['build', '--mode', 'examples'], ['build', '--mode', 'console']]) {
    execFileSync(process.execPath, [vite, ...args, '--logLevel', 'error'], { cwd: root, stdio: 'inherit' })
  }
}
