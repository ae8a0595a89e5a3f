/**
 * Loaded into a benchmarked host with `--import`: once a second it writes one line to stderr,
 * `porch-probe {"rssMb":…,"heapMb":…,"externalMb":…,"p50Ms":…,"p99Ms":…,"maxMs":…}`, with the event-loop delay seen in
 * that second (beyond the probe's own 10 ms tick). The host's own code knows nothing of it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

const RESOLUTION_MS = 10
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
delay.enable()
// The histogram holds the time between timer ticks; what exceeds the tick is the delay.
const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100)
setInterval(() => {
  const memory = process.memoryUsage()
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20)
  const line = {
    rssMb: mb(memory.rss),
    heapMb: mb(memory.heapUsed),
    externalMb: mb(memory.external),
    p50Ms: ms(delay.percentile(50)),
    p99Ms: ms(delay.percentile(99)),
    maxMs: ms(delay.max),
  }
  delay.reset()
  process.stderr.write(`porch-probe ${JSON.stringify(line)}\n`)
}, 1000).unref()
