/**
 * The console's routes, on `location` and the history API. Every path lives under `/console/`,
 * so a reload or a shared URL opens the same page (the host serves the shell for all of them).
 */
export type AgentTab = 'edit' | 'knowledge' | 'try' | 'publish' | 'share' | 'api' | 'files' | 'analytics' | 'identity'

export type Route =
  | { page: 'agents' }
  | { page: 'new-agent' }
  | { page: 'agent'; id: string; tab: AgentTab }
  | { page: 'watch'; agent: string; link: string; from: string; to: string; feedback?: string; user?: string }
  | { page: 'session'; agent: string; session: string; scope: string }
  | { page: 'owner-keys' }
  | { page: 'not-found' }

export const AGENT_TABS: { tab: AgentTab; label: string }[] = [
  { tab: 'edit', label: 'Edit' },
  { tab: 'knowledge', label: 'Knowledge' },
  { tab: 'try', label: 'Try it' },
  { tab: 'publish', label: 'Publish' },
  { tab: 'share', label: 'Share' },
  { tab: 'api', label: 'API' },
  { tab: 'files', label: 'Files' },
  { tab: 'analytics', label: 'Analytics' },
  { tab: 'identity', label: 'Identity' },
]

const SEGMENT = '([^/]+)'
const ID = /^[A-Za-z0-9._:-]{1,128}$/

/** A path segment decoded (hrefFor encodes `:` as %3A), or null when it is not an id. */
function id(segment: string): string | null {
  try {
    const decoded = decodeURIComponent(segment)
    return ID.test(decoded) ? decoded : null
  } catch {
    return null
  }
}

export function parseRoute(pathname: string, search = ''): Route {
  const path = pathname.replace(/\/+$/, '') || '/'
  const params = new URLSearchParams(search)
  if (path === '/console' || path === '/console/agents') return { page: 'agents' }
  if (path === '/console/agents/new') return { page: 'new-agent' }
  const agent = new RegExp(`^/console/agents/${SEGMENT}(?:/(${AGENT_TABS.map((t) => t.tab).join('|')}))?$`).exec(path)
  const agentId = agent && id(agent[1]!)
  if (agent && agentId) return { page: 'agent', id: agentId, tab: (agent[2] as AgentTab | undefined) ?? 'edit' }
  if (path === '/console/watch') {
    const feedback = params.get('feedback')
    const user = params.get('user')
    return {
      page: 'watch',
      agent: params.get('agent') ?? '',
      link: params.get('link') ?? '',
      from: params.get('from') ?? '',
      to: params.get('to') ?? '',
      ...(feedback && { feedback }),
      ...(user && { user }),
    }
  }
  const session = new RegExp(`^/console/watch/${SEGMENT}/sessions/${SEGMENT}$`).exec(path)
  const [sessionAgent, sessionId] = session ? [id(session[1]!), id(session[2]!)] : [null, null]
  if (sessionAgent && sessionId) return { page: 'session', agent: sessionAgent, session: sessionId, scope: params.get('scope') ?? 'public' }
  if (path === '/console/owner-keys') return { page: 'owner-keys' }
  return { page: 'not-found' }
}

export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'agents':
      return '/console/'
    case 'new-agent':
      return '/console/agents/new'
    case 'agent':
      return `/console/agents/${encodeURIComponent(route.id)}/${route.tab}`
    case 'watch': {
      const params = new URLSearchParams()
      for (const name of ['agent', 'link', 'from', 'to', 'feedback', 'user'] as const) if (route[name]) params.set(name, route[name])
      const search = params.toString()
      return `/console/watch${search ? `?${search}` : ''}`
    }
    case 'session':
      return `/console/watch/${encodeURIComponent(route.agent)}/sessions/${encodeURIComponent(route.session)}?scope=${encodeURIComponent(route.scope)}`
    case 'owner-keys':
      return '/console/owner-keys'
    case 'not-found':
      return '/console/'
  }
}

export const NAVIGATE_EVENT = 'porch-console-navigate'

/** Moves to a console URL without a reload; `replace` keeps the history entry (filters, redirects). */
export function navigate(href: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, '', href)
  else history.pushState(null, '', href)
  dispatchEvent(new Event(NAVIGATE_EVENT))
}

/** Whether a click on a link should stay in the app (a plain left click on a console URL). */
export function isAppClick(event: MouseEvent): HTMLAnchorElement | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null
  const anchor = event.composedPath().find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement)
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return null
  const url = new URL(anchor.href, location.href)
  return url.origin === location.origin &&
    url.pathname.startsWith('/console') &&
    !url.pathname.startsWith('/console/preview') &&
    !url.pathname.startsWith('/console/assets')
    ? anchor
    : null
}
