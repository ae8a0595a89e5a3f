import { describe, expect, it } from 'vitest'
import { hrefFor, parseRoute, type Route } from './router.ts'

describe('console routes', () => {
  const routes: Route[] = [
    { page: 'agents' },
    { page: 'new-agent' },
    { page: 'agent', id: '0b6f4a52-7a61-4bb0-9d2e-6f0e8f0b1c11', tab: 'share' },
    { page: 'agent', id: '0b6f4a52-7a61-4bb0-9d2e-6f0e8f0b1c11', tab: 'files' },
    { page: 'agent', id: '0b6f4a52-7a61-4bb0-9d2e-6f0e8f0b1c11', tab: 'knowledge' },
    { page: 'watch', agent: 'a1', link: 'lnk_abc', from: '2026-01-02', to: '' },
    { page: 'watch', agent: 'a1', link: '', from: '', to: '', feedback: 'down' },
    { page: 'session', agent: 'a1', session: 'tab.1:x', scope: 'link:lnk_abc' },
    { page: 'owner-keys' },
  ]

  it.each(routes)('round-trips $page through its URL', (route) => {
    const url = new URL(hrefFor(route), 'https://porch.example')
    expect(url.pathname.startsWith('/console')).toBe(true)
    expect(parseRoute(url.pathname, url.search)).toEqual(route)
  })

  it('opens the editor by default, and anything unknown is not found', () => {
    expect(parseRoute('/console/agents/abc')).toEqual({ page: 'agent', id: 'abc', tab: 'edit' })
    expect(parseRoute('/console/')).toEqual({ page: 'agents' })
    expect(parseRoute('/console/agents/abc/unknown')).toEqual({ page: 'not-found' })
    expect(parseRoute('/console/agents/a%2Fb/edit')).toEqual({ page: 'not-found' })
    expect(parseRoute('/elsewhere')).toEqual({ page: 'not-found' })
  })
})
