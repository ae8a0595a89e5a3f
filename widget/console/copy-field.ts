/** A labelled, read-only text (URL, snippet, secret) with a Copy button that says whether it worked. */
import { html } from 'lit'
import { ConsoleElement, copyText, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'

let count = 0

export class ConsoleCopyField extends ConsoleElement {
  static override properties = { label: { type: String }, text: { type: String }, feedback: { state: true } }
  label = ''
  text = ''
  feedback: Feedback = IDLE
  private readonly uid = `copy-${++count}`

  private copy(): void {
    void withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Copying…', done: `${this.label} copied.` },
      () => copyText(this.text),
    )
  }

  override render() {
    return html`<div class="field copy-field">
      <span class="label" id=${`${this.uid}-label`}>${this.label}</span>
      <pre class="snippet" aria-labelledby=${`${this.uid}-label`} tabindex="0">${this.text}</pre>
      <div class="actions"><button type="button" @click=${this.copy} aria-describedby=${`${this.uid}-label`}>Copy ${this.label.charAt(0).toLowerCase() + this.label.slice(1)}</button>${feedbackView(this.feedback)}</div>
    </div>`
  }
}

define('porch-console-copy-field', ConsoleCopyField)
