/** What a benchmark ran on, printed with every result so numbers can be compared honestly. */
import { execFileSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'

export function describeMachine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU'
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.startsWith('Model name:'))
    if (line) model = line.slice('Model name:'.length).trim()
  } catch {
    // lscpu is missing on some systems; os.cpus() still names the model.
  }
  return `${cpus().length} × ${model}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`
}

export const today = () => new Date().toISOString().slice(0, 10)
