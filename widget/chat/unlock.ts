/** Unlocking a password-protected share link: the host returns a short-lived visitor token for this tab. */
import { HttpError, request } from '../client/http.ts'
import { type ChatTarget, chatUrls } from '../client/urls.ts'
import { sessionStore } from './session-store.ts'

/** True when unlocked, otherwise the host's reason. */
export async function unlockLink(target: ChatTarget, password: string): Promise<true | string> {
  try {
    const response = await request(chatUrls(target).unlock, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password }),
    })
    const { token } = (await response.json()) as { token?: unknown }
    if (typeof token !== 'string') return 'The chat service sent no token.'
    sessionStore.setVisitorToken(target, token)
    return true
  } catch (error) {
    return error instanceof HttpError ? error.message : 'The chat service could not be reached.'
  }
}
