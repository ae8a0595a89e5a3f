/**
 * The environment, validated once at start. A bad value stops the start with a message
 * that names the variable; nothing else in the host reads process.env.
 */
import { z } from 'zod'
import type { EmbeddingConfig } from './knowledge/embedder.ts'

/** A whole number written in the variable; z.coerce would read '' or ' ' as 0. */
const wholeNumber = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().min(min).max(max))
const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max))
const port = wholeNumber(0, 65_535)
const optionalUrl = z.url({ protocol: /^https?$/ }).optional()
const optionalSecret = z.string().min(1).optional()

/**
 * A PostgreSQL connection URL. It usually holds a password, so no message repeats it: zod's own
 * URL check would not either, but it also accepts any scheme; this one says what it wants.
 */
const postgresUrl = z
  .string()
  .trim()
  .refine(
    isPostgresUrl,
    'must be a postgres:// or postgresql:// URL with a host, such as postgres://porch:PASSWORD@db.example.com:5432/porch (the value is not shown: it may hold a password)',
  )

/**
 * Read as the client library reads it (host/store/postgres/), not as a WHATWG URL: the password
 * may hold `@` or `#` unescaped, a unix socket is `?host=/path` with no host before the path,
 * and several hosts may be listed (`h1:5432,h2:5432`).
 */
export function isPostgresUrl(value: string): boolean {
  const scheme = /^postgres(ql)?:\/\//i.exec(value)
  if (!scheme) return false
  const rest = value.slice(scheme[0].length)
  const end = rest.search(/[/?]/)
  const authority = end === -1 ? rest : rest.slice(0, end)
  const hosts = authority.slice(authority.lastIndexOf('@') + 1)
  let tail: URL
  try {
    tail = new URL(`postgres://x${end === -1 ? '' : rest.slice(end)}`)
  } catch {
    return false
  }
  if (hosts === '') return tail.searchParams.has('host')
  return hosts.split(',').every((host) => /^(\[[0-9a-f:.]+\]|[^:[\]]+)(:\d{1,5})?$/i.test(host))
}

/** A Redis URL (`redis://`, `rediss://` for TLS), read as ioredis reads it; never repeated in a message (it may hold a password). */
const redisUrl = z
  .string()
  .trim()
  .refine(
    isRedisUrl,
    'must be a redis:// or rediss:// URL with a host, such as redis://:PASSWORD@cache.example.com:6379/0 (the value is not shown: it may hold a password)',
  )

/** `redis[s]://[user][:password]@host[:port][/db][?options]`: a host is required, the database is a number. */
export function isRedisUrl(value: string): boolean {
  const scheme = /^rediss?:\/\//i.exec(value)
  if (!scheme) return false
  const rest = value.slice(scheme[0].length)
  const end = rest.search(/[/?]/)
  const authority = end === -1 ? rest : rest.slice(0, end)
  const host = authority.slice(authority.lastIndexOf('@') + 1)
  const tail = end === -1 ? '' : rest.slice(end)
  return /^(\[[0-9a-f:.]+\]|[^:[\]@]+)(:\d{1,5})?$/i.test(host) && /^(\/\d{0,2})?(\?.*)?$/.test(tail)
}

