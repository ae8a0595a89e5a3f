/**
 * What the reliability tests share: a chat stream followed event by event (so a test can act
 * while it runs, and see exactly where it ended), raw HTTP on one socket, and a direct read of
 * the SQLite file, as an operator would look at it after a crash or a shutdown.
 */

import { request as httpRequest } from 'node:http'
import { connect, type Socket } from 'node:net'
// SQLite-only on purpose: it reads the file as an operator would after a crash or a shutdown (PRAGMA integrity_check and raw rows).
import Database from 'better-sqlite3'
import type { ContentBlock, StreamEvent } from '../../shared/index.ts'
import { parseSse } from '../testing/harness.ts'

/** A chat whose SSE stream is read as it arrives. */
export type LiveChat = {
  status: number | null
  events: StreamEvent[]
  /** The stream broke instead of ending (the host went away under it). */
  broken: boolean
  /** Settles when the stream has ended or broken. */
  closed: Promise<void>
  text(): string
  last<T extends StreamEvent['event_type']>(type: T): Extract<StreamEvent, { event_type: T }> | undefined
}

export function followChat(url: string, body: object, headers: Record<string, string> = {}): LiveChat {
  const chat: LiveChat = {
    status: null,
    events: [],
    broken: false,
    closed: Promise.resolve(),
    text: () => chat.events.map((event) => (event.event_type === 'text_delta' ? event.text : '')).join(''),
    last: (type) => chat.events.findLast((event) => event.event_type === type) as never,
  }
  chat.closed = (async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    chat.status = response.status
    if (response.status !== 200) return void (await response.text())
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      const end = buffer.lastIndexOf('\n\n')
      if (end === -1) continue
      for (const { data } of parseSse(buffer.slice(0, end + 2))) chat.events.push(data)
      buffer = buffer.slice(end + 2)
    }
  })().catch(() => {
    chat.broken = true
  })
  return chat
}

/** What one fresh connection gets for a GET: a status, or `refused` when nothing accepts it. */
export function probe(url: string): Promise<{ status: number; retryAfter: string | null } | 'refused'> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null }))
    })
    // A listener that closed refuses; one that closes while accepting may reset instead.
    req.on('error', () => resolve('refused'))
    req.end()
  })
}

/** An HTTP/1.1 exchange written by hand on one socket, for requests no client library would send. */
export type RawExchange = { socket: Socket; write(text: string): void; response: Promise<string> }

export function rawExchange(url: string, head: string): Promise<RawExchange> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      let text = ''
      const response = new Promise<string>((done) => {
        socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        socket.on('close', () => done(text))
        socket.on('error', () => {})
      })
      socket.write(head)
      resolve({ socket, write: (more) => socket.write(more), response })
    })
    socket.once('error', reject)
  })
}

export type MessageRow = { session_pk: number; session_id: string; scope: string; seq: number; role: string; content: string; status: string; trace_id: string }
export type TraceRow = { trace_id: string; session_id: string; status: string; error: string | null }

/** Reads a database file directly, as a new process would after the host stopped. */
export function inspectDatabase(path: string) {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    const integrity = db.pragma('integrity_check', { simple: true })
    const messages = db
      .prepare<[], MessageRow>(
        `SELECT m.session_pk, s.id AS session_id, s.scope, m.seq, m.role, m.content, m.status, m.trace_id
         FROM messages m JOIN sessions s ON s.pk = m.session_pk ORDER BY m.session_pk, m.seq`,
      )
      .all()
    const traces = new Map(
      db
        .prepare<[], TraceRow>('SELECT trace_id, session_id, status, error FROM traces')
        .all()
        .map((row) => [row.trace_id, row]),
    )
    return { integrity, messages, traces }
  } finally {
    db.close()
  }
}

export const textOfContent = (json: string) => (JSON.parse(json) as ContentBlock[]).map((block) => (block.type === 'text' ? block.text : '')).join('')

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
