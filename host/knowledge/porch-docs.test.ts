/** Porch's own README and docs, which the demo agent will get as knowledge: real, long markdown with code, tables and deep headings. */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { chunkDocument, DEFAULT_MAX_CHARS, parseSource } from './index.ts'

const repo = new URL('../../', import.meta.url)
const files = [
  'README.md',
  ...readdirSync(new URL('docs/', repo))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]
const chunk = async (path: string) => {
  const bytes = new Uint8Array(readFileSync(new URL(path, repo)))
  const parsed = await parseSource({ bytes, filename: path.split('/').pop()!, url: `https://porch.example/${path}` })
  return { source: new TextDecoder().decode(bytes), chunks: chunkDocument(parsed) }
}

describe("Porch's own docs as knowledge", () => {
  it.each(files)('%s: chunks within bounds, titled by its h1, each under a heading with an anchor', async (path) => {
    const { source, chunks } = await chunk(path)
    const h1 = /^# (.+)$/m.exec(source)![1]!.trim()
    expect(chunks.length).toBeGreaterThan(0)
    expect(chunks.map((item) => item.ordinal)).toEqual(chunks.map((_, index) => index))
    expect(new Set(chunks.map((item) => item.hash)).size).toBe(chunks.length)
    for (const item of chunks) {
      expect(item.title).toBe(h1.replace(/[*`_]/g, ''))
      expect(item.text.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS)
      expect(item.text.trim().length).toBeGreaterThan(0)
      expect(item.url).toMatch(new RegExp(`^https://porch\\.example/${path.replace('.', '\\.')}#[a-z0-9-]+$`))
      expect(item.headingPath).not.toContain(item.title)
    }
    // Every section heading of the file (h2, h3) with content below it heads some chunk.
    const sections = [...source.replace(/```[\s\S]*?```/g, '').matchAll(/^#{2,3} (.+)\n+(?!#)\S/gm)].map((match) => match[1]!.replace(/[*`_]/g, '').trim())
    const headed = new Set(chunks.map((item) => item.headingPath.at(-1)))
    expect(sections.filter((section) => !headed.has(section))).toEqual([])
  })

  it('README: keeps each fenced code block whole when it fits, and no markdown link syntax in the prose', async () => {
    const { source, chunks } = await chunk('README.md')
    const fenced = [...source.matchAll(/^```\w*\n([\s\S]*?)\n```$/gm)].map((match) => match[1]!)
    expect(fenced.length).toBeGreaterThan(3)
    for (const code of fenced.filter((block) => block.length <= DEFAULT_MAX_CHARS)) {
      expect(chunks.filter((item) => item.text.includes(code))).toHaveLength(1)
    }
    const prose = chunks.map((item) => fenced.reduce((text, code) => text.replace(code, ''), item.text)).join('\n')
    expect(prose).not.toMatch(/\]\(|\*\*[a-z]|`[^`\n]+`/i)
    const tryIt = chunks.find((item) => item.headingPath.join(' > ') === 'Try the API')
    expect(tryIt?.url).toBe('https://porch.example/README.md#try-the-api')
    expect(tryIt?.text).toContain('curl')
  })
})
