/**
 * The draft editor: everything a published version freezes. Saving sends only the fields that
 * changed (PATCH edits the draft; public traffic keeps the active version until it is published).
 */
import { html, nothing } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { agentChanged } from './agent-status.ts'
import { api } from './api.ts'
import { ConsoleElement, canEdit, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'
import type { ConsoleModelPicker } from './model-picker.ts'
import { navigate } from './router.ts'
import './model-picker.ts'
import { LIMITS } from '../../shared/limits.ts'

/** The widget's own accent colour, shown when the theme names none. */
export const DEFAULT_ACCENT = '#2557d6'

type Draft = Pick<
  Agent,
  | 'name'
  | 'description'
  | 'instructions'
  | 'model'
  | 'temperature'
  | 'max_turns'
  | 'welcome_message'
  | 'starters'
  | 'theme'
  | 'tools'
  | 'attachments'
  | 'context_window'
  | 'compress_at'
>

type BuiltinName = Extract<Agent['tools'][number], { type: 'builtin' }>['name']

/** The built-in tools an owner can switch on, as the editor names them. */
const BUILTINS: { name: BuiltinName; label: string }[] = [
  { name: 'current_time', label: 'Clock' },
  { name: 'create_file', label: 'Files for the visitor' },
]

const hasBuiltin = (tools: Agent['tools'], name: BuiltinName) => tools.some((tool) => tool.type === 'builtin' && tool.name === name)

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
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    feedback: { state: true },
    confirmDelete: { state: true },
    deleteFeedback: { state: true },
  }
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
      tools: this.toolsFrom(new Set(BUILTINS.filter(({ name }) => data.get(`tool_${name}`) === 'on').map(({ name }) => name))),
      attachments: data.get('attachments') === 'on',
      context_window: text('context_window').trim() === '' ? null : Number(text('context_window')),
      compress_at: Number(text('compress_at')),
    }
  }

  /** The draft's tools with each built-in on or off as ticked; other tools (HTTP, MCP) are kept as they are. */
  private toolsFrom(on: Set<BuiltinName>): Agent['tools'] {
    let tools = this.agent!.tools
    for (const { name } of BUILTINS) {
      if (on.has(name) === hasBuiltin(tools, name)) continue
      tools = on.has(name) ? [...tools, { type: 'builtin', name }] : tools.filter((tool) => !(tool.type === 'builtin' && tool.name === name))
    }
    return tools
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const agent = this.agent!
    const patch = draftPatch(agent, this.read(event.target as HTMLFormElement))
    if (Object.keys(patch).length === 0) {
      this.feedback = { state: 'done', text: 'Nothing changed: the draft is saved.' }
      return
    }
    const saved = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Saving the draft…', done: 'Saved. Publish to put the changes live.' },
      () => api.patch<Agent>(`/agents/${agent.id}`, patch),
    )
    if (saved) agentChanged(this, saved)
  }

  private async deleteAgent(): Promise<void> {
    const agent = this.agent!
    this.confirmDelete = false
    const done = await withFeedback(
      (f) => (this.deleteFeedback = f),
      { busy: `Deleting ${agent.name}…`, done: `${agent.name} is deleted.` },
      async () => {
        await api.delete(`/agents/${agent.id}`)
        return true
      },
    )
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
        ${
          this.confirmDelete
            ? html`<span>Delete ${agent.name} for good?</span><button type="button" class="danger" @click=${this.deleteAgent}>Yes, delete ${agent.name}</button><button type="button" @click=${() => (this.confirmDelete = false)}>Cancel</button>`
            : html`<button type="button" class="danger" @click=${() => (this.confirmDelete = true)}>Delete agent</button>`
        }
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
          <div class="field">
            <label for="agent-context-window">Context window (tokens)</label>
            <input id="agent-context-window" name="context_window" type="number" min="1000" max="10000000" step="1" placeholder="the model's usual size" .value=${agent.context_window === null ? '' : String(agent.context_window)} aria-describedby="agent-context-window-hint" />
            <p class="hint" id="agent-context-window-hint">Empty: 128,000 for OpenAI, 200,000 for Anthropic, 8,000 for the demo.</p>
          </div>
          <div class="field">
            <label for="agent-compress-at">Summarise older turns at</label>
            <input id="agent-compress-at" name="compress_at" type="number" min="0.2" max="0.95" step="0.05" required .value=${String(agent.compress_at)} aria-describedby="agent-compress-at-hint" />
            <p class="hint" id="agent-compress-at-hint">Share of the context window; the full history stays stored.</p>
          </div>
        </div>
        <label><input type="checkbox" name="attachments" ?checked=${agent.attachments} /> Visitors may attach images and text files</label>
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
              ${[
                ['', 'Follow the visitor (auto)'],
                ['light', 'Light'],
                ['dark', 'Dark'],
              ].map(([value, label]) => html`<option value=${value!} ?selected=${(agent.theme.scheme ?? '') === value}>${label}</option>`)}
            </select>
          </div>
          <div class="field">
            <label for="agent-position">Bubble position</label>
            <select id="agent-position" name="theme_position">
              ${[
                ['', 'Bottom right'],
                ['bottom-left', 'Bottom left'],
              ].map(([value, label]) => html`<option value=${value!} ?selected=${(agent.theme.position ?? '') === value}>${label}</option>`)}
            </select>
          </div>
        </div>
      </fieldset>
      <fieldset ?disabled=${readOnly}>
        <legend>Tools</legend>
        ${BUILTINS.map(({ name, label }) => html`<div><label><input type="checkbox" name=${`tool_${name}`} ?checked=${hasBuiltin(agent.tools, name)} /> ${label} (<code>${name}</code>, built in)</label></div>`)}
        ${
          agent.tools.some((t) => t.type !== 'builtin')
            ? html`<p class="hint">Also: ${agent.tools
                .filter((t) => t.type !== 'builtin')
                .map((t) => `${t.name} (${t.type === 'http' ? 'HTTP' : 'MCP'})`)
                .join(', ')}, edited through the owner API.</p>`
            : nothing
        }
      </fieldset>
      ${readOnly ? nothing : html`<div class="actions"><button class="primary" type="submit" ?disabled=${this.feedback.state === 'busy'}>Save draft</button></div>`}
      ${feedbackView(this.feedback)}
    </form>`
  }
}

define('porch-console-agent-editor', ConsoleAgentEditor)
