/**
 * Retrieval quality of a knowledge search over questions whose answers are known
 * (bench/knowledge-questions.json: a question, the manual's pages that answer it, and a phrase
 * those pages hold, which `checkQuestionPages` looks for). A hit counts when its URL names one of
 * the question's pages (the file, whatever its #fragment): the visitor lands on the right page.
 *
 * - recall@5: the share of questions with a right page among the first five hits;
 * - MRR: the mean over questions of 1 / the rank of the first right hit within the first ten
 *   (0 when none of the ten is right).
 *
 * The search is a function, so any ranking is measured the same way: the store's full-text
 * search, a vector-only ranking (bench/knowledge-vectors.ts), and hybrid search once the store
 * has it.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'

export const QuestionSchema = z.object({
  question: z.string().min(3),
  /** The manual's pages that answer it: `file.html`, optionally with the `#ANCHOR` of the section. */
  pages: z.array(z.string().regex(/^[a-z0-9-]+\.html(#[A-Za-z0-9_.-]+)?$/)).min(1),
  /** A phrase at least one of the pages holds (checked against the pages' text). */
  evidence: z.string().min(1),
})
export type Question = z.infer<typeof QuestionSchema>

export const QUESTIONS_FILE = new URL('./knowledge-questions.json', import.meta.url)

export function loadQuestions(file: URL | string = QUESTIONS_FILE): Question[] {
  const questions = z
    .array(QuestionSchema)
    .min(1)
    .parse(JSON.parse(readFileSync(file, 'utf8')))
  const seen = new Set<string>()
  for (const { question } of questions) {
    if (seen.has(question)) throw new Error(`the question "${question}" is asked twice`)
    seen.add(question)
  }
  return questions
}

/** The page a URL or a question's page names: its last path segment, without query or fragment. */
export function pageOf(url: string): string {
  const path = url.split(/[?#]/)[0]!
  return path.slice(path.lastIndexOf('/') + 1)
}

/** The rank (from 1) of the first URL that names one of `pages`, or null. A hit without a URL never counts. */
export function firstRightRank(urls: Array<string | null>, pages: string[]): number | null {
  const wanted = new Set(pages.map(pageOf))
  const index = urls.findIndex((url) => url !== null && wanted.has(pageOf(url)))
  return index === -1 ? null : index + 1
}

export type Ranking = (question: string) => Promise<Array<string | null>>

export type RetrievalScore = {
  questions: number
  /** Share of questions with a right page in the top 5. */
  recallAt5: number
  /** Mean reciprocal rank of the first right hit in the top 10. */
  mrr: number
  /** The questions no hit of the top 10 answered, for reading what the search misses. */
  missed: string[]
}

export const EVAL_DEPTH = 10

/** Scores a ranking: `rank` gives the URLs of its hits, best first (only the first ten are read). */
export async function scoreRanking(questions: Question[], rank: Ranking): Promise<RetrievalScore> {
  let found5 = 0
  let reciprocal = 0
  const missed: string[] = []
  for (const { question, pages } of questions) {
    const at = firstRightRank((await rank(question)).slice(0, EVAL_DEPTH), pages)
    if (at === null) missed.push(question)
    else {
      if (at <= 5) found5 += 1
      reciprocal += 1 / at
    }
  }
  return { questions: questions.length, recallAt5: found5 / questions.length, mrr: reciprocal / questions.length, missed }
}

/** Problems with the questions against the manual's pages: a page that is missing, an anchor it lacks, evidence none of them holds. */
export function checkQuestionPages(questions: Question[], readPage: (file: string) => string | null): string[] {
  const problems: string[] = []
  for (const { question, pages, evidence } of questions) {
    let held = false
    for (const page of pages) {
      const [file, anchor] = page.split('#') as [string, string | undefined]
      const html = readPage(file)
      if (html === null) {
        problems.push(`"${question}": no page ${file}`)
        continue
      }
      if (anchor && !html.includes(`id="${anchor}"`)) problems.push(`"${question}": ${file} has no #${anchor}`)
      if (pageText(html).toLowerCase().includes(evidence.toLowerCase())) held = true
    }
    if (!held) problems.push(`"${question}": none of its pages holds "${evidence}"`)
  }
  return problems
}

const ENTITIES: Record<string, string> = { '&gt;': '>', '&lt;': '<', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' }

/** Good enough to look for a phrase: tags dropped, the usual entities decoded, spaces collapsed. */
const pageText = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(gt|lt|amp|quot|#39|nbsp);/g, (entity) => ENTITIES[entity]!)
    .replace(/\s+/g, ' ')
