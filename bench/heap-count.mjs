/**
 * What each open stream holds in a host's heap: `node bench/heap-count.mjs FILE STREAMS
 * BASE_FILE BASE_STREAMS [TOP]` counts two heap snapshots of the same host (bench/heap-snapshot.mjs)
 * by kind (objects by constructor, closures, strings, arrays, code) and prints the difference
 * divided by the difference in open streams: what one more stream costs, without the host's
 * fixed heap. Self sizes only, so the sums add up to the live heap.
 */
import { readFileSync } from 'node:fs'

const [file, streams, baseFile, baseStreams, top = '25'] = process.argv.slice(2)
if (!baseFile) throw new Error('usage: node bench/heap-count.mjs FILE STREAMS BASE_FILE BASE_STREAMS [TOP]')

function count(path) {
  const snapshot = JSON.parse(readFileSync(path, 'utf8'))
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta
  const width = fields.length
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field))
  const kinds = new Map()
  let total = 0
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[0][snapshot.nodes[i + typeAt]]
    const size = snapshot.nodes[i + sizeAt]
    total += size
    const key = type === 'object' || type === 'closure' ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]] || '(anonymous)'}` : `(${type})`
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 }
    kind.count += 1
    kind.bytes += size
    kinds.set(key, kind)
  }
  return { kinds, total }
}

const high = count(file)
const low = count(baseFile)
const per = Number(streams) - Number(baseStreams)
const rows = [...high.kinds].map(([key, { count, bytes }]) => {
  const base = low.kinds.get(key) ?? { count: 0, bytes: 0 }
  return { key, count: (count - base.count) / per, bytes: (bytes - base.bytes) / per }
})
console.log(
  `live heap ${(low.total / 1e6).toFixed(1)} MB at ${baseStreams} streams, ${(high.total / 1e6).toFixed(1)} MB at ${streams}: ${((high.total - low.total) / per / 1e3).toFixed(1)} kB per stream`,
)
console.log('| kind | per stream | bytes per stream |')
console.log('|---|---|---|')
for (const row of rows.sort((a, b) => b.bytes - a.bytes).slice(0, Number(top)))
  console.log(`| ${row.key} | ${row.count.toFixed(1)} | ${row.bytes.toFixed(0)} |`)
const streamsOf = (name) => rows.find((row) => row.key === `object ${name}`)?.count.toFixed(2) ?? '0'
console.log(
  `web streams per stream: ReadableStream ${streamsOf('ReadableStream')}, WritableStream ${streamsOf('WritableStream')}, TransformStream ${streamsOf('TransformStream')}`,
)
