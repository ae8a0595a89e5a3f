/**
 * PORCH_UPLOAD_UNUSED_MINUTES on the store: the sweep deletes every upload no message claimed
 * once it is older than the limit, in batches, and nothing else: younger uploads, claimed ones
 * and tools' output files stay. It also forgets the daily counts of past days.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// SQLite-only on purpose: it backdates uploads and day counts with SQL (the Store sets every time itself); the store's sweeps are in the contract suite (files).
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { AgentConfigSchema } from '../../../shared/index.ts'
import { createSqliteStore } from '../../store/sqlite-store.ts'
import { utcDay } from '../../store/utc-day.ts'
import { eventually } from '../../testing/harness.ts'
import { sweepUnusedUploads } from './upload-sweep.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-upload-sweep-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const BUDGET = { sessionBytes: 1e9, agentDayBytes: 1e9, day: utcDay(Date.now()) }

describe('sweepUnusedUploads', () => {
  it('deletes the old unclaimed uploads in batches, and keeps young, claimed and output files and today’s count', async () => {
    const dbPath = join(dir, 'sweep.db')
    const store = createSqliteStore(dbPath)
    const agent = await store.createAgent({ name: 'a', description: '', config: AgentConfigSchema.parse({}) })
    const key = { agentId: agent.id, scope: 'public', sessionId: 's' }
    const attach = async (i: number) => {
      const outcome = await store.saveAttachment(
        { id: crypto.randomUUID(), ...key, filename: `a${i}.txt`, contentType: 'text/plain', size: 1, data: new Uint8Array([65]) },
        BUDGET,
      )
      if (outcome.kind !== 'saved') throw new Error(outcome.kind)
      return outcome.file.id
    }
    const old = await Promise.all(Array.from({ length: 450 }, (_, i) => attach(i)))
    const claimed = await attach(1000)
    const young = await attach(1001)
    const output = await store.saveFile({
      id: crypto.randomUUID(),
      ...key,
      kind: 'output',
      filename: 'out.csv',
      contentType: 'text/csv',
      size: 1,
      traceId: null,
      data: new Uint8Array([65]),
    })
    expect(await store.claimAttachments(key, [claimed, crypto.randomUUID()])).toEqual([claimed])

    const db = new Database(dbPath)
    const age = db.prepare("UPDATE unused_attachments SET created_at = '2020-01-01T00:00:00.000Z' WHERE file_id = ?")
    for (const id of old) age.run(id)
    db.prepare("UPDATE files SET created_at = '2020-01-01T00:00:00.000Z' WHERE id IN (?, ?)").run(claimed, output.id)
    db.prepare("INSERT INTO attachment_days (agent_id, day, bytes) VALUES (?, '2020-01-01', 5)").run(agent.id)
    const days = () => db.prepare('SELECT day, bytes FROM attachment_days ORDER BY day').all()

    const said: string[] = []
    const sweeper = sweepUnusedUploads(store, 30 * 60_000, { info: (message) => said.push(message), error: (message) => said.push(`error: ${message}`) })
    try {
      await eventually(() => said.find((line) => line.startsWith('deleted')))
      await eventually(() => (days().length === 1 ? true : undefined))
    } finally {
      sweeper.stop()
    }
    expect(said).toEqual([expect.stringMatching(/^deleted 450 attachment\(s\) that no message named since before \d{4}-.*PORCH_UPLOAD_UNUSED_MINUTES/)])
    expect(await store.getFiles(key, old)).toEqual([])
    expect((await store.getFiles(key, [claimed, young, output.id])).map((file) => file.filename)).toEqual(['a1000.txt', 'a1001.txt', 'out.csv'])
    // Today's count still holds every upload, the swept ones too.
    expect(days()).toEqual([{ day: BUDGET.day, bytes: 452 }])
    db.close()
    await store.close()
  })
})
