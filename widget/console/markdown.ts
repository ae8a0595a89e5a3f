/**
 * Model text rendered as the visitor sees it, through the widget's own incremental, sanitizing
 * markdown view (no raw HTML; links only http/https/mailto). A streaming answer is written
 * chunk by chunk, never re-parsed whole.
 */
import { nothing } from 'lit'
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js'
import { MarkdownView } from '../markdown.ts'

class MarkdownDirective extends Directive {
  private view: MarkdownView | null = null
  private ended = false

  constructor(part: PartInfo) {
    super(part)
    if (part.type !== PartType.ELEMENT) throw new Error('markdown() goes on an element')
  }

  render(_text: string, _done: boolean) {
    return nothing
  }

  override update(part: ElementPart, [text, done]: [string, boolean]) {
    const root = part.element as HTMLElement
    // Text that is not a continuation of what was written (a new message in the same slot) starts over.
    if (!this.view || !text.startsWith(this.view.text) || (this.ended && text !== this.view.text)) {
      root.replaceChildren()
      this.view = new MarkdownView(root)
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

/** `<div ${markdown(text, done)}>`: renders `text`; `done` once no more text will come. */
export const markdown = directive(MarkdownDirective)
