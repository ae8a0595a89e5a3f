/**
 * Budgets: embed.js ≤ 3 KB brotli; the whole widget (component, markdown, stream client) ≤ 25 KB
 * brotli. Measures the built files in dist/widget (run `npm run build` first).
 */
import { readFileSync } from 'node:fs'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

export const BUDGETS = { 'embed.js': 3 * 1024, 'porch-chat.js': 25 * 1024 } as const

export type SizeRow = { file: keyof typeof BUDGETS; raw: number; gzip: number; brotli: number; budget: number }

export function widgetSizes(dir = new URL('../dist/widget/', import.meta.url)): SizeRow[] {
  return (Object.keys(BUDGETS) as (keyof typeof BUDGETS)[]).map((file) => {
    const body = readFileSync(new URL(file, dir))
    return {
      file,
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      budget: BUDGETS[file],
    }
  })
}
