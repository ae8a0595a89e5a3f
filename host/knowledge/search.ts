/**
 * Knowledge search as chats and the owner API use it: full text alone, or, when the host has
 * an embedding model, with the query's vector too (one embeddings call), which the store fuses
 * with the full-text ranking. A query the model cannot embed is searched by full text alone.
 */
import { searchTerms } from '../store/knowledge.ts'
import type { KnowledgeHit, KnowledgeQuery, KnowledgeStore } from '../store/store.ts'
import type { Embedder } from './embedder.ts'

export type SearchKnowledge = (query: KnowledgeQuery) => Promise<KnowledgeHit[]>

export function knowledgeSearch(store: KnowledgeStore, embedder: Embedder | null): SearchKnowledge {
  if (!embedder) return (query) => store.searchKnowledge(query)
  return async (query) => {
    // A query without words finds nothing either way: no call to pay for.
    if (searchTerms(query.query).length === 0) return []
    const embedding = await embedder.embedQuery(query.query)
    return store.searchKnowledge(embedding ? { ...query, embedding } : query)
  }
}
