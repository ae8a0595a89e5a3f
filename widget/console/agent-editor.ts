/**
 * The draft editor: everything a published version freezes. Saving sends only the fields that
 * changed (PATCH edits the draft; public traffic keeps the active version until it is published).
 */
import { html, nothing } from 'lit'
import { api, type Agent, type ConsoleSession } from './api.ts'
import { navigate } from './router.ts'
import { agentChanged } from './agent-status.ts'
import { canEdit, ConsoleElement, define, feedbackView, IDLE, withFeedback, type Feedback } from './console-element.ts'
import type { ConsoleModelPicker } from './model-picker.ts'
import './model-picker.ts'
import { LIMITS } from '../../shared/limits.ts'

/** The widget's own accent colour, shown when the theme names none. */
export const DEFAULT_ACCENT = '#2557d6'

type Draft = Pick<Agent, 'name' | 'description' | 'instructions' | 'model' | 'temperature' | 'max_turns' | 'welcome_message' | 'starters' | 'theme' | 'tools'>

const hasClock = (tools: Agent['tools']) => tools.some((tool) => tool.type === 'builtin' && tool.name === 'current_time')

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)

/** The fields of `next` that differ from `agent`, as a PATCH body. */
export function draftPatch(agent: Draft, next: Draft): Partial<Draft> {
  const patch: Partial<Draft> = {}
  for (const key of Object.keys(next) as (keyof Draft)[]) {
    if (JSON.stringify(agent[key]) !== JSON.stringify(next[key])) (patch as Record<string, unknown>)[key] = next[key]
  }
  return patch
}

export class ConsoleAgentEditor extends ConsoleElement {
  static override properties = { session: { attribute: false }, agent: { attribute: false }, feedback: { state: true }, confirmDelete: { state: true }, deleteFeedback: { state: true } }
  session: ConsoleSession | null = null
  agent: Agent | null = null
  feedback: Feedback = IDLE
  confirmDelete = false
  deleteFeedback: Feedback = IDLE

  private read(form: HTMLFormElement): Draft {
    const data = new FormData(form)
    const text = (name: string) => String(data.get(name) ?? '')
    const theme: Record<string, string> = { ...this.agent!.theme }
    for (const key of ['accent', 'scheme', 'position'] as const) {
      const value = text(`theme_${key}`)
      // A colour input always has a value: the default colour means "none chosen" unless one was.
      const untouchedDefault = key === 'accent' && value === DEFAULT_ACCENT && this.agent!.theme.accent === undefined
      if (value && !untouchedDefault) theme[key] = value
      else delete theme[key]
    }
    return {
      name: text('name').trim(),
      description: text('description'),
      instructions: text('instructions'),
      model: this.querySelector<ConsoleModelPicker>('porch-console-model-picker')!.model,
      temperature: Number(text('temperature')),
      max_turns: Number(text('max_turns')),
      welcome_message: text('welcome_message'),
      starters: lines(text('starters')),
      theme,
      tools: this.toolsFrom(data.get('tool_current_time') === 'on'),
    }
  }

  /** The draft's tools with the built-in clock on or off; other tools (HTTP, MCP) are kept as they are. */
  private toolsFrom(clock: boolean): Agent['tools'] {
    const tools = this.agent!.tools
    if (clock === hasClock(tools)) return tools
    return clock ? [...tools, { type: 'builtin', name: 'current_time' }] : tools.filter((tool) => !(tool.type === 'builtin' && tool.name === 'current_time'))
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const agent = this.agent!
    const patch = draftPatch(agent, this.read(event.target as HTMLFormElement))
    if (Object.keys(patch).length === 0) {
      this.feedback = { state: 'done', text: 'Nothing changed: the draft is saved.' }
      return
    }
    const saved = await withFeedback((f) => (this.feedback = f), { busy: 'Saving the draft…', done: 'Saved. Publish to put the changes live.' }, () => api.patch<Agent>(`/agents/${agent.id}`, patch))
    if (saved) agentChanged(this, saved)
  }

  private async deleteAgent(): Promise<void> {
    const agent = this.agent!
    this.confirmDelete = false
    const done = await withFeedback((f) => (this.deleteFeedback = f), { busy: `Deleting ${agent.name}…`, done: `${agent.name} is deleted.` }, async () => {
      await api.delete(`/agents/${agent.id}`)
      return true
    })
    if (done) navigate('/console/')
  }

  override render() {
    const agent = this.agent
    if (!agent) return nothing
    const readOnly = !canEdit(this.session)
    return html`${this.renderForm(agent, readOnly)}${readOnly ? nothing : this.renderDelete(agent)}`
  }

