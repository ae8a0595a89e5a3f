/**
 * Why a source could not be read. The message is shown to the owner next to that source, so it
 * says what is wrong and what to do, in the owner's words (never a library's stack or jargon).
 */
export class KnowledgeParseError extends Error {
  override name = 'KnowledgeParseError'
}
