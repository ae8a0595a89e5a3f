/**
 * Sign-in: the admin token or an owner key, exchanged once for an HttpOnly cookie session. The
 * token never touches storage; the form is cleared whatever the outcome.
 *
 * @event porch-signed-in - The host accepted the token (`detail`: the session).
 */
import { html } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import { api, SESSION_PATH } from './api.ts'
import { ConsoleElement, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'

export class ConsoleSignIn extends ConsoleElement {
  static override properties = { feedback: { state: true } }
  feedback: Feedback = IDLE

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const input = form.elements.namedItem('token') as HTMLInputElement
    const token = input.value.trim()
    input.value = ''
    const session = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Signing in…', done: 'Signed in.' },
      () => api.post<ConsoleSession>(SESSION_PATH, { token }),
    )
    if (session) this.dispatchEvent(new CustomEvent('porch-signed-in', { detail: session, bubbles: true, composed: true }))
    else input.focus()
  }

  override render() {
    return html`<div class="card sign-in">
      <h1>Sign in to the Porch console</h1>
      <form @submit=${this.submit}>
        <div class="field">
          <label for="sign-in-token">Admin token or owner key</label>
          <input id="sign-in-token" name="token" type="password" autocomplete="current-password" required aria-describedby="sign-in-hint" />
          <p class="hint" id="sign-in-hint">The admin token was printed when the host first started; owner keys look like <code>own_….SECRET</code>. It is exchanged for a session cookie and not kept in the browser.</p>
        </div>
        <button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Sign in</button>
        ${feedbackView(this.feedback)}
      </form>
    </div>`
  }
}

define('porch-console-sign-in', ConsoleSignIn)
