/**
 * `npm run bench`: runs every benchmark and prints each result against its budget, with the
 * date and machine. `--only=size,overhead,throughput,streams,session,growth,render,phone,stores,cluster,vectors,knowledge,analytics,start` runs
 * some of them (`start`: `npm start` against the compiled host of `npm run build:prod`, which it
 * runs first; `stores`: SQLite against PostgreSQL, which needs Debian's `postgresql` package
 * installed; `cluster`: one host and three behind nginx on PostgreSQL and Redis, which needs
 * Debian's `postgresql`, `redis-server` and `nginx`; `vectors`: vector search per store, see
 * bench/vectors.ts, which needs Debian's `postgresql` too; `knowledge`: retrieval quality, import
 * cost and search latency on the PostgreSQL manual, which needs `postgresql` and installs
 * `postgresql-doc-15` when missing; `analytics`: Store.analytics at 1M traces per store, which needs
 * `postgresql` too);
 * `phone`: the widget on a throttled phone (CPU ×4, slow 4G), bench/widget-phone.ts;
 * `--quick` shortens the timed runs (for trying a change, not for BENCHMARKS.md); `--quality`
 * runs only the knowledge bench's import, recall@5/MRR and the manual's search latency (minutes);
 * `--streams=N` opens N streams instead of 10,000 (the process re-runs itself under a raised
 * `ulimit -n` when its soft limit is too low for that; a hard limit below 2N + 256 caps N); `session`: turn 1,000 of a summarised session against turn 10;
 * `--cpu-prof=DIR` writes CPU profiles of the benchmarked host (overhead, throughput) to DIR.
 * Results are copied into BENCHMARKS.md by hand, with the command that produced them.
 */

import { execFileSync, spawnSync } from 'node:child_process'
import { findNginx } from '../host/testing/nginx.ts'
import { findPostgresBin } from '../host/testing/postgres-server.ts'
import { findRedisServer } from '../host/testing/redis-server.ts'
import { analyticsBench, analyticsBenchLines } from './analytics.ts'
import { appendGrowth } from './append-growth.ts'
import { clusterBench } from './cluster.ts'
import { clusterBenchLines } from './cluster-report.ts'
import { knowledgeBench, knowledgeBenchLines } from './knowledge.ts'
import { longSession } from './long-session.ts'
import { describeMachine, today } from './machine.ts'
import { hostOverhead } from './overhead.ts'
import { widgetSizes } from './size.ts'
import { startBench } from './start.ts'
import { compareStores, storeComparisonLines } from './stores.ts'
import { openStreams } from './streams.ts'
import { baselineThroughput, porchThroughput } from './throughput.ts'
import { vectorLines, vectorSearch } from './vectors.ts'
import { widgetPhone, widgetPhoneLines } from './widget-phone.ts'
import { widgetRender } from './widget-render.ts'

const BENCHES = [
  'size',
  'overhead',
  'throughput',
  'streams',
  'session',
  'growth',
  'render',
  'phone',
  'stores',
  'cluster',
  'vectors',
  'knowledge',
  'analytics',
  'start',
] as const
type Bench = (typeof BENCHES)[number]

