/**
 * A floor server (bench/baseline-server.ts, bench/proxy-server.ts) as its own process, like the
 * host under test: started with tsx, ready once it prints `listening on URL`, stopped by SIGINT.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export type FloorProcess = { url: string; pid: number; stop(): Promise<void> }

export async function startFloorProcess(script: string, args: string[]): Promise<FloorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text
      const match = /listening on (\S+)/.exec(out)
      if (match) resolve(match[1]!)
    })
    void exited.then(() => reject(new Error(`${script} exited before listening`)))
  })
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGINT')
      await exited
    },
  }
}
