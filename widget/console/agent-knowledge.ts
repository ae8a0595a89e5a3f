/**
 * Knowledge: the draft's sources (files, pasted texts, web pages, sitemaps) with their state,
 * their chunks on request, and a search box that asks what the agent would find. Editors add,
 * refresh (web sources) and delete; every role reads. Publishing freezes the draft's knowledge
 * into the version, so nothing here changes what visitors get until the next publish.
 */
import { html, nothing } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'
import { bytesText } from './agent-files.ts'
import { AgentPanel, canEdit, define, type Feedback, feedbackView, formatDate, IDLE, withFeedback } from './console-element.ts'
import {
  headingTrail,
  isWebSource,
  isWebUrl,
  KIND_LABELS,
  knowledgeApi,
  progressText,
  type SkippedPage,
  type Source,
  type SourceDetail,
} from './knowledge-api.ts'
import { sourceLink } from './knowledge-search.ts'
import './knowledge-add.ts'
import './knowledge-search.ts'

/** How often the list is read again while a source imports: one request covers every importing source. */
const POLL_MS = 1_000
/** Chunks shown at first, and added by each "Show more": a long PDF has thousands. */
const CHUNK_PAGE = 100

export class ConsoleAgentKnowledge extends AgentPanel {
  static override properties = {
    session: { attribute: false },
    agent: { attribute: false },
    sources: { state: true },
    detail: { state: true },
    shownChunks: { state: true },
    confirming: { state: true },
    feedback: { state: true },
    detailFeedback: { state: true },
  }
  session: ConsoleSession | null = null
  declare agent: Agent | null
  sources: Source[] | null = null
  /** The source whose chunks are shown. */
  detail: SourceDetail | null = null
  shownChunks = CHUNK_PAGE
  confirming = ''
  feedback: Feedback = IDLE
  detailFeedback: Feedback = IDLE
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  /** Counts the changes made here (added, refreshed, deleted), so an older list from the host does not undo them. */
  private edits = 0

  private get api() {
    return knowledgeApi(this.agent!.id)
  }

  protected override agentOpened(): void {
    this.sources = null
    this.detail = null
    this.confirming = ''
    void this.load()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    clearTimeout(this.pollTimer)
    this.pollTimer = undefined
  }