const flag = (name: string) => process.argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))?.split('=')[1]
const only = flag('only')?.split(',') ?? [...BENCHES]
const unknown = only.filter((name) => !(BENCHES as readonly string[]).includes(name))
if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`)
const quick = process.argv.includes('--quick')
const quality = process.argv.includes('--quality')
const cpuProfDir = flag('cpu-prof')
const runs = (name: Bench) => only.includes(name)
const streamTarget = Number(flag('streams') ?? (quick ? 1000 : 10_000))
// Each stream holds two sockets in the host (the visitor's, the model's) and one here; the model
// server is a process of its own. A machine whose hard limit is lower gets as many as it allows,
// and the result says what that many cost per stream.
const fileLimit = Number(execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim())
const streamCount = Math.min(streamTarget, Math.floor((fileLimit - 256) / 2))
if (runs('streams')) raiseFileLimit(streamCount + 256)
// Before minutes of other benchmarks, not after: says how to install what is missing.
if (runs('stores') || runs('cluster') || runs('vectors') || runs('knowledge') || runs('analytics')) findPostgresBin()
if (runs('cluster')) {
  findRedisServer()
  findNginx()
}

const summary: string[] = []
const report = (line: string) => {
  console.log(line)
  summary.push(line)
}
const verdict = (met: boolean) => (met ? 'met' : 'MISSED')
const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

console.log(`Porch benchmarks — ${today()} — ${describeMachine()}\n`)

if (runs('size')) {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' })
  const rows = widgetSizes()
  for (const row of rows) {
    report(
      `size ${row.file}: ${n(row.raw)} B raw, ${n(row.gzip)} B gzip, ${n(row.brotli)} B brotli — budget ≤ ${n(row.budget)} B brotli: ${verdict(row.brotli <= row.budget)}`,
    )
  }
  const sum = (key: 'raw' | 'gzip' | 'brotli') => n(rows.reduce((total, row) => total + row[key], 0))
  report(
    `size of an opened chat bubble (embed.js, then porch-chat.js on open): ${sum('raw')} B raw, ${sum('gzip')} B gzip, ${sum('brotli')} B brotli (no budget of its own)`,
  )
}

if (runs('overhead')) {
  const o = await hostOverhead({ rounds: quick ? 200 : 1000, cpuProfDir })
  report(
    `host overhead (${o.rounds} rounds, SSE, model server streaming 20 tokens at once): to first token median ${o.firstToken.medianMs} ms, p99 ${o.firstToken.p99Ms} ms; ` +
      `to the end median ${o.total.medianMs} ms, p99 ${o.total.p99Ms} ms; floor (a bare node:http pass-through proxy) to first token median ${o.proxyFirstToken.medianMs} ms ` +
      `(first token direct ${o.times.direct.firstTokenMs} ms, via the proxy ${o.times.proxy.firstTokenMs} ms, through Porch ${o.times.porch.firstTokenMs} ms; host CPU ${o.hostCpuMsPerChat} ms per chat) ` +
      `— budget ≤ 2 ms median to first token: ${verdict(o.firstToken.medianMs <= 2)}`,
  )
  const aboveFloor = o.firstToken.medianMs - o.proxyFirstToken.medianMs
  report(`  Porch above the floor to first token: ${aboveFloor.toFixed(2)} ms — budget ≤ 1 ms: ${verdict(aboveFloor <= 1)}`)
  const t = await hostOverhead({ rounds: quick ? 100 : 500, thinkMs: 20 })
  report(
    `  with a model that sends its headers at once and its answer ${t.thinkMs} ms later (as real providers do): to first token median ${t.firstToken.medianMs} ms, p99 ${t.firstToken.p99Ms} ms; ` +
      `floor ${t.proxyFirstToken.medianMs} ms (no budget of its own)`,
  )
}

if (runs('throughput')) {
  const load = { seconds: quick ? 5 : 10, cpuProfDir }
  const baseline = await baselineThroughput(load)
  const sync = await porchThroughput('non_streaming', load)
  const sse = await porchThroughput('streaming', load)
  const line = (name: string, r: typeof sync) =>
    `${name}: ${n(r.perSecond)}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.non2xx + r.errors} failed of ${n(r.total)}, ${r.cpuMsPerChat.toFixed(2)} ms server CPU per chat`
  report(
    `throughput (demo:instant, SQLite on, ${sync.connections} connections from autocannon, ${load.seconds} s) — ${line('floor (node:http + better-sqlite3, same writes)', baseline)}`,
  )
  report(
    `  ${line('sync chats', sync)}, ${(sync.perSecond / baseline.perSecond).toFixed(2)} × the floor — budget ≥ 2,000/s: ${verdict(sync.perSecond >= 2000)}`,
  )
  report(`  ${line('SSE chats', sse)}, ${(sse.perSecond / baseline.perSecond).toFixed(2)} × the floor (no budget)`)
  report(
    `  sync chats against the floor: ${(sync.perSecond / baseline.perSecond).toFixed(2)} × its rate, ${(baseline.cpuMsPerChat / sync.cpuMsPerChat).toFixed(2)} × its CPU per chat — budget ≥ 0.85 × its rate: ${verdict(sync.perSecond >= 0.85 * baseline.perSecond)}`,
  )
}

if (runs('streams')) {
  const s = await openStreams({ streams: streamCount })
  report(
    `open SSE streams: ${n(s.opened)} open for ${s.openSeconds.toFixed(0)} s, ${s.pingsPerStreamPerSecond.toFixed(2)} heartbeats per stream per second; host RSS ${s.idleRssMb} MB idle, ${s.peakRssMb} MB peak (V8 heap ${s.atPeak.heapMb} MB, external ${s.atPeak.externalMb} MB); ` +
      `event-loop delay p50 ${s.loopDelay.p50Ms} ms, worst p99 ${s.loopDelay.worstP99Ms} ms, max ${s.loopDelay.maxMs} ms — budget ${n(s.streams)} streams with RSS < 1 GB: ${verdict(s.opened === s.streams && s.peakRssMb < 1024)}`,
  )
  if (streamCount < streamTarget) {
    const perStreamKb = ((s.peakRssMb - s.idleRssMb) * 1024) / s.opened
    const atTarget = s.idleRssMb + (perStreamKb * streamTarget) / 1024
    report(
      `  ${n(streamTarget)} streams need ${n(2 * streamTarget + 256)} open files in the host; this machine's hard limit (ulimit -Hn) is ${n(fileLimit)}, so ${n(streamCount)} were opened: ` +
        `${perStreamKb.toFixed(1)} kB per stream, ${n(atTarget)} MB at ${n(streamTarget)} — budget < 1 GB: ${verdict(atTarget < 1024)}`,
    )
  }
}

