/**
 * Adding knowledge to the draft: paste a text, upload files (picked or dropped; one request per
 * file), list web pages, or name a sitemap. Each added source is announced with
 * `porch-knowledge-added` (detail: the source as the host answered it, often still `importing`),
 * and the Knowledge tab puts it in its list and follows its import.
 */
import { html } from 'lit'
import { ConsoleElement, define, type Feedback, feedbackView, IDLE, reasonOf, withFeedback } from './console-element.ts'
import { knowledgeApi, MAX_URLS, type Source, webSourceOf } from './knowledge-api.ts'

export const KNOWLEDGE_ADDED = 'porch-knowledge-added'

type AddKind = 'text' | 'files' | 'url' | 'sitemap'

const KINDS: { kind: AddKind; label: string }[] = [
  { kind: 'text', label: 'Paste text' },
  { kind: 'files', label: 'Upload files' },
  { kind: 'url', label: 'Web pages' },
  { kind: 'sitemap', label: 'Sitemap' },
]

/** What the host reads (host/knowledge/parse.ts): the file picker offers these first. */
const ACCEPT = '.md,.markdown,.txt,.text,.html,.htm,.xhtml,.pdf,.csv,.json'

export class ConsoleKnowledgeAdd extends ConsoleElement {
  static override properties = { agentId: { attribute: false }, kind: { state: true }, dragging: { state: true }, feedback: { state: true } }
  agentId = ''
  kind: AddKind = 'text'
  dragging = false
  feedback: Feedback = IDLE

  private added(source: Source): void {
    this.dispatchEvent(new CustomEvent<Source>(KNOWLEDGE_ADDED, { detail: source, bubbles: true, composed: true }))
  }

  private get busy(): boolean {
    return this.feedback.state === 'busy'
  }