  private async load(): Promise<void> {
    const id = this.agent!.id
    const edits = this.edits
    const sources = await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Loading knowledge…', done: '' },
      () => this.api.list(),
    )
    if (!sources || id !== this.agent?.id) return
    if (edits === this.edits) this.showSources(sources)
    else await this.load() // something was added meanwhile: the list read before it lacks it
  }

  private showSources(sources: Source[]): void {
    this.sources = sources
    if (!this.pollTimer && this.isConnected && sources.some((s) => s.status === 'importing')) this.pollTimer = setTimeout(() => void this.poll(), POLL_MS)
  }

  /** Reads the list again while something imports; an open source whose import ended is read again too. */
  private async poll(): Promise<void> {
    this.pollTimer = undefined
    const id = this.agent?.id
    if (!id || !this.isConnected) return
    const edits = this.edits
    const sources = await this.api.list().catch(() => null)
    if (id !== this.agent?.id) return
    // A source added or deleted while the list was on its way is newer than the list: ask again.
    if (!sources || edits !== this.edits) return this.showSources(this.sources ?? [])
    const open = this.detail && sources.find((s) => s.id === this.detail!.id)
    if (open && (open.status !== this.detail!.status || open.updated_at !== this.detail!.updated_at)) void this.inspect(open, false)
    this.showSources(sources)
  }

  /** Puts a source the host answered with into the list (a new one last: the host lists the oldest first). */
  private upsert(source: Source): void {
    this.edits += 1
    const sources = this.sources ?? []
    this.showSources(sources.some((s) => s.id === source.id) ? sources.map((s) => (s.id === source.id ? source : s)) : [...sources, source])
  }

  private readonly onAdded = (event: CustomEvent<Source>) => this.upsert(event.detail)

  private async inspect(source: Source, focus = true): Promise<void> {
    const detail = await withFeedback(
      (f) => (this.detailFeedback = f),
      { busy: `Loading the chunks of “${source.title}”…`, done: '' },
      () => this.api.get(source.id),
    )
    if (!detail) return
    if (this.detail?.id !== detail.id) this.shownChunks = CHUNK_PAGE
    this.detail = detail
    if (focus) {
      await this.updateComplete
      this.querySelector<HTMLElement>('#knowledge-chunks-heading')?.focus()
    }
  }

  /** Closes the chunks and puts focus back on the source's button, where it was before they opened. */
  private async closeDetail(): Promise<void> {
    const id = this.detail?.id ?? ''
    this.detail = null
    await this.updateComplete
    this.querySelector<HTMLElement>(`button[data-source="${CSS.escape(id)}"]`)?.focus()
  }

  // Actions change the list inside withFeedback, so their message never shows beside the old list.
  private async refresh(source: Source): Promise<void> {
    await withFeedback(
      (f) => (this.feedback = f),
      {
        busy: `Refreshing “${source.title}”…`,
        done: `“${source.title}” is being fetched again; its current chunks stay searchable until the new ones replace them.`,
      },
      async () => this.upsert(await this.api.refresh(source.id)),
    )
  }

  private async deleteSource(source: Source): Promise<void> {
    this.confirming = ''
    await withFeedback(
      (f) => (this.feedback = f),
      { busy: `Deleting “${source.title}”…`, done: `“${source.title}” is deleted from the draft (published versions keep their own copy).` },
      async () => {
        await this.api.remove(source.id)
        this.edits += 1
        this.sources = (this.sources ?? []).filter((s) => s.id !== source.id)
        if (this.detail?.id === source.id) this.detail = null
      },
    )
  }

  override render() {
    const agent = this.agent
    if (!agent) return nothing
    const editor = canEdit(this.session)
    return html`<section aria-labelledby="knowledge-heading" @porch-knowledge-added=${this.onAdded}>
      <h2 id="knowledge-heading">Knowledge</h2>
      <p class="hint">Documents and pages the agent searches to answer. They belong to the draft: try them in “Try it”, and publish to give them to visitors.</p>
      ${editor ? nothing : html`<p class="warning">Your role (viewer) can read the knowledge but not change it.</p>`}
      ${feedbackView(this.feedback)}
      ${this.renderSources(editor)}
      ${this.detail ? this.renderDetail(this.detail) : feedbackView(this.detailFeedback)}
      ${editor ? html`<porch-console-knowledge-add .agentId=${agent.id}></porch-console-knowledge-add>` : nothing}
      <porch-console-knowledge-search .agentId=${agent.id}></porch-console-knowledge-search>
    </section>`
  }

  private renderSources(editor: boolean) {
    if (!this.sources) return nothing
    if (this.sources.length === 0) return html`<p>No knowledge yet.${editor ? ' Add a text, files or web pages below.' : ''}</p>`
    return html`<div class="table-wrap" role="region" aria-label="Knowledge sources table" tabindex="0"><table>
      <thead><tr>
        <th scope="col">Title</th><th scope="col">Kind</th><th scope="col">Origin</th><th scope="col">Status</th>
        <th scope="col" class="num">Chunks</th><th scope="col" class="num">Size</th><th scope="col">Updated</th>${editor ? html`<th scope="col">Actions</th>` : nothing}
      </tr></thead>
      <tbody>${this.sources.map(
        (source) => html`<tr>
          <td><button type="button" class="linklike" data-source=${source.id} aria-pressed=${this.detail?.id === source.id} @click=${() => this.inspect(source)}>${source.title}<span class="sr-only"> show chunks</span></button></td>
          <td>${KIND_LABELS[source.kind] ?? source.kind}</td>
          <td class="origin">${isWebUrl(source.origin) ? html`<a href=${source.origin} target="_blank" rel="noopener noreferrer">${source.origin}</a>` : source.origin}</td>
          <td>${statusView(source)}</td>
          <td class="num">${source.chunk_count}</td>
          <td class="num">${source.size === null ? '—' : bytesText(source.size)}</td>
          <td>${formatDate(source.updated_at)}</td>
          ${editor ? html`<td><div class="actions">${this.renderActions(source)}</div></td>` : nothing}
        </tr>`,
      )}</tbody>
    </table></div>`
  }

  private renderActions(source: Source) {
    if (this.confirming === source.id) {
      return html`<span>Delete “${source.title}”?</span>
        <button type="button" class="danger" @click=${() => this.deleteSource(source)}>Yes, delete</button>
        <button type="button" @click=${() => (this.confirming = '')}>Cancel</button>`
    }
    const busy = this.feedback.state === 'busy'
    return html`${
      isWebSource(source)
        ? html`<button type="button" ?disabled=${busy || source.status === 'importing'} @click=${() => this.refresh(source)}>Refresh<span class="sr-only"> ${source.title}</span></button>`
        : nothing
    }<button type="button" class="danger" ?disabled=${busy} @click=${() => (this.confirming = source.id)}>Delete<span class="sr-only"> ${source.title}</span></button>`
  }

  private renderDetail(detail: SourceDetail) {
    const fileUrl = this.api.fileUrl(detail.id)
    const chunks = detail.chunks.slice(0, this.shownChunks)
    return html`<section class="card" aria-labelledby="knowledge-chunks-heading">
      <h3 id="knowledge-chunks-heading" tabindex="-1">Chunks of “${detail.title}”</h3>
      <p class="actions">${statusView(detail)} <span>${detail.chunk_count} ${detail.chunk_count === 1 ? 'chunk' : 'chunks'}</span>
        ${isWebSource(detail) ? nothing : html`<a href=${fileUrl} download>Download the ${detail.kind === 'text' ? 'text' : 'file'}<span class="sr-only"> ${detail.title}</span></a>`}
        <button type="button" @click=${() => this.closeDetail()}>Close<span class="sr-only"> the chunks</span></button></p>
      ${feedbackView(this.detailFeedback)}
      ${
        chunks.length === 0
          ? html`<p>No chunks${detail.status === 'importing' ? ' yet: it is still being read' : ''}.</p>`
          : html`<ol class="knowledge-chunks" aria-label=${`Chunks of “${detail.title}”`}>${chunks.map(
              (chunk) => html`<li>
                <p class="hit-head"><strong>${headingTrail(chunk.title, chunk.heading_path)}</strong> ${chunk.url ? sourceLink(chunk.url, fileUrl, chunk.title) : nothing}</p>
                <p class="chunk-text">${chunk.text}</p>
              </li>`,
            )}</ol>`
      }
      ${
        detail.chunks.length > chunks.length
          ? html`<button type="button" @click=${() => (this.shownChunks += CHUNK_PAGE)}>Show more chunks (${chunks.length} of ${detail.chunks.length} shown)</button>`
          : nothing
      }
    </section>`
  }
}

