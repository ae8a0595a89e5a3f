import { describe, expect, it } from 'vitest'
import { chunkHref, excerpt, headingTrail, parseUrlList, progressText, webSourceOf } from './knowledge-api.ts'

const form = (fields: Record<string, string>) => {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) data.set(name, value)
  return data
}

describe('the web-source forms', () => {
  it('read one URL per line (commas and spaces too), in order, without repeats, and name what is not an http(s) URL', () => {
    expect(parseUrlList(' https://a.example/docs/\nhttps://a.example/faq, https://a.example/docs/\n\nhttp://b.example ')).toEqual({
      urls: ['https://a.example/docs/', 'https://a.example/faq', 'http://b.example'],
      invalid: [],
    })
    expect(parseUrlList('https://a.example ftp://files.example javascript:alert(1) docs.example').invalid).toEqual([
      'ftp://files.example',
      'javascript:alert(1)',
      'docs.example',
    ])
  })

  it('send the agreed body: urls, follow_links, and title and max_pages only when given', () => {
    expect(webSourceOf('url', form({ urls: 'https://a.example/docs/', title: '', max_pages: '' }))).toEqual({
      kind: 'url',
      urls: ['https://a.example/docs/'],
      follow_links: false,
    })
    expect(webSourceOf('url', form({ urls: 'https://a.example/docs/', follow_links: 'on', title: ' Docs ', max_pages: '25' }))).toEqual({
      kind: 'url',
      urls: ['https://a.example/docs/'],
      follow_links: true,
      title: 'Docs',
      max_pages: 25,
    })
    expect(webSourceOf('sitemap', form({ url: 'https://a.example/sitemap.xml', max_pages: '3' }))).toEqual({
      kind: 'sitemap',
      url: 'https://a.example/sitemap.xml',
      max_pages: 3,
    })
  })

  it('say what to fix instead of sending what the host would refuse', () => {
    expect(webSourceOf('url', form({ urls: '  \n ' }))).toBe('List at least one page URL.')
    expect(webSourceOf('url', form({ urls: 'https://a.example file:///etc/passwd' }))).toBe('These are not http(s) URLs: file:///etc/passwd')
    const many = Array.from({ length: 101 }, (_, i) => `https://a.example/${i}`).join('\n')
    expect(webSourceOf('url', form({ urls: many }))).toBe('List at most 100 URLs (101 given); a sitemap can name more.')
    expect(webSourceOf('url', form({ urls: 'https://a.example', max_pages: '0' }))).toBe('Most pages must be a whole number, 1 or more.')
    expect(webSourceOf('url', form({ urls: 'https://a.example', max_pages: '2.5' }))).toBe('Most pages must be a whole number, 1 or more.')
    expect(webSourceOf('sitemap', form({ url: 'sitemap.xml' }))).toBe('The sitemap URL must start with http:// or https://.')
  })
})

describe('what the Knowledge tab shows', () => {
  it('progress in pages, before and after the total is known', () => {
    expect(progressText({ pages_done: 0, pages_total: null })).toBe('0 pages read')
    expect(progressText({ pages_done: 1, pages_total: null })).toBe('1 page read')
    expect(progressText({ pages_done: 3, pages_total: 10 })).toBe('3 / 10 pages')
  })

  it('links a web chunk to its page and anything else to the uploaded file, never to another scheme', () => {
    const file = '/api/v1/agents/a/knowledge/sources/s/file'
    expect(chunkHref('https://docs.example/guide#install', file)).toBe('https://docs.example/guide#install')
    expect(chunkHref(null, file)).toBe(file)
    expect(chunkHref('javascript:alert(1)', file)).toBe(file)
  })

  it('a chunk’s place in its document, without repeating the title', () => {
    expect(headingTrail('Guide', ['Guide', 'Install', 'Linux'])).toBe('Guide › Install › Linux')
    expect(headingTrail('Guide', [])).toBe('Guide')
  })

  it('cuts long hits at a word', () => {
    expect(excerpt('short  text\nhere')).toBe('short text here')
    const long = `${'word '.repeat(100)}end`
    const cut = excerpt(long, 50)
    expect(cut.endsWith('word…')).toBe(true)
    expect(cut.length).toBeLessThanOrEqual(51)
  })
})
