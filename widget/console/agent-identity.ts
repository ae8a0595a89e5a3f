/**
 * Identity: the agent's signed visitor identity. The identity secret (created or rotated here,
 * shown once), whether the agent requires a signed-in user, and the few lines a site's server
 * runs to sign a user token (Node and Python).
 */
import { html, nothing } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent, IdentitySettings, IssuedIdentitySecret } from '../../shared/owner.ts'
import { api } from './api.ts'
import { AgentPanel, canEdit, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import './copy-field.ts'

const NODE_SNIPPET = `// On your server, for the signed-in user (Node 18+, no dependencies)
import { createHmac } from 'node:crypto'
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
const now = Math.floor(Date.now() / 1000)
const data = \`\${b64({ alg: 'HS256', typ: 'JWT' })}.\${b64({ sub: user.id, name: user.name, iat: now, exp: now + 3600 })}\`
const userToken = \`\${data}.\${createHmac('sha256', process.env.PORCH_IDENTITY_SECRET).update(data).digest('base64url')}\``

const PYTHON_SNIPPET = `# On your server, for the signed-in user (pip install PyJWT)
import os, time, jwt
now = int(time.time())
user_token = jwt.encode({"sub": user.id, "name": user.name, "iat": now, "exp": now + 3600},
                        os.environ["PORCH_IDENTITY_SECRET"], algorithm="HS256")`

export class ConsoleAgentIdentity extends AgentPanel {
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    settings: { state: true },
    secret: { state: true },
    feedback: { state: true },
  }
  session: ConsoleSession | null = null
  declare agent: Agent | null
  settings: IdentitySettings | null = null
  /** The secret from the create or rotate reply: shown once. */
  secret = ''
  feedback: Feedback = IDLE

  protected override agentOpened(): void {
    void this.load()
  }

  private async load(): Promise<void> {
    const settings = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading identity settings…', done: '' },
      () => api.get<IdentitySettings>(`/agents/${this.agent!.id}/identity`),
    )
    if (settings) this.settings = settings
  }

  private async rotate(): Promise<void> {
    const had = this.settings?.has_secret
    const issued = await withFeedback(
      (f) => (this.feedback = f),
      {
        busy: had ? 'Rotating the secret…' : 'Creating the secret…',
        done: had ? 'New secret: tokens signed with the old one stopped working. Copy it now.' : 'Secret created: copy it now, it is shown only once.',
      },
      () => api.post<IssuedIdentitySecret>(`/agents/${this.agent!.id}/identity/secret`),
    )
    if (issued) {
      this.secret = issued.secret
      this.settings = { has_secret: issued.has_secret, require_identity: issued.require_identity, updated_at: issued.updated_at }
    }
  }

  private async setRequired(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement
    const required = input.checked
    const settings = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Saving…', done: required ? 'Only signed-in users can chat now.' : 'Anonymous visitors can chat again.' },
      () => api.patch<IdentitySettings>(`/agents/${this.agent!.id}/identity`, { require_identity: required }),
    )
    if (settings) this.settings = settings
    else input.checked = !required
  }

  override render() {
    if (!this.agent || !this.settings) return feedbackView(this.feedback)
    const editor = canEdit(this.session)
    const { has_secret, require_identity, updated_at } = this.settings
    return html`<section aria-labelledby="identity-heading">
        <h2 id="identity-heading">Signed visitor identity</h2>
        <p class="hint">
          When your site's visitors are signed in, your server signs a short-lived user token (a JWT, HS256) with this agent's identity secret and gives
          it to the widget (<code>user-token</code> attribute, <code>data-user-token</code> on the script, or <code>setUserToken()</code>). The agent
          then knows who it talks to, and their conversations follow them across devices.
        </p>
        ${feedbackView(this.feedback)}
        ${
          this.secret
            ? html`<div class="card warning">
              <p><strong>Copy the identity secret now.</strong> It is shown only this once; rotate it if you lose it. Keep it on your server only.</p>
              <porch-console-copy-field label="Identity secret" .text=${this.secret}></porch-console-copy-field>
              <button type="button" @click=${() => (this.secret = '')}>I have copied it</button>
            </div>`
            : nothing
        }
        <p>${has_secret ? html`The agent has an identity secret${updated_at ? html` (changed ${formatDate(updated_at)})` : nothing}.` : 'The agent has no identity secret yet.'}</p>
        ${editor ? html`<p><button type="button" class="primary" @click=${this.rotate}>${has_secret ? 'Rotate secret' : 'Create secret'}</button></p>` : nothing}
        <label><input type="checkbox" .checked=${require_identity} ?disabled=${!editor || !has_secret} @change=${this.setRequired} /> Require a signed-in user (visitors without a valid user token are refused)</label>
      </section>
      <section aria-labelledby="identity-signing-heading">
        <h2 id="identity-signing-heading">Signing a user token</h2>
        <porch-console-copy-field label="Node.js" .text=${NODE_SNIPPET}></porch-console-copy-field>
        <porch-console-copy-field label="Python" .text=${PYTHON_SNIPPET}></porch-console-copy-field>
      </section>`
  }
}

define('porch-console-agent-identity', ConsoleAgentIdentity)
