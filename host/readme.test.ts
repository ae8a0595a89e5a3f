/**
 * The README promises that its curl transcript runs as printed against `npm start`, on SQLite
 * and with `PORCH_DATABASE_URL` on PostgreSQL. This test starts the real host the same way, on
 * each store, takes the export line it prints, and runs the README's blocks in bash.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'
import { STORES, testDatabase } from './reliability/support.ts'
import { killAllChildren, startChildHost } from './testing/child-host.ts'
import { freePort } from './testing/free-port.ts'
import { parseSse } from './testing/harness.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-readme-'))
afterAll(async () => {
  await killAllChildren()
  rmSync(dir, { recursive: true, force: true })
})

it.each(STORES)('runs the README transcripts as printed against a fresh host on %s', async (kind) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const block = /<!-- transcript:start -->\s*```sh\n([\s\S]*?)```\s*<!-- transcript:end -->/.exec(readme)?.[1]
  expect(block, 'README has a transcript block').toBeTruthy()

  const database = await testDatabase(kind, mkdtempSync(join(dir, `${kind}-`)))
  const host = await startChildHost({ PORT: String(await freePort()), ...database.env })
  const printed = host.output().stdout
  expect(printed).toContain('Admin token, shown only this once')
  const exportLine = /^\s*(export PORCH_URL=\S+ PORCH_AGENT=\S+ PORCH_TOKEN=(\S+))$/m.exec(printed)
  expect(exportLine, 'npm start prints the export line').toBeTruthy()
  // The generated token is printed once, in the export line, and nowhere else.
  expect(printed.split(exportLine![2]!).length - 1).toBe(1)
  expect(host.output().stderr).not.toContain(exportLine![2]!)

  // The printed curl command works as printed, too.
  const printedCurl = /^\s*(curl -N .+)$/m.exec(printed)![1]!
  const { stdout: curlOut } = await promisify(execFile)('bash', ['-c', printedCurl], { timeout: 30_000 })
  expect(parseSse(curlOut).at(-2)?.data).toMatchObject({ event_type: 'complete', success: true })

  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${exportLine![1]}\n${block}`], { timeout: 60_000 })

  // 1: the SSE chat streamed a tool call and completed.
  const sse = parseSse(stdout.slice(0, stdout.indexOf('{"session_id"')))
  expect(sse.map((m) => m.data.event_type)).toEqual(expect.arrayContaining(['run_started', 'tool_call', 'tool_result', 'complete', 'trace_saved']))
  // 2: the session history holds the whole turn.
  const history = JSON.parse(/^\{"session_id":"readme-demo".*$/m.exec(stdout)![0])
  expect(history.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
  // 3: publishing made version 1.
  expect(stdout).toContain('"status":"success","message":"Published version 1."')
  // 4: the sync chat answered in one JSON reply.
  const sync = JSON.parse(/^\{"success":.*$/m.exec(stdout)![0])
  expect(sync).toMatchObject({ success: true, session_id: 'readme-sync', error: null })
  expect(sync.answer).toContain('> Hello!')

  // The access transcript: a password link, a visitor through it, a key, the compat APIs (Langdock's management and chat too).
  const access = /<!-- access-transcript:start -->\s*```sh\n([\s\S]*?)```\s*<!-- access-transcript:end -->/.exec(readme)?.[1]
  expect(access, 'README has an access transcript block').toBeTruthy()
  const { stdout: out } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${exportLine![1]}\n${access}`], { timeout: 60_000 })
  const lines = out.split('\n')
  expect(lines[0]).toMatch(/^http:\/\/localhost:\d+\/l\/[A-Za-z0-9_-]{43}$/)
  expect(lines[1]).toMatch(/^<script src=".*\/embed\.js" integrity="sha384-[^"]+" crossorigin="anonymous" data-link="[A-Za-z0-9_-]{43}" async><\/script>$/)
  const linkChat = parseSse(out)
  expect(linkChat.find((m) => m.data.event_type === 'complete')?.data).toMatchObject({ success: true })
  const json = (prefix: string) => JSON.parse(lines.find((line) => line.startsWith(prefix))!)
  const autoAgents = json('{"chatId"')
  expect(autoAgents).toMatchObject({ chatId: 'order-4711', choices: [{ role: 'assistant' }] })
  // A question: the demo agent answers it from Porch's own docs, its knowledge, citing the passage.
  expect(autoAgents.choices[0].content).toMatch(/The documents say, in \*[^*]+\* \[1\]:/)
  const openai = json('{"id":"chatcmpl')
  expect(openai).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] })
  expect(openai.choices[0].message.content).toContain('> Hello from an OpenAI client')
  expect(out).toContain('"status":"success","message":"Published version 2."')
  const langdock = JSON.parse(lines.find((line) => line.includes('"role":"assistant","parts"'))!)
  expect(langdock.parts).toContainEqual(expect.objectContaining({ type: 'text', text: expect.stringContaining('Hello from Langdock') }))
  // On PostgreSQL, nothing went to a SQLite file.
  expect(existsSync(database.path)).toBe(kind === 'sqlite')
})