const EnvSchema = z.object({
  PORT: port.default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORCH_DB: z.string().min(1).default('./data/porch.db'),
  PORCH_DATABASE_URL: postgresUrl.optional(),
  PORCH_REDIS_URL: redisUrl.optional(),
  PORCH_PUBLIC_URL: optionalUrl,
  // As the Authorization header carries it (host/auth/key-pair.ts `bearer`): a token with a
  // space, or past 512 characters, would start the host and then open nothing.
  PORCH_ADMIN_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters')
    .max(512, 'must be at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as a bearer token)')
    .optional(),
  PORCH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PORCH_TRUST_PROXY: wholeNumber(0, 10).default(0),
  PORCH_HEARTBEAT_SECONDS: decimal(0.01, 3600).default(15),
  PORCH_RESUME_GRACE_MS: wholeNumber(0, 600_000).default(3000),
  PORCH_SHUTDOWN_GRACE_SECONDS: decimal(0, 3600).default(10),
  PORCH_INSTANCE_LEASE_SECONDS: decimal(3, 3600).default(60),
  PORCH_MODEL_TIMEOUT_SECONDS: decimal(1, 3600).default(120),
  PORCH_FILE_RETENTION_DAYS: decimal(0.001, 36_500).optional(),
  PORCH_UPLOAD_UNUSED_MINUTES: decimal(1, 10_080).default(30),
  PORCH_ATTACHMENT_SESSION_MB: decimal(0.001, 1_048_576).default(50),
  PORCH_ATTACHMENT_AGENT_DAY_MB: decimal(0.001, 1_048_576).default(1024),
  PORCH_KNOWLEDGE_FILE_MB: decimal(0.001, 1024).default(20),
  PORCH_KNOWLEDGE_MAX_PAGES: wholeNumber(1, 100_000).default(500),
  PORCH_KNOWLEDGE_ALLOW_PRIVATE: z.enum(['0', '1']).default('0'),
  PORCH_RATE_CHAT_PER_MINUTE: wholeNumber(1, 1_000_000).default(60),
  PORCH_RATE_UNLOCK_PER_15MIN: wholeNumber(1, 1_000_000).default(10),
  PORCH_TOOLS_ALLOW_PRIVATE: z.enum(['0', '1']).default('0'),
  PORCH_EXAMPLES_PORT: z.union([z.literal('off'), port]).optional(),
  OPENAI_API_KEY: optionalSecret,
  OPENAI_BASE_URL: optionalUrl,
  ANTHROPIC_API_KEY: optionalSecret,
  ANTHROPIC_BASE_URL: optionalUrl,
  PORCH_EMBEDDING_URL: optionalUrl,
  PORCH_EMBEDDING_MODEL: z.string().trim().min(1).max(200).optional(),
  PORCH_EMBEDDING_API_KEY: optionalSecret,
  PORCH_EMBEDDING_BATCH: wholeNumber(1, 2048).default(64),
})

export type Config = {
  port: number
  host: string
  dbPath: string
  /** A PostgreSQL server to store in instead of the SQLite file at `dbPath`; null: SQLite. */
  databaseUrl: string | null
  /**
   * Redis shared by several hosts (the shared mode: rate limits and runs across hosts); null:
   * this host keeps them in its own memory. Only with `databaseUrl`: hosts must share the data too.
   */
  redisUrl: string | null
  /** Unset: `http://localhost:<the port the host got>`, filled in once it listens. */
  publicUrl?: string
  adminToken?: string
  secret?: string
  trustProxyHops: number
  heartbeatMs: number
  /** How long a run whose client dropped keeps going, waiting for a resume, before it is cancelled. */
  resumeGraceMs: number
  /** On SIGTERM, how long running chats may go on before they are cancelled (and stored as cancelled). */
  shutdownGraceMs: number
  /** How long a host that stopped renewing its lease still counts as alive (then its running traces are marked interrupted). */
  instanceLeaseMs: number
  /** How long a model may go without making progress (no reply, no chunk) before its run fails. */
  modelTimeoutMs: number
  /** Files (attachments, tools' output) older than this are deleted; null: kept for ever. */
  fileRetentionMs: number | null
  uploads: UploadLimits
  /** Where `npm start` serves examples/ (another origin than the host); null: not at all. */
  examplesPort: number | null
  rateLimits: { chatPerIpPerMinute: number; unlockPerIpPer15Min: number }
  /** Whether HTTP tools may call loopback and private addresses (never cloud metadata). */
  toolsAllowPrivate: boolean
  /** Web sources of knowledge: pages one source reads at most, and whether the crawler may fetch loopback and private addresses. */
  knowledgeWeb: { maxPages: number; allowPrivate: boolean }
  providers: ProviderConfig
  /** The embedding model knowledge chunks and queries are embedded with; null: full-text search only. */
  embedding: EmbeddingConfig | null
}

/**
 * What visitors' attachments may take. Each is stored at upload, before a message names it, so
 * an upload no message names is deleted after a while, and uploads have budgets in bytes.
 */
export type UploadLimits = {
  /** An attachment that no message has named this long after its upload is deleted. */
  unusedMs: number
  /** Bytes of attachments one session may hold. */
  sessionBytes: number
  /** Bytes of attachments one agent may receive per UTC day (deleting them gives none back). */
  agentDayBytes: number
  /** Bytes of one file (or pasted text) an owner adds to an agent's knowledge. */
  knowledgeFileBytes: number
}

const MIB = 1024 * 1024