/** A source's state: ready, failed with the host's reason, or importing with its progress; skipped pages folded. */
function statusView(source: Source) {
  const status =
    source.status === 'ready'
      ? html`<span class="badge ok">Ready</span>`
      : source.status === 'failed'
        ? html`<span class="badge error">Failed</span> <span class="error">${source.error ?? ''}</span>`
        : html`<span class="badge warn">Importing</span> ${importProgress(source)}`
  return html`<span class="source-status">${status}</span>${skippedView(source.skipped_pages ?? [])}`
}

function importProgress(source: Source) {
  const { pages_done, pages_total } = source.progress
  if (!isWebSource(source)) return nothing
  return html`<span class="progress"><progress aria-label=${`Pages read of “${source.title}”`} max=${pages_total ?? nothing} value=${pages_total === null ? nothing : pages_done}></progress>
    <span>${progressText(source.progress)}</span></span>`
}

function skippedView(skipped: SkippedPage[]) {
  if (skipped.length === 0) return nothing
  return html`<details class="skipped">
    <summary>${skipped.length} ${skipped.length === 1 ? 'page' : 'pages'} skipped</summary>
    <ul>${skipped.map((page) => html`<li>${isWebUrl(page.url) ? html`<a href=${page.url} target="_blank" rel="noopener noreferrer">${page.url}</a>` : page.url}: ${page.reason}</li>`)}</ul>
  </details>`
}

define('porch-console-agent-knowledge', ConsoleAgentKnowledge)
