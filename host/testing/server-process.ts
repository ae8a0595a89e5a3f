/**
 * A server program the tests run (redis-server, nginx) as a child process: its output kept, for
 * error messages and for waiting on a log line; its end awaited; and a last-resort signal when
 * the test process exits with it still running (a test that threw before its afterAll could
 * stop it), so no server outlives the run.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export type ProcessExit = { code: number | null; signal: NodeJS.Signals | null }

export type ServerProcess = {
  child: ChildProcess
  /** Everything it wrote so far, stdout and stderr interleaved as they arrived. */
  output(): string
  /** Settles when the process is gone, however it went. */
  exited: Promise<ProcessExit>
  /**
   * The first match of `pattern` in the output from offset `from` on (default 0), once it is
   * there. Rejects, with the output, when the process exits first or after `timeoutMs`.
   */
  waitForOutput(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<RegExpExecArray>
  /** Sends `signal` unless the process is already gone, and resolves once it is. */
  stop(signal: NodeJS.Signals): Promise<ProcessExit>
}

/** Running servers, and the signal that ends each: sent to those left when the test process exits. */
const running = new Map<ChildProcess, NodeJS.Signals>()
let exitHookInstalled = false

function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const [child, signal] of running) child.kill(signal)
  })
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

/**
 * Starts `command`. `exitSignal` is what the exit hook sends: SIGKILL is right for a single
 * process, but nginx's master must get SIGTERM, or its workers are left serving.
 */
export function spawnServer(command: string, args: string[], options: { cwd?: string; exitSignal?: NodeJS.Signals } = {}): ServerProcess {
  installExitHook()
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.set(child, options.exitSignal ?? 'SIGKILL')
  let output = ''
  let spawnError: Error | undefined
  const listeners = new Set<() => void>()
  const append = (chunk: string) => {
    output += chunk
    for (const listener of listeners) listener()
  }
  child.stdout!.setEncoding('utf8').on('data', append)
  child.stderr!.setEncoding('utf8').on('data', append)
  // A program that could not start emits `error`, then `close`.
  child.once('error', (error) => (spawnError = error))
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    })
  })
  let gone = false
  void exited.then(() => {
    gone = true
    for (const listener of listeners) listener()
  })

  function waitForOutput(pattern: RegExp, { from = 0, timeoutMs = 15_000 }: { from?: number; timeoutMs?: number } = {}) {
    return new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`${command}: no output matching ${pattern} after ${timeoutMs} ms`)), timeoutMs)
      const check = () => {
        const match = pattern.exec(output.slice(from))
        if (match) return settle(match)
        if (gone) settle(new Error(`${command} exited${spawnError ? ` (${spawnError.message})` : ''} before writing ${pattern}`))
      }
      function settle(result: RegExpExecArray | Error) {
        clearTimeout(timer)
        listeners.delete(check)
        if (result instanceof Error) reject(new Error(`${result.message}. Its output:\n${output.slice(-4000)}`))
        else resolve(result)
      }
      listeners.add(check)
      check()
    })
  }

  return {
    child,
    output: () => output,
    exited,
    waitForOutput,
    async stop(signal) {
      if (isRunning(child) && child.pid !== undefined) child.kill(signal)
      return exited
    },
  }
}

/** `name` as found in PATH or in `extraDirs` (an executable file), or null. */
export function findProgram(name: string, extraDirs: string[] = []): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs]
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  return null
}
