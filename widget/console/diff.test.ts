import { describe, expect, it } from 'vitest'
import { changedFields, diffLines } from './diff.ts'

describe('diffLines', () => {
  it('keeps common lines and marks the removed and added ones in order', () => {
    expect(diffLines('a\nb\nc', 'a\nx\nc\nd')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'x' },
      { kind: 'same', text: 'c' },
      { kind: 'added', text: 'd' },
    ])
  })

  it('rebuilds both sides exactly from its output', () => {
    const before = 'one\ntwo\nthree\nfour\nfive'
    const after = 'zero\none\nthree\nfour\n4.5\nfive'
    const lines = diffLines(before, after)
    expect(
      lines
        .filter((l) => l.kind !== 'added')
        .map((l) => l.text)
        .join('\n'),
    ).toBe(before)
    expect(
      lines
        .filter((l) => l.kind !== 'removed')
        .map((l) => l.text)
        .join('\n'),
    ).toBe(after)
    expect(lines.filter((l) => l.kind === 'same')).toHaveLength(4)
  })

  it('shows a text that was empty as additions only, and one emptied as removals only', () => {
    expect(diffLines('', 'a\nb')).toEqual([
      { kind: 'added', text: 'a' },
      { kind: 'added', text: 'b' },
    ])
    expect(diffLines('a', '')).toEqual([{ kind: 'removed', text: 'a' }])
  })

  it('falls back to all removed, all added past its size bound', () => {
    expect(diffLines('a\nb', 'a\nc', 1)).toEqual([
      { kind: 'removed', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'a' },
      { kind: 'added', text: 'c' },
    ])
  })
})

describe('changedFields', () => {
  it('lists only the fields that differ, with labels and readable values', () => {
    const before = { name: 'Bot', instructions: 'Be kind.', model: 'demo', temperature: 0.7, starters: ['Hi'], theme: {} }
    const after = { name: 'Bot', instructions: 'Be kind.\nBe brief.', model: 'demo', temperature: 0.2, starters: ['Hi', 'Help'], theme: {} }
    expect(changedFields(before, after)).toEqual([
      { field: 'instructions', label: 'Instructions', before: 'Be kind.', after: 'Be kind.\nBe brief.' },
      { field: 'temperature', label: 'Temperature', before: '0.7', after: '0.2' },
      { field: 'starters', label: 'Starter prompts', before: 'Hi', after: 'Hi\nHelp' },
    ])
  })

  it('treats every field as new when nothing is published, and ignores fields the version does not record', () => {
    expect(changedFields(null, { name: 'Bot', model: 'demo' }).map((c) => c.field)).toEqual(['name', 'model'])
    expect(changedFields({ name: 'Bot' }, { name: 'Bot', description: 'new' })).toEqual([])
  })
})