  private async addText(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const title = String(data.get('title') ?? '').trim()
    const text = String(data.get('text') ?? '')
    const source = await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Adding “${title}”…`, done: (s: Source) => addedText(s) },
      () => knowledgeApi(this.agentId).addText(title, text),
    )
    if (source) {
      form.reset()
      this.added(source)
    }
  }

  /** Files waiting for their upload: files dropped while others upload join the queue. */
  private queue: File[] = []

  /** Uploads one file after another (the host reads them in turn anyway), and says which failed and why. */
  private async upload(files: File[]): Promise<void> {
    const running = this.queue.length > 0
    this.queue.push(...files)
    if (running || files.length === 0) return
    const failures: string[] = []
    let done = 0
    let index = 0
    for (let file = this.queue[0]; file; file = this.queue[0]) {
      index += 1
      this.feedback = { state: 'busy', text: `Uploading ${index} of ${index + this.queue.length - 1}: ${file.name}…` }
      try {
        const source = await knowledgeApi(this.agentId).upload(file)
        done += 1
        this.added(source)
      } catch (error) {
        failures.push(`${file.name}: ${reasonOf(error)}`)
      }
      this.queue.shift()
    }
    const uploaded = `${done} of ${index} ${index === 1 ? 'file' : 'files'} uploaded.`
    this.feedback = failures.length ? { state: 'failed', text: `${uploaded} Failed: ${failures.join(' ')}` } : { state: 'done', text: uploaded }
  }

  private readonly onPick = async (event: Event) => {
    const input = event.target as HTMLInputElement
    const files = [...(input.files ?? [])]
    input.value = '' // picking the same file again is a new upload
    await this.upload(files)
  }

  private readonly onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer?.types.includes('Files')) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'copy'
    this.dragging = true
  }

  private readonly onDrop = (event: DragEvent) => {
    event.preventDefault()
    this.dragging = false
    void this.upload([...(event.dataTransfer?.files ?? [])])
  }

  private async addWeb(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const body = webSourceOf(this.kind === 'sitemap' ? 'sitemap' : 'url', data)
    if (typeof body === 'string') {
      this.feedback = { state: 'failed', text: body }
      return
    }
    const source = await withFeedback(
      (f) => (this.feedback = f),
      { busy: body.kind === 'sitemap' ? 'Adding the sitemap…' : 'Adding the web pages…', done: (s: Source) => addedText(s) },
      () => knowledgeApi(this.agentId).addWeb(body),
    )
    if (source) {
      form.reset()
      this.added(source)
    }
  }

  override render() {
    return html`<section class="card" aria-labelledby="knowledge-add-heading">
      <h3 id="knowledge-add-heading">Add knowledge</h3>
      <fieldset class="choices">
        <legend>What to add</legend>
        ${KINDS.map(
          ({ kind, label }) =>
            html`<label><input type="radio" name="knowledge-add-kind" value=${kind} ?checked=${kind === this.kind} @change=${() => (this.kind = kind)} /> ${label}</label>`,
        )}
      </fieldset>
      ${this.renderForm()}
      ${feedbackView(this.feedback, 'knowledge-add-feedback')}
    </section>`
  }

  private renderForm() {
    switch (this.kind) {
      case 'text':
        return html`<form @submit=${this.addText}>
          <div class="field"><label for="knowledge-text-title">Title</label><input id="knowledge-text-title" name="title" type="text" required maxlength="200" /></div>
          <div class="field"><label for="knowledge-text">Text</label><textarea id="knowledge-text" name="text" required rows="8"></textarea></div>
          <button class="primary" type="submit" ?disabled=${this.busy}>Add text</button>
        </form>`
      case 'files':
        return html`<div class="drop-zone ${this.dragging ? 'dragging' : ''}" @dragover=${this.onDragOver} @dragleave=${() => (this.dragging = false)} @drop=${this.onDrop}>
          <div class="field">
            <label for="knowledge-files">Files</label>
            <input id="knowledge-files" type="file" multiple accept=${ACCEPT} aria-describedby="knowledge-files-hint" @change=${this.onPick} />
          </div>
          <p class="hint" id="knowledge-files-hint">Or drop files here. Markdown, text, HTML, PDF (with text, not scans), CSV and JSON.</p>
        </div>`
      case 'url':
        return html`<form @submit=${this.addWeb}>
          <div class="field">
            <label for="knowledge-urls">Page URLs</label>
            <textarea id="knowledge-urls" name="urls" required rows="4" class="code" aria-describedby="knowledge-urls-hint" placeholder="https://docs.example.com/guide/"></textarea>
            <p class="hint" id="knowledge-urls-hint">One per line, up to ${MAX_URLS}. Pages are fetched as the host allows (robots.txt, no private addresses).</p>
          </div>
          <div class="field"><label><input type="checkbox" name="follow_links" /> Follow links on these pages (same site, under the first page's folder)</label></div>
          ${this.commonWebFields()}
          <button class="primary" type="submit" ?disabled=${this.busy}>Add web pages</button>
        </form>`
      case 'sitemap':
        return html`<form @submit=${this.addWeb}>
          <div class="field"><label for="knowledge-sitemap">Sitemap URL</label><input id="knowledge-sitemap" name="url" type="url" required placeholder="https://docs.example.com/sitemap.xml" /></div>
          ${this.commonWebFields()}
          <button class="primary" type="submit" ?disabled=${this.busy}>Add sitemap</button>
        </form>`
    }
  }

  private commonWebFields() {
    return html`<div class="row">
      <div class="field"><label for="knowledge-web-title">Title (optional)</label><input id="knowledge-web-title" name="title" type="text" maxlength="200" /></div>
      <div class="field"><label for="knowledge-max-pages">Most pages (optional)</label><input id="knowledge-max-pages" name="max_pages" type="number" min="1" step="1" /></div>
    </div>`
  }
}

const addedText = (source: Source): string =>
  source.status === 'importing'
    ? `“${source.title}” is being read…`
    : source.status === 'failed'
      ? `“${source.title}” could not be read: ${source.error ?? 'no reason given'}`
      : `“${source.title}” added: ${source.chunk_count} ${source.chunk_count === 1 ? 'chunk' : 'chunks'}.`

define('porch-console-knowledge-add', ConsoleKnowledgeAdd)