  private renderDelete(agent: Agent) {
    return html`<section class="card" aria-labelledby="delete-agent-heading">
      <h2 id="delete-agent-heading">Delete the agent</h2>
      <p>Deleting removes its versions, links, keys, sessions and traces. Its embeds and links stop working at once.</p>
      <div class="actions">
        ${this.confirmDelete
          ? html`<span>Delete ${agent.name} for good?</span><button type="button" class="danger" @click=${this.deleteAgent}>Yes, delete ${agent.name}</button><button type="button" @click=${() => (this.confirmDelete = false)}>Cancel</button>`
          : html`<button type="button" class="danger" @click=${() => (this.confirmDelete = true)}>Delete agent</button>`}
      </div>
      ${feedbackView(this.deleteFeedback)}
    </section>`
  }

  private renderForm(agent: Agent, readOnly: boolean) {
    return html`<form @submit=${this.save} aria-label="Draft">
      ${readOnly ? html`<p class="warning">Your role (viewer) can read the draft but not change it.</p>` : nothing}
      <fieldset ?disabled=${readOnly}>
        <legend>About</legend>
        <div class="field"><label for="agent-name">Name</label><input id="agent-name" name="name" type="text" required maxlength=${LIMITS.agentNameChars} .value=${agent.name} /></div>
        <div class="field"><label for="agent-description">Description</label><input id="agent-description" name="description" type="text" maxlength=${LIMITS.agentDescriptionChars} .value=${agent.description} /></div>
        <div class="field">
          <label for="agent-instructions">Instructions</label>
          <textarea id="agent-instructions" name="instructions" rows="8" maxlength=${LIMITS.instructionsChars} .value=${agent.instructions}></textarea>
        </div>
      </fieldset>
      <porch-console-model-picker .value=${agent.model} ?disabled=${readOnly}></porch-console-model-picker>
      <fieldset ?disabled=${readOnly}>
        <legend>Behaviour</legend>
        <div class="grid">
          <div class="field">
            <label for="agent-temperature">Temperature</label>
            <input id="agent-temperature" name="temperature" type="number" min="0" max="2" step="0.1" required .value=${String(agent.temperature)} aria-describedby="agent-temperature-hint" />
            <p class="hint" id="agent-temperature-hint">0 is focused, 2 is loose.</p>
          </div>
          <div class="field">
            <label for="agent-max-turns">Max turns</label>
            <input id="agent-max-turns" name="max_turns" type="number" min="1" max=${LIMITS.maxTurns} step="1" required .value=${String(agent.max_turns)} aria-describedby="agent-max-turns-hint" />
            <p class="hint" id="agent-max-turns-hint">Model calls per visitor message (tool use takes more than one).</p>
          </div>
        </div>
      </fieldset>
      <fieldset ?disabled=${readOnly}>
        <legend>What visitors see first</legend>
        <div class="field"><label for="agent-welcome">Welcome message</label><textarea id="agent-welcome" name="welcome_message" rows="2" maxlength=${LIMITS.welcomeMessageChars} .value=${agent.welcome_message}></textarea></div>
        <div class="field">
          <label for="agent-starters">Starter prompts</label>
          <textarea id="agent-starters" name="starters" rows="3" .value=${agent.starters.join('\n')} aria-describedby="agent-starters-hint"></textarea>
          <p class="hint" id="agent-starters-hint">One per line, up to ${LIMITS.starters}.</p>
        </div>
      </fieldset>
      <fieldset ?disabled=${readOnly}>
        <legend>Theme</legend>
        <div class="grid">
          <div class="field"><label for="agent-accent">Accent colour</label><input id="agent-accent" name="theme_accent" type="color" .value=${agent.theme.accent ?? DEFAULT_ACCENT} /></div>
          <div class="field">
            <label for="agent-scheme">Colour scheme</label>
            <select id="agent-scheme" name="theme_scheme">
              ${[['', 'Follow the visitor (auto)'], ['light', 'Light'], ['dark', 'Dark']].map(([value, label]) => html`<option value=${value!} ?selected=${(agent.theme.scheme ?? '') === value}>${label}</option>`)}
            </select>
          </div>
          <div class="field">
            <label for="agent-position">Bubble position</label>
            <select id="agent-position" name="theme_position">
              ${[['', 'Bottom right'], ['bottom-left', 'Bottom left']].map(([value, label]) => html`<option value=${value!} ?selected=${(agent.theme.position ?? '') === value}>${label}</option>`)}
            </select>
          </div>
        </div>
      </fieldset>
      <fieldset ?disabled=${readOnly}>
        <legend>Tools</legend>
        <label><input type="checkbox" name="tool_current_time" ?checked=${hasClock(agent.tools)} /> Clock (<code>current_time</code>, built in)</label>
        ${agent.tools.some((t) => t.type !== 'builtin')
          ? html`<p class="hint">Also: ${agent.tools.filter((t) => t.type !== 'builtin').map((t) => `${t.name} (${t.type === 'http' ? 'HTTP' : 'MCP'})`).join(', ')}, edited through the owner API.</p>`
          : nothing}
      </fieldset>
      ${readOnly ? nothing : html`<div class="actions"><button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Save draft</button></div>`}
      ${feedbackView(this.feedback)}
    </form>`
  }
}

define('porch-console-agent-editor', ConsoleAgentEditor)
