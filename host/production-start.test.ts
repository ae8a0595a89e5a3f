/**
 * The production start: the host compiled to JavaScript (`npm run build:prod`) runs with the
 * production dependencies alone (`npm ci --omit=dev`), finds its built assets, and serves a chat
 * and a knowledge import (whose parser runs in a worker that, from source, loads tsx).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeProductionCopy, type ProductionCopy } from './testing/production-copy.ts'

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** Every module specifier a compiled file imports, statically or dynamically (TypeScript's own scanner: comments and strings are not imports). */
const specifiers = (code: string) => ts.preProcessFile(code, true, true).importedFiles.map((file) => file.fileName)
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/')

function compiledFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js'))
    .map((name) => join(dir, name))
}

let copy: ProductionCopy
let child: ChildProcess | undefined

beforeAll(() => {
  copy = makeProductionCopy(mkdtempSync(join(tmpdir(), 'porch-prod-')))
}, 120_000)

afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(copy.dir, { recursive: true, force: true })
})

describe('the compiled host', () => {
  it('imports only Node built-ins, its own compiled files and production dependencies', () => {
    const files = compiledFiles(join(copy.dir, 'dist/server'))
    expect(files.length).toBeGreaterThan(50)
    const bare = new Set<string>()
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) expect(specifier, `${file} imports a source file`).not.toMatch(/\.ts$/)
        else if (!specifier.startsWith('node:')) bare.add(packageOf(specifier))
      }
    }
    expect(bare).toContain('hono')
    for (const name of bare) expect(Object.keys(packageJson.dependencies), `${name} is not a production dependency`).toContain(name)
    // The copy's node_modules is what `npm ci --omit=dev` installs: no dev-only package.
    expect(copy.packages).toContain('better-sqlite3')
    expect(copy.packages).not.toContain('tsx')
    expect(copy.packages).not.toContain('vite')
  })

  it('starts with production packages only and serves the console, a chat and a knowledge import', async () => {
    const spawned = spawn(process.execPath, [copy.main], {
      cwd: copy.dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        PORCH_DB: join(copy.dir, 'data/porch.db'),
        PORCH_EXAMPLES_PORT: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = spawned
    let stdout = ''
    let stderr = ''
    spawned.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const printed = await new Promise<string>((resolve, reject) => {
      spawned.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk
        if (/export PORCH_URL=\S+ PORCH_AGENT=\S+ PORCH_TOKEN=\S+/.test(stdout)) resolve(stdout)
      })
      spawned.on('exit', (code) => reject(new Error(`the compiled host exited (${code}):\n${stdout}\n${stderr}`)))
    })
    const url = /Porch is listening on (\S+)/.exec(printed)![1]!
    const [, agent, token] = /PORCH_AGENT=(\S+) PORCH_TOKEN=(\S+)/.exec(printed)!

    const consolePage = await fetch(`${url}/console`)
    expect(consolePage.status).toBe(200)
    const consoleScript = /src="([^"]+\.js)"/.exec(await consolePage.text())![1]!
    const script = await fetch(new URL(consoleScript, url))
    expect(script.status).toBe(200)
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(10_000)

    const chat = await fetch(`${url}/api/v1/published/${agent}/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ request: 'What time is it?' }),
    })
    expect(chat.status).toBe(200)
    const events = await chat.text()
    expect(events).toContain('event: tool_call')
    expect(events).toMatch(/event: complete\ndata: \{[^\n]*"success":true/)

    const owner = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
    const added = await fetch(`${url}/api/v1/agents/${agent}/knowledge/sources`, {
      method: 'POST',
      headers: owner,
      body: JSON.stringify({ kind: 'text', title: 'Opening hours', text: '# Opening hours\n\nThe porch is open from nine to five, every day but Sunday.' }),
    })
    expect([201, 202]).toContain(added.status)
    let source = (await added.json()) as { id: string; status: string; chunk_count: number; error: string | null }
    while (source.status === 'importing') {
      await new Promise((resolve) => setTimeout(resolve, 100))
      source = (await (await fetch(`${url}/api/v1/agents/${agent}/knowledge/sources/${source.id}`, { headers: owner })).json()) as typeof source
    }
    expect(source.error).toBeNull()
    expect(source.status).toBe('ready')
    expect(source.chunk_count).toBeGreaterThan(0)
  }, 60_000)
})
