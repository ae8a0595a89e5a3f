/** Unlocking a password-protected share link: the host returns a short-lived visitor token for this tab. */
import { errorFrom, type ChatTarget } from './api.ts'
import { sessionStore } from './session-store.ts'

/** True when unlocked, otherwise the host's reason. */
export async function unlockLink(target: ChatTarget, password: string): Promise<true | string> {
  try {
    const response = await fetch(`${target.host.replace(/\/+$/, '')}/api/v1/links/${encodeURIComponent(target.link ?? '')}/unlock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    })
    if (!response.ok) return (await errorFrom(response)).message
    const { token } = (await response.json()) as { token?: unknown }
    if (typeof token !== 'string') return 'The chat service sent no token.'
    sessionStore.setVisitorToken(target, token)
    return true
  } catch {
    return 'The chat service could not be reached.'
  }
}
