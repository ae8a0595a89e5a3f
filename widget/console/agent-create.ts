/** New agent: a name, a description and a model; everything else is edited afterwards. */
import { html } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { api } from './api.ts'
import { ConsoleElement, canEdit, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'
import { navigate } from './router.ts'

export class ConsoleAgentCreate extends ConsoleElement {
  static override properties = { session: { attribute: false }, feedback: { state: true } }
  session: ConsoleSession | null = null
  feedback: Feedback = IDLE

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const data = new FormData(event.target as HTMLFormElement)
    const body = {
      name: String(data.get('name') ?? ''),
      description: String(data.get('description') ?? ''),
      instructions: String(data.get('instructions') ?? ''),
    }
    const agent = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Creating the agent…', done: (a: Agent) => `Created ${a.name}.` },
      () => api.post<Agent>('/agents', body),
    )
    if (agent) navigate(`/console/agents/${agent.id}/edit`)
  }

  override render() {
    if (!canEdit(this.session)) return html`<h1>New agent</h1><p>Your role (${this.session?.role}) can look at agents but not create them.</p>`
    return html`<h1>New agent</h1>
      <form class="card" @submit=${this.submit}>
        <div class="field"><label for="new-name">Name</label><input id="new-name" name="name" type="text" required maxlength="200" /></div>
        <div class="field"><label for="new-description">Description</label><input id="new-description" name="description" type="text" maxlength="2000" /></div>
        <div class="field">
          <label for="new-instructions">Instructions</label>
          <textarea id="new-instructions" name="instructions" rows="5" aria-describedby="new-instructions-hint"></textarea>
          <p class="hint" id="new-instructions-hint">What the agent should do. It starts with the built-in demo model; pick another model in the editor.</p>
        </div>
        <div class="actions"><button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Create agent</button><a href="/console/">Cancel</a></div>
        ${feedbackView(this.feedback)}
      </form>`
  }
}

define('porch-console-agent-create', ConsoleAgentCreate)
