/** How one transcript message looks: markdown text, tool rows, file chips, its sources, and its error. */
import { html, nothing, type TemplateResult } from 'lit'
import { VISITOR_LIMITS as LIMITS } from '../../shared/visitor-limits.ts'
import type { ChatMessage, FileView, SourceView, ToolView } from './chat-controller.ts'
import { markdown } from './markdown-directive.ts'
import { fill, type Strings } from './strings.ts'

export type MessageHandlers = { retry(id: string): void; rate(id: string, rating: 'up' | 'down' | null, comment?: string): void }

export function renderMessage(message: ChatMessage, strings: Strings, handlers: MessageHandlers, now: number): TemplateResult {
  if (message.role === 'user') {
    const text = message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('')
    return html`<div class="message user" part="message message-user"><span class="sr-only">${strings.you}: </span>${text}${message.parts.map((part) =>
      part.type === 'attachment'
        ? html`<span class="file attachment" part="attachment">📎 ${part.attachment.filename} (${formatSize(part.attachment.size)})</span>`
        : nothing,
    )}</div>`
  }
  if (message.notice)
    return html`<div class="note notice" part="notice">${message.notice === 'joined' ? fill(strings.personJoined, { name: message.author ?? '' }) : strings.agentBack}</div>`
  const done = message.state !== 'streaming'
  const empty = message.parts.length === 0
  return html`<div class="message assistant" part="message message-assistant" data-state=${message.state}>
    ${message.author ? html`<div class="author" part="author">${message.author}</div>` : html`<span class="sr-only">${strings.assistant}: </span>`}
    ${message.parts.map((part, index) => {
      if (part.type === 'text')
        return html`<div class="md" ${markdown(part.text, done || index < message.parts.length - 1, { copyLabel: strings.copy, copiedLabel: strings.copied })}></div>`
      if (part.type === 'tool') return renderTool(part.tool, strings)
      if (part.type === 'file') return renderFile(part.file)
      return nothing
    })}
    ${message.sources ? renderSources(message.sources, strings) : nothing}
    ${empty && message.state === 'streaming' ? html`<span class="note typing">${strings.thinking}</span>` : nothing}
    ${message.state === 'stopped' ? html`<div class="note">${strings.stopped}</div>` : nothing}
    ${message.state === 'done' && !empty ? renderFeedback(message, strings, handlers) : nothing}
    ${message.state === 'error' ? renderError(message, strings, handlers, now) : nothing}
  </div>`
}

/** Thumbs up and down (pressed: the visitor's rating; pressed again: taken back), then an optional comment. */
function renderFeedback(message: ChatMessage, strings: Strings, handlers: MessageHandlers) {
  const rated = message.feedback?.rating
  const thumb = (rating: 'up' | 'down', label: string, icon: string) =>
    html`<button type="button" class="ghost thumb" part="feedback-button" aria-label=${label} title=${label} aria-pressed=${rated === rating ? 'true' : 'false'} @click=${() => handlers.rate(message.id, rated === rating ? null : rating)}>${icon}</button>`
  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const field = (event.currentTarget as HTMLFormElement).elements.namedItem('comment') as HTMLTextAreaElement
    if (rated) handlers.rate(message.id, rated, field.value.trim())
  }
  return html`<div class="feedback" part="feedback">
    ${thumb('up', strings.helpful, '👍')}${thumb('down', strings.notHelpful, '👎')}
    ${
      message.feedback?.commenting
        ? html`<form part="feedback-form" @submit=${submit}>
          <label>${strings.feedbackComment}<textarea name="comment" part="feedback-comment" maxlength=${LIMITS.feedbackCommentChars} rows="2"></textarea></label>
          <button type="submit" class="ghost" part="feedback-send">${strings.sendFeedback}</button>
        </form>`
        : nothing
    }
  </div>`
}

function renderTool(tool: ToolView, strings: Strings) {
  const label = fill(tool.isError ? strings.toolError : strings.toolCall, { name: tool.name })
  return html`<details class="tool" part="tool" ?data-error=${tool.isError === true}>
    <summary>${label}${tool.result === undefined ? '…' : ''}</summary>
    <div>${strings.input}</div>
    <pre>${JSON.stringify(tool.input ?? {}, null, 2)}</pre>
    ${tool.result === undefined ? nothing : html`<div>${strings.result}</div><pre>${tool.result}</pre>`}
  </details>`
}

function renderFile(file: FileView) {
  const href = safeHref(file.url)
  return href
    ? html`<a class="file" part="file" href=${href} download=${file.filename} target="_blank" rel="noopener noreferrer">⬇ ${file.filename} (${formatSize(file.size)})</a>`
    : nothing
}

/** The answer's sources as a numbered list of links (a page, or a file's download), each opening in a new tab. */
function renderSources(sources: SourceView[], strings: Strings) {
  return html`<nav class="sources" part="sources" aria-label=${strings.sources}>
    <span aria-hidden="true">${strings.sources}:</span>
    <ol>
      ${sources.map((source) => {
        const href = source.url && safeHref(source.url)
        const text = `[${source.index}] ${source.label}`
        return html`<li>${href ? html`<a part="source" href=${href} target="_blank" rel="noopener noreferrer">${text}</a>` : text}</li>`
      })}
    </ol>
  </nav>`
}

export const formatSize = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`)

function renderError(message: ChatMessage, strings: Strings, handlers: MessageHandlers, now: number) {
  const retryAt = message.retryAt ?? 0
  const wait = Math.ceil((retryAt - now) / 1000)
  return html`<div class="error" part="error" role="alert">
    <span>${message.error || strings.failed}</span>
    ${wait > 0 ? html`<span class="note">${retryNote(strings, wait, retryAt)}</span>` : nothing}
    <button type="button" class="ghost" part="retry-button" ?disabled=${wait > 0} @click=${() => handlers.retry(message.id)}>${strings.retry}</button>
  </div>`
}

/** Seconds for a short wait (a rate limit); the clock time for a long one (a daily quota). */
function retryNote(strings: Strings, wait: number, retryAt: number): string {
  if (wait <= 90) return fill(strings.tryAgainIn, { s: wait })
  return fill(strings.tryAgainAt, { time: new Date(retryAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) })
}

/** Only http(s) URLs (absolute, or relative to the page) become links. */
function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url, document.baseURI)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null
  } catch {
    return null
  }
}
