import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'
import { runMainToExit } from './testing/child-host.ts'
import { startTestHost } from './testing/harness.ts'

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('loadConfig', () => {
  it('has the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dbPath: './data/porch.db',
      databaseUrl: null,
      redisUrl: null,
      publicUrl: undefined,
      adminToken: undefined,
      secret: undefined,
      trustProxyHops: 0,
      heartbeatMs: 15_000,
      resumeGraceMs: 3000,
      shutdownGraceMs: 10_000,
      instanceLeaseMs: 60_000,
      modelTimeoutMs: 120_000,
      fileRetentionMs: null,
      uploads: { unusedMs: 30 * 60_000, sessionBytes: 50 * 1024 * 1024, agentDayBytes: 1024 * 1024 * 1024, knowledgeFileBytes: 20 * 1024 * 1024 },
      examplesPort: 8788,
      rateLimits: { chatPerIpPerMinute: 60, unlockPerIpPer15Min: 10 },
      toolsAllowPrivate: false,
      knowledgeWeb: { maxPages: 500, allowPrivate: false },
      providers: {},
      embedding: null,
    })
  })

  it('reads an embedding model: URL and model together (key optional, batch 64 unless set), else refuses without printing the key', () => {
    expect(
      loadConfig({ PORCH_EMBEDDING_URL: 'https://api.openai.com/v1/', PORCH_EMBEDDING_MODEL: 'text-embedding-3-small', PORCH_EMBEDDING_API_KEY: 'sk-xyz' })
        .embedding,
    ).toEqual({ url: 'https://api.openai.com/v1', model: 'text-embedding-3-small', apiKey: 'sk-xyz', batchSize: 64 })
    expect(loadConfig({ PORCH_EMBEDDING_URL: 'http://127.0.0.1:11434/v1', PORCH_EMBEDDING_MODEL: 'nomic', PORCH_EMBEDDING_BATCH: '8' }).embedding).toEqual({
      url: 'http://127.0.0.1:11434/v1',
      model: 'nomic',
      apiKey: undefined,
      batchSize: 8,
    })
    for (const env of <Array<Record<string, string>>>[
      { PORCH_EMBEDDING_URL: 'https://api.openai.com/v1' },
      { PORCH_EMBEDDING_MODEL: 'text-embedding-3-small', PORCH_EMBEDDING_API_KEY: 'sk-secret-never-printed' },
    ]) {
      const error = configError(env)
      expect(error.message).toMatch(/PORCH_EMBEDDING_URL, PORCH_EMBEDDING_MODEL: set both/)
      expect(error.message).not.toContain('sk-secret-never-printed')
    }
    for (const batch of ['0', '2049', 'many']) expect(configError({ PORCH_EMBEDDING_BATCH: batch }).message).toContain('PORCH_EMBEDDING_BATCH')
    expect(configError({ PORCH_EMBEDDING_URL: 'ftp://x', PORCH_EMBEDDING_MODEL: 'm' }).message).toContain('PORCH_EMBEDDING_URL')
  })

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', PORCH_PUBLIC_URL: '', PORCH_ADMIN_TOKEN: '', OPENAI_API_KEY: '' })
    expect([config.port, config.host, config.publicUrl, config.adminToken, config.providers]).toEqual([8787, '127.0.0.1', undefined, undefined, {}])
  })

  it('leaves the public URL to the port the host gets unless PORCH_PUBLIC_URL is set (kept without its trailing slash)', async () => {
    expect(loadConfig({ PORT: '9000' }).publicUrl).toBeUndefined()
    expect(loadConfig({ PORT: '9000', PORCH_PUBLIC_URL: 'https://chat.example.com/porch/' }).publicUrl).toBe('https://chat.example.com/porch')
    const host = await startTestHost()
    try {
      expect(host.publicUrl).toBe(`http://localhost:${new URL(host.url).port}`)
      expect(host.publicUrl).not.toBe('http://localhost:0')
    } finally {
      await host.stop()
    }
  })

  it('reads every variable it knows', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      PORCH_DB: ':memory:',
      PORCH_ADMIN_TOKEN: 'a'.repeat(24),
      PORCH_SECRET: 's'.repeat(32),
      PORCH_TRUST_PROXY: '2',
      PORCH_HEARTBEAT_SECONDS: '0.5',
      PORCH_RESUME_GRACE_MS: '0',
      PORCH_SHUTDOWN_GRACE_SECONDS: '2.5',
      PORCH_MODEL_TIMEOUT_SECONDS: '30',
      PORCH_FILE_RETENTION_DAYS: '30',
      PORCH_UPLOAD_UNUSED_MINUTES: '5',
      PORCH_ATTACHMENT_SESSION_MB: '2.5',
      PORCH_ATTACHMENT_AGENT_DAY_MB: '100',
    })
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      dbPath: ':memory:',
      adminToken: 'a'.repeat(24),
      secret: 's'.repeat(32),
      trustProxyHops: 2,
      heartbeatMs: 500,
      resumeGraceMs: 0,
      shutdownGraceMs: 2500,
      modelTimeoutMs: 30_000,
      fileRetentionMs: 30 * 86_400_000,
      uploads: { unusedMs: 5 * 60_000, sessionBytes: 2.5 * 1024 * 1024, agentDayBytes: 100 * 1024 * 1024, knowledgeFileBytes: 20 * 1024 * 1024 },
    })
  })

  it.each([
    ['PORT', 'notaport'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORCH_TRUST_PROXY', 'yes'],
    ['PORCH_TRUST_PROXY', '-1'],
    ['PORCH_TRUST_PROXY', '1.5'],
    ['PORCH_TRUST_PROXY', '11'],
    ['PORCH_PUBLIC_URL', 'localhost:8787'],
    ['PORCH_PUBLIC_URL', 'ftp://example.com'],
    ['PORCH_HEARTBEAT_SECONDS', '0'],
    ['PORCH_SHUTDOWN_GRACE_SECONDS', '-1'],
    ['PORCH_SHUTDOWN_GRACE_SECONDS', 'soon'],
    ['PORCH_SHUTDOWN_GRACE_SECONDS', '3601'],
    ['PORCH_MODEL_TIMEOUT_SECONDS', '0'],
    ['PORCH_MODEL_TIMEOUT_SECONDS', 'never'],
    ['PORCH_FILE_RETENTION_DAYS', '0'],
    ['PORCH_FILE_RETENTION_DAYS', 'forever'],
    ['PORCH_UPLOAD_UNUSED_MINUTES', '0'],
    ['PORCH_UPLOAD_UNUSED_MINUTES', '0.5'],
    ['PORCH_UPLOAD_UNUSED_MINUTES', 'never'],
    ['PORCH_UPLOAD_UNUSED_MINUTES', '10081'],
    ['PORCH_ATTACHMENT_SESSION_MB', '0'],
    ['PORCH_ATTACHMENT_SESSION_MB', '-5'],
    ['PORCH_ATTACHMENT_SESSION_MB', '50MB'],
    ['PORCH_ATTACHMENT_AGENT_DAY_MB', '0'],
    ['PORCH_ATTACHMENT_AGENT_DAY_MB', 'unlimited'],
    ['PORCH_ATTACHMENT_AGENT_DAY_MB', '2000000'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['ANTHROPIC_BASE_URL', 'file:///etc/passwd'],
  ])('refuses %s=%j with a ConfigError naming it', (name, value) => {
    const error = configError({ [name]: value })
    expect(error.name).toBe('ConfigError')
    expect(error.message).toMatch(new RegExp(`^  ${name}: `, 'm'))
  })

  it('reads attachment budgets in MiB, fractions too, as whole bytes', () => {
    expect(loadConfig({ PORCH_ATTACHMENT_SESSION_MB: '0.001', PORCH_ATTACHMENT_AGENT_DAY_MB: '0.5' }).uploads).toMatchObject({
      sessionBytes: 1048,
      agentDayBytes: 524_288,
    })
  })

  it('refuses a whitespace-only PORT instead of quietly listening on a random port', () => {
    // Number(' ') is 0, and port 0 means "any free port": a typo must not move the host.
    expect(configError({ PORT: ' ' }).message).toMatch(/^ {2}PORT: /m)
  })

  it('refuses a short PORCH_ADMIN_TOKEN or PORCH_SECRET without printing it', () => {
    const token = configError({ PORCH_ADMIN_TOKEN: 'short-token-123' })
    expect(token.message).toMatch(/^ {2}PORCH_ADMIN_TOKEN: must be at least 24 characters$/m)
    expect(token.message).not.toContain('short-token-123')
    const secret = configError({ PORCH_SECRET: 'x'.repeat(31) })
    expect(secret.message).toMatch(/^ {2}PORCH_SECRET: must be at least 32 characters$/m)
    expect(secret.message).not.toContain('x'.repeat(31))
  })

  it('refuses a PORCH_ADMIN_TOKEN that no Authorization header could carry, without printing it', () => {
    for (const [token, reason] of [
      ['correct horse battery staple', /must be printable ASCII without spaces/],
      ['x'.repeat(513), /must be at most 512 characters/],
      ['tök'.repeat(10), /must be printable ASCII without spaces/],
    ] as const) {
      const error = configError({ PORCH_ADMIN_TOKEN: token })
      expect(error.message).toMatch(new RegExp(`^ {2}PORCH_ADMIN_TOKEN: ${reason.source}`, 'm'))
      expect(error.message).not.toContain(token)
    }
    expect(loadConfig({ PORCH_ADMIN_TOKEN: `${'x'.repeat(511)}!` }).adminToken).toHaveLength(512)
  })

  it('takes a postgres:// or postgresql:// URL for PORCH_DATABASE_URL, and never repeats a bad one', () => {
    for (const url of [
      'postgres://porch:s3cret@db.example.com:5432/porch',
      'postgresql://porch@127.0.0.1/porch?sslmode=require',
      'postgres://porch@/porch?host=/var/run/postgresql',
      'postgres://porch:p@ss#word@[::1]:5433/porch',
      'postgres://porch:s3cret@db1.example.com:5432,db2.example.com:5432/porch',
    ]) {
      expect(loadConfig({ PORCH_DATABASE_URL: url }).databaseUrl).toBe(url)
    }
    expect(loadConfig({ PORCH_DATABASE_URL: '' }).databaseUrl).toBeNull()
    for (const url of [
      'mysql://porch:s3cret@db.example.com/porch',
      'http://porch:s3cret@db.example.com/porch',
      'postgres://porch:s3cret@/porch',
      'porch:s3cret@db.example.com/porch',
      'postgres://porch:s3cret@db.example.com:port/porch',
      'postgres://porch:s3cret@db.example.com:5432,/porch',
    ]) {
      const error = configError({ PORCH_DATABASE_URL: url })
      expect(error.message).toMatch(/^ {2}PORCH_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/m)
      expect(error.message).not.toContain('s3cret')
    }
  })

  it('takes a redis:// or rediss:// URL for PORCH_REDIS_URL, only with PostgreSQL, and never repeats a bad one', () => {
    const db = 'postgres://porch@127.0.0.1/porch'
    for (const url of ['redis://127.0.0.1:6379', 'redis://:s3cret@cache.example.com:6379/2', 'rediss://porch:s3cret@[::1]:6380', 'redis://cache?family=6']) {
      expect(loadConfig({ PORCH_DATABASE_URL: db, PORCH_REDIS_URL: url }).redisUrl).toBe(url)
    }
    expect(loadConfig({ PORCH_DATABASE_URL: db, PORCH_REDIS_URL: '' }).redisUrl).toBeNull()
    for (const url of ['http://:s3cret@cache.example.com', 'redis://:s3cret@', 'redis://:s3cret@cache:port', 'redis://:s3cret@cache/db1', 'cache:6379']) {
      const error = configError({ PORCH_DATABASE_URL: db, PORCH_REDIS_URL: url })
      expect(error.message).toMatch(/^ {2}PORCH_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/m)
      expect(error.message).not.toContain('s3cret')
    }
    // A SQLite file belongs to one host: sharing Redis without sharing the data would split the hosts' sessions.
    const alone = configError({ PORCH_REDIS_URL: 'redis://:s3cret@127.0.0.1:6379' })
    expect(alone.message).toMatch(/PORCH_REDIS_URL: the shared mode \(several hosts\) needs PORCH_DATABASE_URL too/)
    expect(alone.message).not.toContain('s3cret')
  })

  it('names every bad variable at once', () => {
    const lines = configError({ PORT: 'x', PORCH_TRUST_PROXY: 'y', PORCH_PUBLIC_URL: 'z' })
      .message.split('\n')
      .slice(1)
      .map((line) => line.trim().split(':')[0])
    expect(lines.sort()).toEqual(['PORCH_PUBLIC_URL', 'PORCH_TRUST_PROXY', 'PORT'])
  })

  describe('providers', () => {
    it('configures none without keys or base URLs', () => {
      expect(loadConfig({ PORCH_DB: ':memory:' }).providers).toEqual({})
    })

    it('configures OpenAI alone from its key', () => {
      expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).providers).toEqual({ openai: { apiKey: 'sk-test', baseURL: undefined } })
    })

    it('configures an OpenAI-compatible server from its base URL alone (Ollama needs no key)', () => {
      expect(loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1' }).providers).toEqual({
        openai: { apiKey: undefined, baseURL: 'http://localhost:11434/v1' },
      })
    })

    it('configures Anthropic alone from its key or base URL', () => {
      expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-ant' }).providers).toEqual({ anthropic: { apiKey: 'sk-ant', baseURL: undefined } })
      expect(loadConfig({ ANTHROPIC_BASE_URL: 'https://proxy.example.com' }).providers).toEqual({
        anthropic: { apiKey: undefined, baseURL: 'https://proxy.example.com' },
      })
    })

    it('configures both when both have keys', () => {
      expect(Object.keys(loadConfig({ OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b' }).providers).sort()).toEqual(['anthropic', 'openai'])
    })
  })
})

describe('host/main.ts with a bad environment', () => {
  it('exits with code 1 and a message on stderr naming the variable', async () => {
    const exit = await runMainToExit({ PORT: 'notaport', PORCH_DB: ':memory:' })
    expect(exit.code).toBe(1)
    expect(exit.stderr).toMatch(/^Porch cannot start\. Invalid environment:\n {2}PORT: /)
    expect(exit.stdout).toBe('')
  })

  it('stops when PORCH_DATABASE_URL leads to no server, naming the variable and masking the password', async () => {
    const exit = await runMainToExit({ PORT: '0', PORCH_DB: ':memory:', PORCH_DATABASE_URL: 'postgres://porch:s3cret@127.0.0.1:1/porch' })
    expect(exit.code).toBe(1)
    expect(exit.stderr).toMatch(
      /^Porch cannot start\. PORCH_DATABASE_URL: cannot use the PostgreSQL database at postgres:\/\/porch:\*\*\*@127\.0\.0\.1:1\/porch: .*ECONNREFUSED/,
    )
    expect(exit.stderr).not.toContain('s3cret')
    expect(exit.stdout).toBe('')
  })
})