export type ProviderConfig = {
  openai?: { apiKey?: string; baseURL?: string }
  anthropic?: { apiKey?: string; baseURL?: string }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads the environment into a Config, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "unset", as it does in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  if (e.PORCH_REDIS_URL !== undefined && e.PORCH_DATABASE_URL === undefined) {
    throw new ConfigError(
      'Invalid environment:\n  PORCH_REDIS_URL: the shared mode (several hosts) needs PORCH_DATABASE_URL too: a SQLite file belongs to one host, so hosts sharing Redis must share one PostgreSQL database',
    )
  }
  if (
    (e.PORCH_EMBEDDING_URL === undefined) !== (e.PORCH_EMBEDDING_MODEL === undefined) ||
    (e.PORCH_EMBEDDING_API_KEY !== undefined && e.PORCH_EMBEDDING_URL === undefined)
  ) {
    throw new ConfigError(
      'Invalid environment:\n  PORCH_EMBEDDING_URL, PORCH_EMBEDDING_MODEL: set both to embed knowledge (and PORCH_EMBEDDING_API_KEY when the server needs a key), or neither for full-text search only',
    )
  }
  const openaiConfigured = e.OPENAI_API_KEY !== undefined || e.OPENAI_BASE_URL !== undefined
  const anthropicConfigured = e.ANTHROPIC_API_KEY !== undefined || e.ANTHROPIC_BASE_URL !== undefined
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath: e.PORCH_DB,
    databaseUrl: e.PORCH_DATABASE_URL ?? null,
    redisUrl: e.PORCH_REDIS_URL ?? null,
    publicUrl: e.PORCH_PUBLIC_URL?.replace(/\/+$/, ''),
    adminToken: e.PORCH_ADMIN_TOKEN,
    secret: e.PORCH_SECRET,
    trustProxyHops: e.PORCH_TRUST_PROXY,
    heartbeatMs: e.PORCH_HEARTBEAT_SECONDS * 1000,
    resumeGraceMs: e.PORCH_RESUME_GRACE_MS,
    shutdownGraceMs: e.PORCH_SHUTDOWN_GRACE_SECONDS * 1000,
    instanceLeaseMs: e.PORCH_INSTANCE_LEASE_SECONDS * 1000,
    modelTimeoutMs: e.PORCH_MODEL_TIMEOUT_SECONDS * 1000,
    fileRetentionMs: e.PORCH_FILE_RETENTION_DAYS === undefined ? null : e.PORCH_FILE_RETENTION_DAYS * 86_400_000,
    uploads: {
      unusedMs: e.PORCH_UPLOAD_UNUSED_MINUTES * 60_000,
      sessionBytes: Math.floor(e.PORCH_ATTACHMENT_SESSION_MB * MIB),
      agentDayBytes: Math.floor(e.PORCH_ATTACHMENT_AGENT_DAY_MB * MIB),
      knowledgeFileBytes: Math.floor(e.PORCH_KNOWLEDGE_FILE_MB * MIB),
    },
    toolsAllowPrivate: e.PORCH_TOOLS_ALLOW_PRIVATE === '1',
    knowledgeWeb: { maxPages: e.PORCH_KNOWLEDGE_MAX_PAGES, allowPrivate: e.PORCH_KNOWLEDGE_ALLOW_PRIVATE === '1' },
    rateLimits: { chatPerIpPerMinute: e.PORCH_RATE_CHAT_PER_MINUTE, unlockPerIpPer15Min: e.PORCH_RATE_UNLOCK_PER_15MIN },
    examplesPort: e.PORCH_EXAMPLES_PORT === 'off' ? null : (e.PORCH_EXAMPLES_PORT ?? (e.PORT === 0 ? 0 : e.PORT + 1)),
    providers: {
      ...(openaiConfigured && { openai: { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL } }),
      ...(anthropicConfigured && { anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseURL: e.ANTHROPIC_BASE_URL } }),
    },
    embedding:
      e.PORCH_EMBEDDING_URL === undefined || e.PORCH_EMBEDDING_MODEL === undefined
        ? null
        : {
            url: e.PORCH_EMBEDDING_URL.replace(/\/+$/, ''),
            model: e.PORCH_EMBEDDING_MODEL,
            apiKey: e.PORCH_EMBEDDING_API_KEY,
            batchSize: e.PORCH_EMBEDDING_BATCH,
          },
  }
}
