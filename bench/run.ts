/**
 * `npm run bench`: runs every benchmark and prints one line per result, with the budget it is
 * held to. Results are recorded by hand in BENCHMARKS.md with the command, machine and date.
 */
import { cpus, totalmem } from 'node:os'
import { execFileSync } from 'node:child_process'
import { appendGrowth } from './append-growth.ts'
import { widgetSizes } from './size.ts'
import { syncThroughput } from './sync-throughput.ts'

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
console.log(`Porch benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`)

execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' })
for (const row of widgetSizes()) {
  console.log(`size ${row.file}: ${row.raw} B raw, ${row.gzip} B gzip, ${row.brotli} B brotli (budget ${row.budget} B brotli)`)
}

const growth = await appendGrowth()
console.log(
  `append growth: turn 1–200 median ${growth.earlyMedianUs.toFixed(0)} µs, turn ${growth.turns - 199}–${growth.turns} median ${growth.lateMedianUs.toFixed(0)} µs, ratio ${growth.ratio.toFixed(2)} (budget: ≈1, O(1))`,
)

const sync = await syncThroughput()
console.log(
  `sync chats: ${sync.perSecond.toFixed(0)}/s, p50 ${sync.p50Ms} ms, p99 ${sync.p99Ms} ms, ${sync.connections} connections, ${sync.non2xx + sync.errors} failed of ${sync.total} (demo:instant, SQLite on; budget ≥ 2,000/s)`,
)
