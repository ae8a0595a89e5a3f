/**
 * The error-code union cannot drift from the host: every code the host's sources answer with
 * must be in API_ERROR_CODES, and every code there must still be answered somewhere. Read from
 * the sources (not from a list kept by hand), wherever under host/ the code moves.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LinkWarningSchema } from './console.ts'
import { API_ERROR_CODES } from './errors.ts'

const HOST = fileURLToPath(new URL('../host/', import.meta.url))

/** The host's own sources: no tests, and not host/testing (fakes of other services' APIs). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

/** Codes by where they are made: `new ApiError(4xx, 'code'`, `errorBody('code'`, and `code: 'x'` / `code = … ? 'x' : 'y'` (run failures, the OpenAI handler). */
function codesIn(text: string): string[] {
  const codes = [
    ...[...text.matchAll(/ApiError\(\s*\d{3},\s*'([a-z_]+)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/errorBody\(\s*'([a-z_]+)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/ChatError\(\s*'([a-z_]+)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\bcode\s*(?::|=(?!=))\s*([^,}\n]*)/g)].flatMap((m) => [...m[1]!.matchAll(/'([a-z_]+)'/g)].map((n) => n[1]!)),
  ]
  return [...new Set(codes)]
}

/** Codes that are not errors: a link's warning (LinkWarningSchema in shared/console.ts). */
const NOT_ERRORS = new Set<string>([LinkWarningSchema.shape.code.value])

describe('API_ERROR_CODES', () => {
  const found = new Map<string, string[]>()
  for (const file of sources(HOST)) {
    for (const code of codesIn(readFileSync(file, 'utf8'))) if (!NOT_ERRORS.has(code)) found.set(code, [...(found.get(code) ?? []), relative(HOST, file)])
  }

  it('finds codes in the host at all (the patterns still match how the host makes errors)', () => {
    expect(found.size).toBeGreaterThan(30)
    expect(found.get('run_gone')).toBeDefined()
  })

  it('holds every code the host answers with', () => {
    const missing = [...found]
      .filter(([code]) => !(API_ERROR_CODES as readonly string[]).includes(code))
      .map(([code, files]) => `${code} (${files.join(', ')})`)
    expect(missing, 'add these to API_ERROR_CODES in shared/errors.ts').toEqual([])
  })

  it('holds no code the host no longer answers with, and none twice', () => {
    expect(
      API_ERROR_CODES.filter((code) => !found.has(code)),
      'the host answers these nowhere: remove them from shared/errors.ts',
    ).toEqual([])
    expect(new Set(API_ERROR_CODES).size).toBe(API_ERROR_CODES.length)
  })

  it('reads the ways the host makes an error', () => {
    const sample = `throw new ApiError(\n  429,\n  'agent_budget',\n  'msg')
      c.json(errorBody('internal', 'Something went wrong.'), 500)
      failure = { code: 'model_timeout', message: 'The model took too long.' }
      const code = status === 401 ? 'invalid_api_key' : error.code
      if (error.code === 'ECONNRESET' || x.code === 'compared_not_made') retry()`
    expect(codesIn(sample).sort()).toEqual(['agent_budget', 'internal', 'invalid_api_key', 'model_timeout'])
  })
})
