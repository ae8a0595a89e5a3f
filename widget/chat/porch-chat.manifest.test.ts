/**
 * The class JSDoc of `<porch-chat>` is its public API manifest (the README sends readers to it):
 * every attribute, event, CSS part and custom property the code has must be listed there, and
 * nothing listed may be gone from the code. Read from the sources, so the two cannot drift.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { PorchChat, PorchChatEventMap } from './porch-chat.ts'

const dir = new URL('./', import.meta.url)
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8')
const source = read('porch-chat.ts')
/** The visitor widget's own modules (not the console's, not tests): everything that renders inside `<porch-chat>`. */
const widgetSources = readdirSync(dir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'embed.ts')
  .map(read)
  .join('\n')

const manifest = /^\/\*\*([\s\S]*?)\*\//.exec(source)![1]!
/** Names after a JSDoc tag: `@csspart a, b - text` gives a and b. */
const documented = (tag: string) =>
  new Set(
    [...manifest.matchAll(new RegExp(`@${tag} ([^\\n]+)`, 'g'))].flatMap(([, line]) =>
      line!
        .split(' - ')[0]!
        .split(',')
        .map((name) => name.trim()),
    ),
  )
const sorted = (names: Iterable<string>) => [...new Set(names)].sort()

describe('the <porch-chat> manifest', () => {
  it('lists every CSS part the widget renders, and no other', () => {
    const inTemplates = [...widgetSources.matchAll(/part="([^"$]+)"/g)].flatMap(([, names]) => names!.split(/\s+/))
    const setByScript = [...widgetSources.matchAll(/setAttribute\('part', '([^']+)'\)/g)].map(([, name]) => name!)
    expect(sorted(documented('csspart'))).toEqual(sorted([...inTemplates, ...setByScript]))
  })

  it('lists every event the element dispatches, and no other', () => {
    const dispatched = [...source.matchAll(/emit\(\s*(?:this\.open \? )?'(porch-[a-z-]+)'(?: : '(porch-[a-z-]+)')?/g)].flatMap(([, a, b]) =>
      b ? [a!, b] : [a!],
    )
    const typed = [...source.matchAll(/^ {2}'(porch-[a-z-]+)': CustomEvent</gm)].map(([, name]) => name!)
    expect(sorted(documented('event'))).toEqual(sorted(dispatched))
    expect(sorted(typed)).toEqual(sorted(dispatched))
  })

  it('lists every attribute, and no other', () => {
    const properties = /static override properties = \{([\s\S]*?)\n {2}\}/.exec(source)![1]!
    const attributes = [...properties.matchAll(/^\s+(\w+): \{([^}]*)\}/gm)]
      .filter(([, , options]) => !options!.includes('attribute: false'))
      .map(([, name, options]) => /attribute: '([^']+)'/.exec(options!)?.[1] ?? name!.toLowerCase())
    expect(sorted(documented('attr'))).toEqual(sorted(attributes))
  })

  it('lists every --porch-* custom property the styles read, and no other', () => {
    const used = [...(read('porch-chat.styles.ts') + source).matchAll(/(--porch-[a-z-]+)/g)].map(([, name]) => name!)
    expect(sorted(documented('cssproperty'))).toEqual(sorted(used))
  })

  it('types the events for addEventListener', () => {
    // Checked by the typecheck of `npm test`; never called.
    const listen = (chat: PorchChat) => {
      chat.addEventListener('porch-send', (event) => expectTypeOf(event.detail.text).toEqualTypeOf<string>())
      chat.addEventListener('porch-answer', (event) => expectTypeOf(event.detail.state).toEqualTypeOf<'streaming' | 'done' | 'stopped' | 'error' | undefined>())
    }
    expectTypeOf(listen).toBeFunction()
    expectTypeOf<PorchChatEventMap['porch-open']>().toEqualTypeOf<CustomEvent<null>>()
  })
})
