/**
 * Times the stages of one chat inside the benchmarked host. Preload it into the host with
 * `BENCH_HOST_IMPORT=./bench/stage-timer.mjs npm run bench -- --only=overhead`, after adding
 * `globalThis.__stage?.('name')` calls where the stages you want begin (none are committed: each
 * costs a little on the hot path). Every 100 chats it prints, on the host's stderr, the median
 * time between each pair of consecutive stages over the chats after the first 200 (warm-up).
 */
import http from 'node:http'

const marks = []
let startedAt = 0
globalThis.__stage = (name) => {
  if (!marks.some(([seen]) => seen === name)) marks.push([name, performance.now() - startedAt])
}

const steps = new Map()
let chats = 0
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
const emit = http.Server.prototype.emit
http.Server.prototype.emit = function (event, request, ...rest) {
  if (event === 'request' && request.url.includes('/chat')) {
    chats += 1
    if (chats > 200) {
      for (let i = 1; i < marks.length; i++) {
        const step = `${marks[i - 1][0]} → ${marks[i][0]}`
        if (!steps.has(step)) steps.set(step, [])
        steps.get(step).push(marks[i][1] - marks[i - 1][1])
      }
    }
    if (chats % 100 === 0 && steps.size > 0) {
      process.stderr.write(
        `stages (median ms over ${chats - 200} chats):\n${[...steps].map(([step, values]) => `  ${step}: ${median(values).toFixed(3)}`).join('\n')}\n`,
      )
    }
    marks.length = 0
    startedAt = performance.now()
    globalThis.__stage('request')
  }
  return emit.call(this, event, request, ...rest)
}
