/**
 * Each console element's file, custom-element tag and class say the same thing: `agent-list.ts`
 * defines `porch-console-agent-list` as `ConsoleAgentList`. The app itself is `porch-console.ts`,
 * `<porch-console>`, `PorchConsole`, as the visitor widget is `porch-chat.ts`, `<porch-chat>`, `PorchChat`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const dir = new URL('./', import.meta.url)
const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())

describe('console elements', () => {
  const defined = readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .flatMap((file) => [...readFileSync(new URL(file, dir), 'utf8').matchAll(/define\('([a-z-]+)', (\w+)\)/g)].map(([, tag, cls]) => ({ file, tag, cls })))

  it('are found', () => {
    expect(defined.length).toBeGreaterThan(15)
  })

  it('are named alike: file, tag and class', () => {
    const named = defined.map(({ file }) => {
      const base = file.replace(/\.ts$/, '')
      return base === 'porch-console'
        ? { file, tag: 'porch-console', cls: 'PorchConsole' }
        : { file, tag: `porch-console-${base}`, cls: `Console${pascal(base)}` }
    })
    expect(defined).toEqual(named)
  })
})
