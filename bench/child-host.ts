/**
 * The host under test, as its own process (`host/main.ts`, as `npm start` runs it), so the load
 * generator never shares its event loop. Options: extra environment, the event-loop probe, a
 * CPU profile (`--cpu-prof`, written when it stops), and the most open files the system allows.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
export const BENCH_TOKEN = 'bench-admin-token-0123456789abcdef'

export type ProbeSample = { rssMb: number; heapMb: number; externalMb: number; p50Ms: number; p99Ms: number; maxMs: number }

export type BenchHost = {
  url: string
  pid: number
  child: ChildProcess
  /** Probe lines received so far (only with `probe: true`). */
  samples: ProbeSample[]
  stop(): Promise<void>
}

export type BenchHostOptions = { env?: Record<string, string>; probe?: boolean; cpuProfDir?: string; raiseFileLimit?: boolean }

export async function startBenchHost(options: BenchHostOptions = {}): Promise<BenchHost> {
  const dir = mkdtempSync(join(tmpdir(), 'porch-bench-'))
  // BENCH_HOST_IMPORT: one more module for the host to preload (bench/stage-timer.mjs).
  const preload = process.env.BENCH_HOST_IMPORT ? ['--import', process.env.BENCH_HOST_IMPORT] : []
  const nodeArgs = [
    '--import',
    'tsx',
    ...preload,
    ...(options.probe ? ['--import', './bench/probe.ts'] : []),
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
  ]
  const command = [process.execPath, ...nodeArgs, 'host/main.ts'].map((arg) => `'${arg}'`).join(' ')
  // ulimit is per process: raise the soft limit to the hard one for the host alone.
  const script = `${options.raiseFileLimit ? 'ulimit -n "$(ulimit -Hn)"; ' : ''}exec ${command}`
  const child = spawn('bash', ['-c', script], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      PORCH_DB: join(dir, 'bench.db'),
      PORCH_ADMIN_TOKEN: BENCH_TOKEN,
      PORCH_EXAMPLES_PORT: 'off',
      PORCH_RATE_CHAT_PER_MINUTE: '1000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const samples: ProbeSample[] = []
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
    const lines = stderr.split('\n')
    stderr = lines.pop()!
    for (const line of lines) {
      if (line.startsWith('porch-probe ')) samples.push(JSON.parse(line.slice('porch-probe '.length)))
      else process.stderr.write(`host: ${line}\n`)
    }
  })
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text
      const match = /Porch is listening on (http:\/\/\S+)/.exec(stdout)
      if (match) resolve(match[1]!)
    })
    void exited.then(() => reject(new Error(`the benchmarked host exited before listening:\n${stdout}`)))
  })
  return {
    url,
    pid: child.pid!,
    child,
    samples,
    async stop() {
      // SIGINT lets main.ts close cleanly, which is also when --cpu-prof writes its profile.
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Creates an agent on `model` and publishes it; returns its id. */
export async function publishAgent(url: string, model: string, apiResponseMode: 'streaming' | 'non_streaming'): Promise<string> {
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`${path} → ${response.status} ${await response.text()}`)
    return response.json() as Promise<{ id: string }>
  }
  const agent = await call('/agents', { name: 'bench', model })
  await call(`/agents/${agent.id}/publish`, { api_response_mode: apiResponseMode })
  return agent.id
}