if (runs('session')) {
  const l = await longSession({ turns: quick ? 200 : 1000, sample: quick ? 40 : 100 })
  const side = (c: typeof l.late) => `mean ${c.meanMs} ms, median ${c.medianMs} ms, ${c.cpuMsPerTurn} ms host CPU, ${n(c.modelRequestBytes)} B to the model`
  report(
    `summarised session (context window 1,000 tokens, ${l.summaries} summaries): turns ${n(l.turns - l.sample + 1)}–${n(l.turns)} ${side(l.late)}; turn 10 of fresh sessions at the same moments ${side(l.tenth)}; ` +
      `ratio ${l.ratio.medianMs} (median time), ${l.ratio.cpuMs} (CPU) — budget turn ${n(l.turns)} as cheap as turn 10 (≤ 1.2 ×): ${verdict(l.ratio.medianMs <= 1.2 && l.ratio.cpuMs <= 1.2)}`,
  )
}

if (runs('start')) {
  execFileSync('npm', ['run', 'build:prod', '--silent'], { stdio: 'ignore' })
  // The budget is on CPU, which the load of a shared machine does not stretch as it does time.
  for (const r of await startBench()) {
    const compiled = r.name.includes('dist/server')
    report(
      `start, ${r.name}: first start ${n(r.firstStartMs)} ms, restart ${n(r.restartMs)} ms (${n(r.restartCpuMs)} ms CPU); idle RSS ${n(r.idleRssMb.tree)} MB ` +
        `(process tree), ${n(r.idleRssMb.host)} MB (host); ${r.cpuMsPerChat.toFixed(2)} ms CPU per sync chat (${n(r.chats)} chats, one at a time)` +
        (compiled ? ` — budget: a restart under 1,000 ms of CPU: ${verdict(r.restartCpuMs < 1000)}` : ''),
    )
  }
}

if (runs('growth')) {
  const g = await appendGrowth()
  report(
    `append growth: turn ${n(g.turns)} of a session median ${g.lateMedianUs.toFixed(0)} µs (turns ${n(g.turns - g.sample + 1)}–${n(g.turns)}), turn 1 of a new session at the same moments ${g.firstTurnMedianUs.toFixed(0)} µs, ` +
      `ratio ${g.ratio.toFixed(2)} (the session's own turns 1–${g.sample}: ${g.earlyMedianUs.toFixed(0)} µs) — budget ≈ 1 (O(1)): ${verdict(g.ratio < 1.5)}`,
  )
}

if (runs('render')) {
  const rows = await widgetRender({ repeats: quick ? 1 : 3 })
  const worst = Math.max(...rows.map((r) => r.ratioToPrevious ?? 0))
  report(`widget render work (Chromium main thread while the answer streams; median of ${quick ? 1 : 3} pages):`)
  for (const r of rows) {
    report(
      `  ${n(r.tokens)} tokens: ${r.taskMs} ms (script ${r.scriptMs}, layout ${r.layoutMs}, style ${r.styleMs})` +
        (r.ratioToPrevious === null ? '' : `, ×${r.ratioToPrevious} the previous, ${r.marginalMsPerThousand} ms per added 1,000 tokens`),
    )
  }
  report(`  worst ratio per doubling ${worst} — budget linear (≈ 2 per doubling, 4 would be quadratic): ${verdict(worst < 3)}`)
}

if (runs('phone')) {
  // The host serves the built widget.
  if (!runs('size')) execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' })
  const rows = await widgetPhone({ repeats: quick ? 1 : 3 })
  report(`widget on a slow phone (script-tag embed on another origin, 390 × 844, a 4,000-token markdown answer at one token per 5 ms):`)
  for (const line of widgetPhoneLines(rows)) report(line)
}

if (runs('stores')) {
  for (const line of storeComparisonLines(await compareStores({ quick }))) report(line)
}

if (runs('vectors')) {
  for (const line of vectorLines(await vectorSearch({ quick }))) report(line)
}

if (runs('cluster')) {
  for (const line of clusterBenchLines(await clusterBench({ quick }))) report(line)
}

if (runs('knowledge')) {
  for (const line of knowledgeBenchLines(await knowledgeBench({ quick, quality }))) report(line)
}

if (runs('analytics')) {
  for (const line of analyticsBenchLines(await analyticsBench({ quick }))) report(line)
}

/**
 * Re-runs this benchmark under `ulimit -n limit` when the soft limit is lower: Node cannot raise
 * its own, and the limit is only for this run, not the machine's shells.
 */
function raiseFileLimit(limit: number) {
  const current = Number(execFileSync('bash', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim())
  if (current >= limit || process.env.PORCH_BENCH_FILE_LIMIT) return
  const quoted = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  const rerun = spawnSync('bash', ['-c', `ulimit -n ${limit} || exit 75; exec ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, PORCH_BENCH_FILE_LIMIT: String(limit) },
  })
  if (rerun.status === 75)
    throw new Error(`${streamCount} streams need ulimit -n ${limit} (open files); this shell allows ${current}: pass a smaller --streams=N`)
  process.exit(rerun.status ?? 1)
}

console.log(`\nSummary — ${today()} — ${describeMachine()}\n${summary.join('\n')}`)
