import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { supportsNode } from './supported-node.ts'

describe('supportsNode', () => {
  it('accepts the LTS lines package.json names and refuses the rest', () => {
    for (const version of ['22.12.0', '22.23.3', '24.11.0', '24.21.0', '26.0.0']) expect(supportsNode(version), version).toBe(true)
    for (const version of ['18.20.0', '20.19.0', '20.20.2', '22.11.0', '23.11.0', '24.10.0']) expect(supportsNode(version), version).toBe(false)
  })

  it('agrees with package.json engines, which this check mirrors', () => {
    const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }
    expect(engines.node).toBe('^22.12.0 || >=24.11.0')
    expect(supportsNode(process.versions.node)).toBe(true)
  })
})
