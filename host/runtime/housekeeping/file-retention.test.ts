/**
 * PORCH_FILE_RETENTION_DAYS: files older than the retention are deleted (at start, then hourly,
 * in batches); younger ones stay. A deleted attachment's download is 404, its message stays in
 * the history, and the session goes on with the model told the file is gone.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// SQLite-only on purpose: it backdates files with SQL (the Store sets every time itself); the store's deleteFilesCreatedBefore is in the contract suite (files).
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../../shared/index.ts'
import { createSqliteStore } from '../../store/sqlite-store.ts'
import { startFakeOpenAI } from '../../testing/fake-providers.ts'
import { eventually, startTestHost } from '../../testing/harness.ts'
import { sweepOldFiles } from './file-retention.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-retention-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const age = (dbPath: string, fileIds: string[], createdAt: string) => {
  const db = new Database(dbPath)
  const update = db.prepare('UPDATE files SET created_at = ? WHERE id = ?')
  for (const id of fileIds) update.run(createdAt, id)
  db.close()
}

describe('sweepOldFiles', () => {
  it('deletes every file older than the retention, in batches, and keeps the younger ones', async () => {
    const dbPath = join(dir, 'sweep.db')
    const store = createSqliteStore(dbPath)
    const agent = await store.createAgent({ name: 'a', description: '', config: AgentConfigSchema.parse({}) })
    const save = (i: number) =>
      store.saveFile({
        id: crypto.randomUUID(),
        agentId: agent.id,
        scope: 'public',
        sessionId: 's',
        kind: 'output',
        filename: `f${i}.txt`,
        contentType: 'text/plain',
        size: 1,
        traceId: null,
        data: new Uint8Array([65]),
      })
    const old = await Promise.all(Array.from({ length: 450 }, (_, i) => save(i)))
    const young = await Promise.all(Array.from({ length: 3 }, (_, i) => save(1000 + i)))
    age(
      dbPath,
      old.map((file) => file.id),
      '2020-01-01T00:00:00.000Z',
    )

    const said: string[] = []
    const sweeper = sweepOldFiles(store, 30 * 86_400_000, { info: (message) => said.push(message), error: (message) => said.push(`error: ${message}`) })
    try {
      await eventually(() => said.find((line) => line.startsWith('deleted')))
    } finally {
      sweeper.stop()
    }
    expect(said).toEqual([expect.stringMatching(/^deleted 450 file\(s\) created before \d{4}-.*PORCH_FILE_RETENTION_DAYS/)])
    const key = { agentId: agent.id, scope: 'public', sessionId: 's' }
    expect(
      await store.getFiles(
        key,
        old.map((file) => file.id),
      ),
    ).toEqual([])
    expect(
      (
        await store.getFiles(
          key,
          young.map((file) => file.id),
        )
      ).map((file) => file.filename),
    ).toEqual(['f1000.txt', 'f1001.txt', 'f1002.txt'])
    await store.close()
  })
})

describe('a host with PORCH_FILE_RETENTION_DAYS', () => {
  it('deletes an old attachment at start; its download is 404 and the session goes on without it', async () => {
    const model = await startFakeOpenAI(() => ({ text: ['Noted.'] }))
    const dbPath = join(dir, 'host.db')
    const env = { PORCH_DB: dbPath, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' }
    let host = await startTestHost(env)
    try {
      const agent = await host.owner.publishedAgent({ model: 'openai:gpt-test', attachments: true }, { api_response_mode: 'non_streaming' })
      const base = `/api/v1/published/${agent.id}`
      const upload = async (filename: string, text: string) => {
        const response = await fetch(`${host.url}${base}/sessions/visit/attachments?filename=${filename}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: text,
        })
        expect(response.status).toBe(201)
        return ((await response.json()) as { file_id: string }).file_id
      }
      const oldFile = await upload('old.txt', 'the old notes')
      const newFile = await upload('new.txt', 'the new notes')
      const first = await host.post(`${base}/chat/sync`, { request: 'Read these', session_id: 'visit', attachments: [oldFile, newFile] })
      expect((await first.json()).success).toBe(true)
      await host.stop()
      age(dbPath, [oldFile], '2020-01-01T00:00:00.000Z')

      host = await startTestHost({ ...env, PORCH_FILE_RETENTION_DAYS: '30' })
      const download = (fileId: string) => host.get(`${base}/sessions/visit/files/${fileId}`)
      await eventually(async () => ((await download(oldFile)).status === 404 ? true : undefined))
      expect((await download(newFile)).status).toBe(200)

      const next = await host.post(`${base}/chat/sync`, { request: 'And now?', session_id: 'visit' })
      expect((await next.json()).success).toBe(true)
      const sentToModel = JSON.stringify(model.requests.at(-1)!.body.messages)
      expect(sentToModel).toContain('(The attached file \\"old.txt\\" is no longer available.)')
      expect(sentToModel).toContain('the new notes')
      const history = await (await host.get(`${base}/sessions/visit`)).json()
      expect(history.messages[0].content.filter((block: { type: string }) => block.type === 'attachment')).toHaveLength(2)
    } finally {
      await host.stop()
      await model.close()
    }
  })
})
