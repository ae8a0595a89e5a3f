// `npm run build:prod`, after the widget and console builds: compiles the host to JavaScript in
// dist/server (tsc with tsconfig.build.json, which follows the imports of host/main.ts and adds
// the knowledge parser's worker, loaded by URL) and copies the SQL migrations next to the
// compiled stores that read them. `node host/build-server.mjs <dir>` builds into <dir> instead.
// Plain JavaScript, so building needs no TypeScript runner.
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const outDir = process.argv[2] ?? `${root}dist/server`
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

rmSync(outDir, { recursive: true, force: true })
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`, '--outDir', outDir], { stdio: 'inherit' })
for (const migrations of ['host/store/migrations', 'host/store/postgres/migrations']) {
  cpSync(`${root}${migrations}`, `${outDir}/${migrations}`, { recursive: true })
}
