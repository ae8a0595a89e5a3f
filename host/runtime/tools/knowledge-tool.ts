/**
 * `search_knowledge`: the built-in tool a run gets when its version has knowledge (the owner's
 * documents and site, host/knowledge/). The model searches, reads the numbered passages, and
 * cites the numbers; the run collects the sources it was shown, so the visitor sees them too
 * (the `sources` event, the sync reply's `sources`).
 */
import { type Tool, tool } from 'ai'
import { z } from 'zod'
import type { AnswerSource } from '../../../shared/index.ts'
import type { KnowledgeHit } from '../../store/store.ts'

export const KNOWLEDGE_TOOL_NAME = 'search_knowledge'

/**
 * How much of the knowledge one search hands the model: six passages of ~1,000 characters
 * each (the chunker aims at 1,200, host/knowledge/chunk.ts) fit in ~1,500 tokens, enough to
 * answer from while a few searches still leave room for the conversation.
 */
export const KNOWLEDGE_RESULT = { hits: 6, maxHits: 10, chars: 6000, queryChars: 500 } as const

/**
 * The name the run's knowledge tool takes: `search_knowledge`, unless the agent has a tool of
 * its own by that name (an HTTP or MCP tool the owner named so before knowledge existed): that
 * one keeps it, and the built-in takes the first free of `porch_search_knowledge`, … so both work.
 */
export function knowledgeToolName(taken: (name: string) => boolean): string {
  if (!taken(KNOWLEDGE_TOOL_NAME)) return KNOWLEDGE_TOOL_NAME
  for (let n = 1; ; n++) {
    const name = n === 1 ? `porch_${KNOWLEDGE_TOOL_NAME}` : `porch_${KNOWLEDGE_TOOL_NAME}_${n}`
    if (!taken(name)) return name
  }
}

/** The line added to the instructions of a run that has knowledge, naming its tool. */
export const knowledgeInstructions = (toolName: string) =>
  `You can search the owner’s documents and site with the ${toolName} tool. Search it before answering questions it may cover, answer from what it returns, and cite the passages you use by their numbers, like [1].`

/** Searches the run's knowledge: a published version's frozen sources, or the draft in try-it. */
export type KnowledgeSearch = (query: string, limit: number) => Promise<KnowledgeHit[]>

/**
 * The distinct sources a run's searches returned, in first-seen order. A source is a URL (a
 * page, down to its #section), or a source without one (an upload, a pasted text): the same
 * source keeps its number across the run's searches, so citations and the list agree.
 */
export class SourceList {
  readonly sources: AnswerSource[] = []
  private readonly indexByKey = new Map<string, number>()

  indexOf(hit: KnowledgeHit): number {
    const key = hit.url === null ? `source:${hit.sourceId}` : `url:${hit.url}`
    let index = this.indexByKey.get(key)
    if (index === undefined) {
      index = this.sources.length + 1
      this.indexByKey.set(key, index)
      this.sources.push({ index, title: hit.title, heading_path: hit.headingPath, url: hit.url, source_id: hit.sourceId })
    }
    return index
  }
}

// Lenient on purpose: a model's odd query or limit is searched (trimmed, clamped), never refused.
const searchInput = z.object({
  query: z.string().describe('what to look for, in a few words'),
  limit: z.number().optional().describe(`how many passages (1 to ${KNOWLEDGE_RESULT.maxHits}, default ${KNOWLEDGE_RESULT.hits})`),
})

export function knowledgeTool(search: KnowledgeSearch, sources: SourceList): Tool {
  return tool({
    description:
      'Searches the owner’s documents and website for passages about a topic. Returns numbered passages with their title, section and URL; cite them by number, like [1].',
    inputSchema: searchInput,
    execute: async ({ query, limit }) => {
      const wanted = Number.isFinite(limit) ? Math.min(Math.max(Math.trunc(limit!), 1), KNOWLEDGE_RESULT.maxHits) : KNOWLEDGE_RESULT.hits
      const hits = await search(query.slice(0, KNOWLEDGE_RESULT.queryChars), wanted)
      return formatHits(hits, sources)
    },
  })
}

/** The passages as the model reads them, numbered by source, within `KNOWLEDGE_RESULT.chars`. */
export function formatHits(hits: KnowledgeHit[], sources: SourceList): string {
  if (hits.length === 0) return 'No passage in the knowledge matches this search. Try other words, or say that the documents do not cover it.'
  const parts: string[] = []
  let left: number = KNOWLEDGE_RESULT.chars
  for (const hit of hits) {
    const head = [`[${sources.indexOf(hit)}] ${[hit.title, ...hit.headingPath].join(' › ')}`, ...(hit.url ? [`URL: ${hit.url}`] : [])].join('\n')
    const room = left - head.length - 2
    if (room < 200 && parts.length > 0) break
    const text = hit.text.length > room ? `${hit.text.slice(0, Math.max(room - 1, 0))}…` : hit.text
    const part = `${head}\n${text}`
    parts.push(part)
    left -= part.length + 2
  }
  return parts.join('\n\n')
}
