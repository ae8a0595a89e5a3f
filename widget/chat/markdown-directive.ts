/**
 * `<div ${markdown(text, done, labels)}>`: renders a growing markdown text into its element
 * incrementally. Each update writes only the new characters to a MarkdownView (batched per
 * animation frame by the view), never the whole; `done` once no more text will come. Text that
 * does not continue what was written (a new message in the same slot) starts over. Shared by
 * the widget's transcript and the console's.
 */
import { nothing } from 'lit'
import { Directive, directive, type ElementPart, type PartInfo, PartType } from 'lit/directive.js'
import { MarkdownView } from './markdown.ts'

type Labels = { copyLabel: string; copiedLabel: string }

class MarkdownDirective extends Directive {
  private view: MarkdownView | null = null
  private ended = false

  constructor(part: PartInfo) {
    super(part)
    if (part.type !== PartType.ELEMENT) throw new Error('markdown() goes on an element')
  }

  render(_text: string, _done: boolean, _labels?: Labels) {
    return nothing
  }

  override update(part: ElementPart, [text, done, labels]: [string, boolean, Labels?]) {
    const root = part.element as HTMLElement
    if (!this.view || !text.startsWith(this.view.text) || (this.ended && text !== this.view.text)) {
      root.replaceChildren()
      this.view = new MarkdownView(root, labels)
      this.ended = false
    }
    if (text.length > this.view.text.length) this.view.write(text.slice(this.view.text.length))
    if (done && !this.ended) {
      this.view.end()
      this.ended = true
    }
    return nothing
  }
}

export const markdown = directive(MarkdownDirective)
