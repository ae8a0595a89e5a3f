/**
 * A vector-only ranking for the retrieval evaluation: every chunk and every question embedded by
 * an OpenAI-compatible `/v1/embeddings` endpoint, chunks ranked by cosine similarity in this
 * process. It runs when `PORCH_EMBEDDING_URL` (the API's base URL, e.g. `http://127.0.0.1:8080/v1`)
 * and `PORCH_EMBEDDING_MODEL` are set, so its number can be read beside full-text's and, once the
 * store fuses both, beside hybrid's.
 *
 * No embedding model runs here offline: no npm package in reach ships a sentence-embedding
 * model's weights (transformers.js, fastembed and their wrappers fetch them from a model hub at
 * run time), so the bench reports this row only where an endpoint is given.
 */
import type { KnowledgeChunk } from '../host/store/store.ts'
import type { Ranking } from './knowledge-eval.ts'

export type EmbeddingEndpoint = { url: string; model: string; apiKey?: string }

export function embeddingEndpointFromEnv(env = process.env): EmbeddingEndpoint | null {
  const url = env.PORCH_EMBEDDING_URL
  const model = env.PORCH_EMBEDDING_MODEL
  return url && model ? { url, model, apiKey: env.PORCH_EMBEDDING_API_KEY } : null
}

async function embed(endpoint: EmbeddingEndpoint, inputs: string[]): Promise<Float32Array[]> {
  const response = await fetch(`${endpoint.url.replace(/\/$/, '')}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}) },
    body: JSON.stringify({ model: endpoint.model, input: inputs }),
  })
  if (!response.ok) throw new Error(`the embedding endpoint answered ${response.status}`)
  const body = (await response.json()) as { data: Array<{ index: number; embedding: number[] }> }
  return body.data.sort((a, b) => a.index - b.index).map((row) => normalized(row.embedding))
}

function normalized(vector: number[]): Float32Array {
  const out = Float32Array.from(vector)
  const norm = Math.hypot(...out) || 1
  for (let i = 0; i < out.length; i++) out[i]! /= norm
  return out
}

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!
  return sum
}

/** What a chunk is embedded as: its title and headings, then its text (as a store would embed it). */
export const embeddedText = (chunk: Pick<KnowledgeChunk, 'title' | 'headingPath' | 'text'>) => [chunk.title, ...chunk.headingPath, chunk.text].join('\n')

/** Embeds the chunks (in batches of 64), then ranks them by cosine similarity to each question. */
export async function vectorRanking(endpoint: EmbeddingEndpoint, chunks: KnowledgeChunk[]): Promise<{ rank: Ranking; embedMs: number }> {
  const started = performance.now()
  const vectors: Float32Array[] = []
  for (let at = 0; at < chunks.length; at += 64) vectors.push(...(await embed(endpoint, chunks.slice(at, at + 64).map(embeddedText))))
  const embedMs = performance.now() - started
  const rank: Ranking = async (question) => {
    const [q] = await embed(endpoint, [question])
    return vectors
      .map((vector, i) => ({ i, score: dot(vector, q!) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10)
      .map(({ i }) => chunks[i]!.url)
  }
  return { rank, embedMs }
}
