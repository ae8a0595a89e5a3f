/**
 * The real host as a child process (`node --import tsx host/main.ts`), for tests that need what
 * only a separate process gives: a SIGKILL in the middle of a write, or the exit code of a
 * start that fails. The child's environment is only what the test passes (plus PATH and HOME),
 * so provider keys or a PORCH_* variable of the developer's shell never leak into a test.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

export type ChildHost = {
  /** The URL the host printed when it started listening. */
  url: string
  child: ChildProcess
  /** Everything the child wrote so far. */
  output(): { stdout: string; stderr: string }
  /** Sends `signal` and resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<Exit>
  /** Settles when the process is gone, however it went (for signals sent with `child.kill`). */
  exited: Promise<Exit>
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Every child a test spawned and has not seen exit: afterAll hooks kill what is left here. */
export const liveChildren = new Set<ChildProcess>()

function spawnMain(env: Record<string, string>): { child: ChildProcess; exited: Promise<Exit>; output(): { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'host/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  liveChildren.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      liveChildren.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, exited, output: () => ({ stdout, stderr }) }
}

/** Runs `host/main.ts` until it exits by itself (for starts that must fail); kills it after `timeoutMs`. */
export async function runMainToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<Exit> {
  const { child, exited } = spawnMain(env)
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}

/** Starts `host/main.ts` and resolves when it prints the URL it listens on (PORT=0 picks a free port). */
export async function startChildHost(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildHost> {
  const { child, exited, output } = spawnMain({ PORT: '0', ...env })
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => fail('the host did not start in time'), timeoutMs)
    const onData = () => {
      const match = /Porch is listening on (http:\/\/\S+)/.exec(output().stdout)
      if (match) settle(() => resolve(match[1]!))
    }
    function fail(why: string) {
      settle(() => {
        child.kill('SIGKILL')
        const { stdout, stderr } = output()
        reject(new Error(`${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`))
      })
    }
    function settle(then: () => void) {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      then()
    }
    child.stdout!.on('data', onData)
    void exited.then((exit) => fail(`the host exited before listening (code ${exit.code}, signal ${exit.signal})`))
  })
  return {
    url,
    child,
    output,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Kills every child still alive (for afterAll, whatever happened in the tests). */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...liveChildren].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('close', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}
