/** checkAttachment judges the bytes, not the declared type; attachmentDisposition cannot be broken out of. */
import { describe, expect, it } from 'vitest'
import { ATTACHMENT_TYPES, LIMITS } from '../../shared/index.ts'
import { attachmentDisposition, checkAttachment } from './attachments.ts'
import { ApiError } from './errors.ts'

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const JPEG = [0xff, 0xd8, 0xff, 0xe0]
const GIF = [...'GIF89a'].map((ch) => ch.charCodeAt(0))
const WEBP = [...'RIFF\x24\x00\x00\x00WEBPVP8 '].map((ch) => ch.charCodeAt(0))

const file = (head: number[], size = head.length + 8) => {
  const bytes = new Uint8Array(size)
  bytes.set(head)
  return bytes
}
const text = (value: string) => new TextEncoder().encode(value)

function refusal(type: string | undefined, bytes: Uint8Array): ApiError {
  try {
    checkAttachment(type, bytes)
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error(`${type} was accepted`)
}

describe('checkAttachment', () => {
  it.each([
    ['image/png', PNG],
    ['image/jpeg', JPEG],
    ['image/gif', GIF],
    ['image/webp', WEBP],
  ])('accepts a real %s', (type, head) => {
    expect(checkAttachment(type, file(head))).toBe(type)
  })

  it('reads the declared type without its parameters or case', () => {
    expect(checkAttachment(' Image/PNG ; name=x', file(PNG))).toBe('image/png')
    expect(checkAttachment('text/plain; charset=utf-8', text('hi'))).toBe('text/plain')
  })

  it.each([
    ['image/png', JPEG],
    ['image/jpeg', PNG],
    ['image/gif', [...'GIF7'].map((ch) => ch.charCodeAt(0)).slice(0, 3)],
    ['image/webp', [...'RIFF\x24\x00\x00\x00AVI '].map((ch) => ch.charCodeAt(0))],
    ['image/png', PNG.slice(0, 7)],
  ])('refuses a %s whose bytes are something else', (type, head) => {
    const error = refusal(type, new Uint8Array(head))
    expect([error.status, error.code]).toEqual([415, 'unsupported_attachment'])
  })

  it('refuses a WebP header shorter than its signature', () => {
    expect(refusal('image/webp', new Uint8Array(WEBP.slice(0, 10))).status).toBe(415)
  })

  it.each(ATTACHMENT_TYPES.text)('accepts UTF-8 %s', (type) => {
    expect(checkAttachment(type, text('naïve, 日本語, emoji 🙂\n'))).toBe(type)
  })

  it('refuses text that is not UTF-8', () => {
    const error = refusal('text/plain', new Uint8Array([0x68, 0x69, 0xff, 0xfe]))
    expect([error.status, error.code]).toEqual([415, 'unsupported_attachment'])
    expect(refusal('text/csv', new Uint8Array([0xc3])).status).toBe(415) // a cut-off sequence
  })

  it('refuses text with a NUL byte', () => {
    expect(refusal('text/markdown', text('a\u0000b')).code).toBe('unsupported_attachment')
  })

  it('refuses an image passed off as text (its bytes are not UTF-8)', () => {
    expect(refusal('text/plain', file(PNG)).status).toBe(415)
  })

  it.each([undefined, '', 'image/svg+xml', 'text/html', 'application/octet-stream', 'application/pdf'])('refuses the type %j', (type) => {
    const error = refusal(type, text('<svg/>'))
    expect([error.status, error.code]).toEqual([415, 'unsupported_attachment'])
  })

  it('says when no type was declared', () => {
    expect(refusal(undefined, text('x')).message).toMatch(/of no declared type/)
  })

  it('refuses an empty file with a 400', () => {
    const error = refusal('text/plain', new Uint8Array(0))
    expect([error.status, error.code]).toEqual([400, 'invalid_request'])
  })

  it('accepts exactly the size limit and refuses one byte more with a 413', () => {
    expect(checkAttachment('image/png', file(PNG, LIMITS.attachmentBytes))).toBe('image/png')
    const error = refusal('image/png', file(PNG, LIMITS.attachmentBytes + 1))
    expect([error.status, error.code]).toEqual([413, 'payload_too_large'])
  })
})

describe('attachmentDisposition', () => {
  /** The quoted ASCII filename as a browser would read it: everything between the quotes. */
  const quoted = (header: string) => /^attachment; filename="([^"\\]*)"; filename\*=UTF-8''([^;\s"]*)$/.exec(header)

  it('names a plain file in both forms', () => {
    expect(attachmentDisposition('report.csv')).toBe(`attachment; filename="report.csv"; filename*=UTF-8''report.csv`)
  })

  it('keeps a Unicode name in filename* and an ASCII stand-in in filename', () => {
    const header = attachmentDisposition('résumé 日本.txt')
    const parts = quoted(header)
    expect(parts?.[1]).toBe('r_sum_ __.txt')
    expect(decodeURIComponent(parts![2]!)).toBe('résumé 日本.txt')
  })

  it.each(['a"; filename="evil.html', 'a\\"; x=y', 'line\r\nSet-Cookie: a=b', 'semi;colon.txt', "it's (1) *.txt", 'tab\there\u0000nul', '\u202egnp.exe'])(
    'cannot be broken out of by %j',
    (name) => {
      const header = attachmentDisposition(name)
      const parts = quoted(header)
      expect(parts).not.toBeNull()
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must not hold
      expect(header).not.toMatch(/[\r\n\u0000-\u001f\u007f-\uffff]/)
      expect(decodeURIComponent(parts![2]!)).toBe(name)
      expect(() => new Headers({ 'content-disposition': header })).not.toThrow()
    },
  )
})
