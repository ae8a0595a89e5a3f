/**
 * `npm run bench -- --only=start`: the ways to start a host, side by side. Each is timed from
 * spawn to "Porch is listening" (the printout comes once the demo agent is seeded), on a fresh
 * database (the first start, which seeds the demo agent and reads Porch's docs into its
 * knowledge) and again on the same database (a restart); then left idle for a while and its
 * resident memory read, the whole process tree (npm, its shell, tsx's parent process and the
 * host) and the host's own process; then its CPU per sync chat on `demo:instant`, one chat at
 * a time after a warm-up, for the tree. `npm run build:prod` must have run (dist/server).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_TOKEN, publishAgent } from './child-host.ts'
import { processTreeCpuMs } from './process-cpu.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

export type StartVariant = { name: string; command: string; args: string[] }

export const START_VARIANTS: StartVariant[] = [
  { name: '`npm start` (4 vite builds, then tsx)', command: 'npm', args: ['start', '--silent'] },
  { name: '`tsx host/main.ts` (npm start without its builds)', command: join(repoRoot, 'node_modules/.bin/tsx'), args: ['host/main.ts'] },
  { name: '`npm run start:prod`', command: 'npm', args: ['run', 'start:prod', '--silent'] },
  { name: '`node dist/server/host/start.js`', command: process.execPath, args: ['dist/server/host/start.js'] },
]

export type StartResult = {
  name: string
  firstStartMs: number
  restartMs: number
  /** CPU the restart took (the process tree's, to the printout): what the start costs on a quiet machine, whatever the load. */
  restartCpuMs: number
  idleRssMb: { tree: number; host: number }
  cpuMsPerChat: number
  chats: number
}

/** Every process under `root` (itself included), from /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // Ended while listed.
    }
  }
  const inTree = (pid: number) => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) if (at === root) return true
    return false
  }
  return [...parents.keys()].filter(inTree)
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

type Started = { url: string; child: ChildProcess; ms: number; cpuMs: number; stop(): Promise<void> }

async function start(variant: StartVariant, db: string): Promise<Started> {
  const began = performance.now()
  // Its own process group, so stopping it stops npm, its shell and tsx's child alike.
  const child = spawn(variant.command, variant.args, {
    cwd: repoRoot,
    detached: true,
    env: {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      PORCH_DB: db,
      PORCH_ADMIN_TOKEN: BENCH_TOKEN,
      PORCH_EXAMPLES_PORT: 'off',
      PORCH_RATE_CHAT_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text))
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      output += text
      const match = /Porch is listening on (http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1]!)
    })
    void exited.then(() => reject(new Error(`${variant.name} exited before listening:\n${output}`)))
  })
  const ms = performance.now() - began
  const cpuMs = processTreeCpuMs(child.pid!)
  return {
    url,
    child,
    ms,
    cpuMs,
    async stop() {
      process.kill(-child.pid!, 'SIGINT')
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

async function syncChat(url: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"request":"Hello!"}' })
  if (!response.ok) throw new Error(`chat → ${response.status} ${await response.text()}`)
  await response.arrayBuffer()
}

export async function measureStart(variant: StartVariant, { idleMs = 5_000, warmup = 200, chats = 1_000 } = {}): Promise<StartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-start-'))
  const db = join(dir, 'porch.db')
  try {
    const first = await start(variant, db)
    await first.stop()
    const host = await start(variant, db)
    try {
      await new Promise((resolve) => setTimeout(resolve, idleMs))
      const pids = processTree(host.child.pid!)
      const tree = pids.reduce((sum, pid) => sum + rssMb(pid), 0)
      // The host is the deepest node process of the tree: the one listening.
      const hostRss = Math.max(...pids.map(rssMb))
      const agent = await publishAgent(host.url, 'demo:instant', 'non_streaming')
      const chatUrl = `${host.url}/api/v1/published/${agent}/chat/sync`
      for (let i = 0; i < warmup; i++) await syncChat(chatUrl)
      const cpuBefore = processTreeCpuMs(host.child.pid!)
      for (let i = 0; i < chats; i++) await syncChat(chatUrl)
      const cpuMs = processTreeCpuMs(host.child.pid!) - cpuBefore
      return {
        name: variant.name,
        firstStartMs: first.ms,
        restartMs: host.ms,
        restartCpuMs: host.cpuMs,
        idleRssMb: { tree, host: hostRss },
        cpuMsPerChat: cpuMs / chats,
        chats,
      }
    } finally {
      await host.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function startBench(options: { chats?: number } = {}): Promise<StartResult[]> {
  if (!existsSync(join(repoRoot, 'dist/server/host/start.js'))) throw new Error('run `npm run build:prod` first: dist/server/host/start.js is missing')
  const results: StartResult[] = []
  for (const variant of START_VARIANTS) results.push(await measureStart(variant, options))
  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await startBench()
  console.log(`start (Node ${process.version}):`)
  for (const r of results) {
    console.log(
      `  ${r.name}: first start ${Math.round(r.firstStartMs)} ms, restart ${Math.round(r.restartMs)} ms (${Math.round(r.restartCpuMs)} ms CPU); idle RSS ${r.idleRssMb.tree.toFixed(0)} MB (tree), ${r.idleRssMb.host.toFixed(0)} MB (host); ${r.cpuMsPerChat.toFixed(2)} ms CPU per sync chat (${r.chats})`,
    )
  }
}
