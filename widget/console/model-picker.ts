/**
 * The model picker: a provider (each marked configured or not, as the host reports it) and a
 * model id with the host's suggestions. The value is `provider:model-id`, or `demo`.
 */
import { html, nothing, type PropertyValues } from 'lit'
import type { ModelsReply } from '../../shared/console.ts'
import { api } from './api.ts'
import { ConsoleElement, define } from './console-element.ts'

const PROVIDER_NAMES: Record<string, string> = { demo: 'Demo (built in, offline)', openai: 'OpenAI or compatible', anthropic: 'Anthropic' }

let modelsInfo: Promise<ModelsReply | null> | undefined
/** The host's providers, asked once per page load (asked again after a failure). */
const loadModels = () =>
  (modelsInfo ??= api.get<ModelsReply>('/models').catch(() => {
    modelsInfo = undefined
    return null
  }))

export function splitModel(model: string): { provider: string; id: string } {
  const colon = model.indexOf(':')
  return colon === -1 ? { provider: model, id: '' } : { provider: model.slice(0, colon), id: model.slice(colon + 1) }
}

export class ConsoleModelPicker extends ConsoleElement {
  static override properties = { value: { type: String }, disabled: { type: Boolean }, info: { state: true }, provider: { state: true } }
  value = 'demo'
  disabled = false
  info: ModelsReply | null = null
  provider = 'demo'
  private modelId = ''

  override connectedCallback(): void {
    super.connectedCallback()
    void loadModels().then((info) => (this.info = info))
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('value')) ({ provider: this.provider, id: this.modelId } = splitModel(this.value))
  }

  /** A new provider starts with no model id: one of the old provider's would not fit it. */
  private pickProvider(provider: string): void {
    this.provider = provider
    this.modelId = ''
    this.requestUpdate()
  }

  /** The model this picker now names. */
  get model(): string {
    return this.modelId ? `${this.provider}:${this.modelId}` : this.provider
  }

  override render() {
    const providers = this.info?.providers ?? [
      { id: 'demo', configured: true },
      { id: 'openai', configured: false },
      { id: 'anthropic', configured: false },
    ]
    const known = providers.some((p) => p.id === this.provider) ? providers : [...providers, { id: this.provider, configured: false }]
    const suggestions = (this.info?.suggestions ?? []).map(splitModel).filter((s) => s.provider === this.provider && s.id)
    const chosen = known.find((p) => p.id === this.provider)
    return html`<fieldset ?disabled=${this.disabled}>
      <legend>Model</legend>
      <div class="grid">
        <div class="field">
          <label for="model-provider">Provider</label>
          <select id="model-provider" name="provider" @change=${(e: Event) => this.pickProvider((e.target as HTMLSelectElement).value)}>
            ${known.map((p) => html`<option value=${p.id} ?selected=${p.id === this.provider}>${PROVIDER_NAMES[p.id] ?? p.id} — ${p.configured ? 'configured' : this.info ? 'not configured' : 'status unknown'}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="model-id">Model id</label>
          <input id="model-id" name="model_id" type="text" list="model-suggestions" .value=${this.modelId} placeholder=${this.provider === 'demo' ? 'optional: instant' : 'for example gpt-4o-mini'} @input=${(e: Event) => (this.modelId = (e.target as HTMLInputElement).value.trim())} aria-describedby="model-status" />
          <datalist id="model-suggestions">${suggestions.map((s) => html`<option value=${s.id}></option>`)}</datalist>
        </div>
      </div>
      <p class="hint" id="model-status">
        ${
          chosen && !chosen.configured && this.info
            ? html`<strong class="error">This provider is not configured on the host</strong> (set ${this.provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY'}); the agent cannot be published with it.`
            : this.provider === 'demo'
              ? 'The demo model answers offline and says it is a demo.'
              : nothing
        }
      </p>
    </fieldset>`
  }
}

define('porch-console-model-picker', ConsoleModelPicker)
