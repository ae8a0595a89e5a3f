/** Knowledge: an owner's documents and site read into chunks the agent can cite. */
export { type ChunkOptions, chunkDocument, chunkHash, DEFAULT_MAX_CHARS, DEFAULT_TARGET_CHARS, type KnowledgeChunk } from './chunk.ts'
export type { Block, ContentBlock, HeadingBlock, ParsedDocument, ParsedSource } from './document.ts'
export { KnowledgeParseError } from './errors.ts'
export {
  createKnowledgeImporter,
  DEFAULT_KNOWLEDGE_LIMITS,
  type Import,
  type KnowledgeImporter,
  KnowledgeLimitError,
  type KnowledgeLimits,
} from './importer.ts'
export { DEFAULT_MAX_SOURCE_BYTES, detectFormat, type ParseOptions, parseSource, type SourceFormat, type SourceInput } from './parse.ts'
export { SCANNED_PDF_MESSAGE } from './parse-pdf.ts'
