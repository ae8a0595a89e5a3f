/**
 * The snippet builder and its live preview: the owner picks how the widget shows (mode,
 * position, colour, title, open on load); the snippet and the preview (an iframe of the host's
 * preview page running the real embed.js with the same data-* attributes) follow every change.
 */
import { html, nothing } from 'lit'
import { ConsoleElement, define } from './console-element.ts'
import { DEFAULT_EMBED, type EmbedOptions, type EmbedTarget, previewUrl, scriptWithOptions } from './embed-options.ts'
import './copy-field.ts'

let count = 0

export class ConsoleWidgetPreview extends ConsoleElement {
  static override properties = {
    target: { attribute: false },
    script: { type: String },
    defaults: { attribute: false },
    options: { state: true },
    frameUrl: { state: true },
  }
  target: EmbedTarget | null = null
  /** The host's script snippet for the target. */
  script = ''
  /** Starting options (the agent's theme). */
  defaults: Partial<EmbedOptions> = {}
  options: EmbedOptions | null = null
  frameUrl = ''
  private readonly uid = `preview-${++count}`
  private timer: ReturnType<typeof setTimeout> | undefined

  private current(): EmbedOptions {
    return (this.options ??= { ...DEFAULT_EMBED, ...this.defaults })
  }

  private set(patch: Partial<EmbedOptions>): void {
    this.options = { ...this.current(), ...patch }
    // Reloading the frame on every keystroke of the title would flicker: wait for a pause.
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.target && (this.frameUrl = previewUrl(this.target, this.options!)), 300)
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearTimeout(this.timer)
  }

  override render() {
    if (!this.target) return nothing
    const options = this.current()
    if (!this.frameUrl) this.frameUrl = previewUrl(this.target, options)
    const id = (name: string) => `${this.uid}-${name}`
    return html`<div class="grid">
      <div>
        <fieldset>
          <legend>How it shows</legend>
          <div class="field">
            <label for=${id('mode')}>Mode</label>
            <select id=${id('mode')} @change=${(e: Event) => this.set({ mode: (e.target as HTMLSelectElement).value as EmbedOptions['mode'] })}>
              <option value="inline" ?selected=${options.mode === 'inline'}>Inline (shadow DOM, lighter)</option>
              <option value="iframe" ?selected=${options.mode === 'iframe'}>Iframe (for strict CSP pages)</option>
            </select>
          </div>
          <div class="field">
            <label for=${id('position')}>Position</label>
            <select id=${id('position')} @change=${(e: Event) => this.set({ position: (e.target as HTMLSelectElement).value as EmbedOptions['position'] })}>
              <option value="bottom-right" ?selected=${options.position === 'bottom-right'}>Bottom right</option>
              <option value="bottom-left" ?selected=${options.position === 'bottom-left'}>Bottom left</option>
            </select>
          </div>
          <div class="field">
            <label for=${id('color')}>Accent colour</label>
            <input id=${id('color')} type="color" .value=${options.color || '#2557d6'} @change=${(e: Event) => this.set({ color: (e.target as HTMLInputElement).value })} />
          </div>
          <div class="field">
            <label for=${id('title')}>Title</label>
            <input id=${id('title')} type="text" maxlength="100" .value=${options.title} placeholder="The agent's name" @input=${(e: Event) => this.set({ title: (e.target as HTMLInputElement).value })} />
          </div>
          <div class="field">
            <label for=${id('theme')}>Colour scheme</label>
            <select id=${id('theme')} @change=${(e: Event) => this.set({ theme: (e.target as HTMLSelectElement).value as EmbedOptions['theme'] })}>
              <option value="" ?selected=${options.theme === ''}>Follow the visitor</option>
              <option value="light" ?selected=${options.theme === 'light'}>Light</option>
              <option value="dark" ?selected=${options.theme === 'dark'}>Dark</option>
            </select>
          </div>
          <label><input type="checkbox" ?checked=${options.open} @change=${(e: Event) => this.set({ open: (e.target as HTMLInputElement).checked })} /> Open on load</label>
        </fieldset>
        <porch-console-copy-field label="Script snippet" .text=${scriptWithOptions(this.script, options)}></porch-console-copy-field>
      </div>
      <div>
        <span class="label" id=${id('frame-label')}>Live preview</span>
        <iframe class="preview-frame" title="Live preview of the widget as the snippet shows it" src=${this.frameUrl}></iframe>
      </div>
    </div>`
  }
}

define('porch-console-widget-preview', ConsoleWidgetPreview)
