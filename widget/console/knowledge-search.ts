/**
 * Try a question against the draft's knowledge and see the chunks the agent's
 * `search_knowledge` tool would find, in its order: rank, score, where each sits, a link.
 */
import { html, nothing } from 'lit'
import { ConsoleElement, define, type Feedback, feedbackView, IDLE, withFeedback } from './console-element.ts'
import { chunkHref, excerpt, headingTrail, knowledgeApi, type SearchHit } from './knowledge-api.ts'

export class ConsoleKnowledgeSearch extends ConsoleElement {
  static override properties = { agentId: { attribute: false }, hits: { state: true }, searched: { state: true }, feedback: { state: true } }
  agentId = ''
  hits: SearchHit[] | null = null
  /** The query the hits answer (the box may have changed since). */
  searched = ''
  feedback: Feedback = IDLE

  private async search(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const q = String(new FormData(event.target as HTMLFormElement).get('q') ?? '').trim()
    if (!q) return
    // The hits change inside withFeedback, so "N hits." never shows beside the previous query's.
    await withFeedback(
      (f) => (this.feedback = f),
      { busy: 'Searching…', done: (found: SearchHit[]) => (found.length === 0 ? 'Nothing found.' : `${found.length} ${found.length === 1 ? 'hit' : 'hits'}.`) },
      async () => {
        this.hits = await knowledgeApi(this.agentId).search(q)
        this.searched = q
        return this.hits
      },
    )
  }

  override render() {
    return html`<section class="card" aria-labelledby="knowledge-search-heading">
      <h3 id="knowledge-search-heading">Search the draft</h3>
      <form role="search" class="row" @submit=${this.search}>
        <div class="field grow"><label for="knowledge-q">Question or words</label><input id="knowledge-q" name="q" type="search" required maxlength="2000" /></div>
        <div class="field"><button type="submit" ?disabled=${this.feedback.state === 'busy'}>Search</button></div>
      </form>
      ${feedbackView(this.feedback)}
      ${this.hits && this.hits.length > 0 ? this.renderHits(this.hits) : nothing}
    </section>`
  }

  private renderHits(hits: SearchHit[]) {
    const api = knowledgeApi(this.agentId)
    return html`<ol class="knowledge-hits" aria-label=${`Results for “${this.searched}”`}>
      ${hits.map(
        (hit) => html`<li>
          <p class="hit-head"><span class="badge">#${hit.rank}</span> <strong>${headingTrail(hit.title, hit.heading_path)}</strong>
            <span class="hint">score ${hit.score.toPrecision(3)}</span></p>
          <p class="chunk-text">${excerpt(hit.text)}</p>
          ${sourceLink(hit.url, api.fileUrl(hit.source_id), hit.title)}
        </li>`,
      )}
    </ol>`
  }
}

/** A web chunk links to its page (in a new tab); a file's or text's to the download of what was uploaded. */
export const sourceLink = (url: string | null, fileUrl: string, title: string) => {
  const href = chunkHref(url, fileUrl)
  return href === fileUrl
    ? html`<a href=${href} download>Download the source<span class="sr-only"> ${title}</span></a>`
    : html`<a href=${href} target="_blank" rel="noopener noreferrer">${href}</a>`
}

define('porch-console-knowledge-search', ConsoleKnowledgeSearch)
