/**
 * @porch/client as a package: built by its own script into plain JavaScript with types, packed
 * with only those files, then installed by name into a throwaway app that imports it from plain
 * Node (no tsx) and typechecks against its declarations, as a developer's project would.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN_TOKEN, startTestHost, type TestHost } from '../../host/testing/harness.ts'

const run = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))
const repo = join(here, '../..')

let host: TestHost
let dir: string
let pkg: string
let app: string

beforeAll(async () => {
  host = await startTestHost()
  dir = mkdtempSync(join(tmpdir(), 'porch-client-'))
  pkg = join(dir, 'package')
  app = join(dir, 'app')
  mkdirSync(pkg)
  cpSync(join(here, 'package.json'), join(pkg, 'package.json'))
  cpSync(join(here, 'README.md'), join(pkg, 'README.md'))
  // The package's own build, writing to the copy instead of the source tree.
  await run(join(repo, 'node_modules/.bin/tsc'), ['-p', join(here, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')])
  mkdirSync(join(pkg, 'node_modules'))
  symlinkSync(join(repo, 'node_modules/zod'), join(pkg, 'node_modules/zod'))
  mkdirSync(join(app, 'node_modules/@porch'), { recursive: true })
  symlinkSync(pkg, join(app, 'node_modules/@porch/client'))
}, 120_000)
afterAll(async () => {
  await host?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

it('packs only its built files, with zod as its one dependency', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg })
  const files: string[] = JSON.parse(stdout)[0].files.map((file: { path: string }) => file.path)
  expect(files).toContain('dist/client/index.js')
  expect(files).toContain('dist/client/index.d.ts')
  expect(files).toContain('dist/protocol.js')
  expect(files.filter((file) => !file.startsWith('dist/')).sort()).toEqual(['README.md', 'package.json'])
  expect(files.some((file) => file.endsWith('.test.js') || (file.endsWith('.ts') && !file.endsWith('.d.ts')))).toBe(false)
  expect(Object.keys(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).dependencies)).toEqual(['zod'])
})

it('runs from plain Node by its package name, against a real host', async () => {
  writeFileSync(
    join(app, 'main.mjs'),
    `import { PorchClient, PorchError } from '@porch/client'
const porch = new PorchClient({ baseUrl: process.env.PORCH_URL, token: process.env.PORCH_TOKEN })
const agent = await porch.agents.create({ name: 'Packaged', model: 'demo:instant' })
await porch.agents.publish(agent.id)
const types = []
for await (const event of porch.published(agent.id).stream('Hello from the package')) types.push(event.event_type)
const error = await porch.agents.get('00000000-0000-4000-8000-000000000000').catch((e) => e)
console.log(JSON.stringify({ types, isPorchError: error instanceof PorchError, code: error.code }))
`,
  )
  const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: app, env: { ...process.env, PORCH_URL: host.url, PORCH_TOKEN: ADMIN_TOKEN } })
  const result = JSON.parse(stdout)
  expect(result.types[0]).toBe('run_started')
  expect(result.types.at(-2)).toBe('complete')
  expect(result).toMatchObject({ isPorchError: true, code: 'not_found' })
})

it('gives a TypeScript project its types', async () => {
  writeFileSync(
    join(app, 'check.ts'),
    `import { PorchClient, type StreamEvent, type ApiErrorCode } from '@porch/client'
const porch = new PorchClient({ baseUrl: 'http://localhost:8787' })
export async function answer(agentId: string): Promise<string> {
  for await (const event of porch.published(agentId).stream('Hi')) {
    const typed: StreamEvent = event
    if (typed.event_type === 'complete') return typed.answer
  }
  return ''
}
export const code: ApiErrorCode = 'quota_exceeded'
// @ts-expect-error: an agent's name is a string
porch.agents.create({ name: 42 })
`,
  )
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022', 'dom'],
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['check.ts'],
    }),
  )
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }))
  const result = await run(join(repo, 'node_modules/.bin/tsc'), ['-p', app]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  )
  expect(result).toBe('')
}, 120_000) // a whole typecheck, zod's declarations included: slow on a busy machine
