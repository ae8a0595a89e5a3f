import { describe, expect, it } from 'vitest'
import { KNOWLEDGE_SEARCH, searchTerms } from './knowledge.ts'

describe('searchTerms', () => {
  it('reads a query as its distinct words, lower-cased, operators and punctuation only separating them', () => {
    expect(searchTerms('Restart "SERVER" -now* NEAR(server)')).toEqual(['restart', 'server', 'near'])
  })

  it('leaves English stop words out, unless the query is nothing else', () => {
    expect(searchTerms('How do I round a timestamp down to the start of the hour?')).toEqual(['round', 'timestamp', 'start', 'hour'])
    expect(searchTerms("don't")).toEqual(['don', 't'])
    expect(searchTerms('To be, or not to be')).toEqual(['to', 'be', 'or', 'not'])
  })

  it('keeps at most maxTerms words, stop words not counted', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`)
    const terms = searchTerms(words.map((word) => `the ${word}`).join(' '))
    expect(terms).toEqual(words.slice(0, KNOWLEDGE_SEARCH.maxTerms))
  })
})
