/**
 * Writes a heap snapshot of the benchmarked host on SIGUSR2, after a full GC: preload it with
 * `BENCH_HOST_IMPORT=./bench/heap-snapshot.mjs npm run bench -- --only=streams --streams=2000`,
 * then `kill -USR2 <host pid>` while the streams are open. The file goes to BENCH_HEAP_DIR (or
 * the temp dir); its path is printed on the host's stderr. Count what is in it with
 * `node bench/heap-count.mjs FILE STREAMS`.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc')
process.on('SIGUSR2', () => {
  gc()
  const file = writeHeapSnapshot(join(process.env.BENCH_HEAP_DIR ?? tmpdir(), `porch-host-${process.pid}.heapsnapshot`))
  process.stderr.write(`heap snapshot: ${file}\n`)
})
