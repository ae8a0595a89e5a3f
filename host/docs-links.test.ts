/**
 * The documentation names files; files move. Every relative link in README.md, BENCHMARKS.md and
 * docs/*.md, and every repository path in a code span, must point at a file or folder of this
 * repository, and none may leave it (a reader who clones Porch has nothing beside it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../', import.meta.url))
const documents = [
  'README.md',
  'BENCHMARKS.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** Markdown link targets that are paths, not URLs or in-page anchors. */
const relativeLinks = (text: string) =>
  [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target!.split('#')[0]!).filter((target) => target !== '' && !/^[a-z]+:/i.test(target))

describe('the documentation', () => {
  it.each(documents)('%s links only to files of this repository that exist', (document) => {
    const text = readFileSync(join(root, document), 'utf8')
    const broken = relativeLinks(text).filter((target) => {
      const path = resolve(root, dirname(document), decodeURIComponent(target))
      return relative(root, path).startsWith('..') || !existsSync(path)
    })
    expect(broken).toEqual([])
    // Paths named in code spans (`host/app.ts`) must exist too; placeholders (NNN, <version>) aside.
    const named = [...text.matchAll(/`((?:host|widget|shared|bench|examples|docs)\/[A-Za-z0-9_./-]+)`/g)].map(([, path]) => path!)
    expect(named.filter((path) => !/NNN|\*/.test(path) && !existsSync(join(root, path)))).toEqual([])
    // Nor names the team's folder beside the repository in plain text.
    expect(text).not.toMatch(/\.\.\/shared\/docs/)
  })
})
