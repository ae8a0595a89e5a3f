/** Path ids: a malformed id is simply not found; a malformed number is a 400. */
import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../shared/index.ts'
import { ApiError } from './errors.ts'
import { agentIdParam, positiveIntParam, sessionIdParam } from './ids.ts'

function thrown(run: () => unknown): ApiError {
  try {
    run()
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('nothing was thrown')
}

describe('agentIdParam', () => {
  it('returns a lowercase UUID as it is', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
    expect(agentIdParam(id)).toBe(id)
  })

  it.each([
    '',
    'not-a-uuid',
    '0F8FAD5B-D9CB-469F-A165-70867728950E',
    '0f8fad5b-d9cb-469f-a165-70867728950e ',
    '0f8fad5bd9cb469fa16570867728950e',
    "0f8fad5b-d9cb-469f-a165-70867728950e' OR 1=1",
  ])('finds no agent for %j', (value) => {
    const error = thrown(() => agentIdParam(value))
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'Agent not found'])
  })

  it('names what was not found', () => {
    expect(thrown(() => agentIdParam('x', 'Link')).message).toBe('Link not found')
  })
})

describe('sessionIdParam', () => {
  it.each(['s', 'a.b_c:d-1', 'x'.repeat(LIMITS.idChars)])('accepts %j', (value) => {
    expect(sessionIdParam(value)).toBe(value)
  })

  it.each(['', 'x'.repeat(LIMITS.idChars + 1), 'a/b', 'a b', 'é', '../x'])('finds no session for %j', (value) => {
    const error = thrown(() => sessionIdParam(value))
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'Session not found'])
  })
})

describe('positiveIntParam', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['999999999', 999_999_999],
  ])('reads %j', (value, number) => {
    expect(positiveIntParam(value, 'version')).toBe(number)
  })

  it.each(['0', '01', '-1', '1.5', '1e3', ' 1', '0x10', '', '1000000000', 'NaN'])('refuses %j with a 400 naming the parameter', (value) => {
    const error = thrown(() => positiveIntParam(value, 'version'))
    expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    expect(error.message).toMatch(/^version /)
  })
})
