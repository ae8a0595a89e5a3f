import { describe, expect, it } from 'vitest'
import { PreviewQuerySchema } from '../../shared/console.ts'
import { DEFAULT_EMBED, previewUrl, scriptWithOptions } from './embed-options.ts'

const SNIPPET = '<script src="https://porch.example/widget/1.0.0/embed.js" integrity="sha384-abc" crossorigin="anonymous" data-link="tok" async></script>'
const TOKEN = 'A'.repeat(43)

describe('snippet options', () => {
  it('leaves the host’s snippet untouched with the default options', () => {
    expect(scriptWithOptions(SNIPPET, DEFAULT_EMBED)).toBe(SNIPPET)
  })

  it('adds the chosen options as data-* attributes before async, escaping the title', () => {
    const options = { mode: 'iframe', position: 'bottom-left', color: '#ff0000', title: 'Ask "us" <now>', theme: 'dark', open: true } as const
    expect(scriptWithOptions(SNIPPET, options)).toBe(
      '<script src="https://porch.example/widget/1.0.0/embed.js" integrity="sha384-abc" crossorigin="anonymous" data-link="tok" data-mode="iframe" data-position="bottom-left" data-color="#ff0000" data-title="Ask &quot;us&quot; &lt;now>" data-theme="dark" data-open="true" async></script>',
    )
  })

  it('builds preview URLs that the host’s preview schema accepts, with the same options', () => {
    const options = { mode: 'iframe', position: 'bottom-left', color: '#2557d6', title: 'Help desk', theme: 'light', open: true } as const
    const url = new URL(previewUrl({ link: TOKEN }, options), 'https://porch.example')
    expect(url.pathname).toBe('/console/preview')
    const parsed = PreviewQuerySchema.parse(Object.fromEntries(url.searchParams))
    expect(parsed).toEqual({ link: TOKEN, mode: 'iframe', position: 'bottom-left', color: '#2557d6', title: 'Help desk', theme: 'light', open: 'true' })
    const agent = new URL(previewUrl({ agent: '0b6f4a52-7a61-4bb0-9d2e-6f0e8f0b1c11' }, DEFAULT_EMBED), 'https://porch.example')
    expect(PreviewQuerySchema.parse(Object.fromEntries(agent.searchParams))).toEqual({ agent: '0b6f4a52-7a61-4bb0-9d2e-6f0e8f0b1c11' })
  })
})
