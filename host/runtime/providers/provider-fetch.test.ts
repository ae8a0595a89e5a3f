/**
 * providerFetch against a real HTTP server on 127.0.0.1: bodies stream as they arrive, and every
 * failure looks as the global fetch's does, so the AI SDK reads it the same way (retries a
 * refused connection, passes an abort through, reports a cut stream).
 */

import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createOpenAI } from '@ai-sdk/openai'
import { APICallError } from 'ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providerFetch } from './provider-fetch.ts'

let base = ''
let release = () => {}
let flakyRequests = 0
const held: ServerResponse[] = []
const server = createServer((request, response) => {
  let body = ''
  request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
  request.on('end', () => {
    switch (request.url) {
      case '/echo':
        response.writeHead(201, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] })
        response.end(JSON.stringify({ method: request.method, headers: request.headers, body }))
        return
      case '/stream':
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.write('first ')
        release = () => response.end('second')
        return
      case '/cut':
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' })
        response.write('only part')
        setTimeout(() => response.socket?.destroy(), 20)
        return
      case '/empty':
        response.writeHead(204).end()
        return
      case '/moved':
        response.writeHead(302, { location: '/echo' }).end()
        return
      case '/hang':
        held.push(response)
        return
      case '/flaky-keepalive': {
        // The second request on a connection finds it closed, as when a server's keep-alive
        // limit ends just as the client reuses the connection.
        const socket = request.socket as typeof request.socket & { served?: number }
        socket.served = (socket.served ?? 0) + 1
        flakyRequests += 1
        if (socket.served === 2) return void socket.destroy()
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end(`answer ${flakyRequests}`)
        return
      }
    }
  })
})

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const response of held) response.destroy()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('providerFetch', () => {
  it('sends the method, headers (unset ones left out) and body, and returns status and every header', async () => {
    const response = await providerFetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-unset': undefined } as never,
      body: '{"a":1}',
    })
    expect(response.status).toBe(201)
    expect(response.ok).toBe(true)
    expect(response.headers.get('x-twice')).toBe('a, b')
    const echoed = await response.json()
    expect(echoed).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
    expect(echoed.headers).not.toHaveProperty('x-unset')
  })

  it('streams the body as it arrives', async () => {
    const response = await providerFetch(`${base}/stream`)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    expect((await reader.read()).value).toBe('first ')
    release()
    expect((await reader.read()).value).toBe('second')
    expect((await reader.read()).done).toBe(true)
  })

  it('gives a body-less status a null body', async () => {
    const response = await providerFetch(`${base}/empty`, { method: 'DELETE' })
    expect(response.status).toBe(204)
    expect(response.body).toBeNull()
  })

  it('does not follow redirects', async () => {
    const response = await providerFetch(`${base}/moved`)
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/echo')
  })

  it('rejects a refused connection as the global fetch does, which the SDK retries', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await providerFetch(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as TypeError).message).toBe('fetch failed')
    expect(String((error as TypeError).cause)).toContain('ECONNREFUSED')

    const model = createOpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k', fetch: providerFetch }).chat('m')
    const sdkError = await Promise.resolve(model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })).catch(
      (caught: unknown) => caught,
    )
    expect(APICallError.isInstance(sdkError)).toBe(true)
    expect((sdkError as APICallError).isRetryable).toBe(true)
  })

  it('rejects with the abort reason when aborted before the answer', async () => {
    const controller = new AbortController()
    const pending = providerFetch(`${base}/hang`, { signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    const error = await pending.catch((caught: unknown) => caught)
    expect((error as Error).name).toBe('AbortError')
    await expect(providerFetch(`${base}/echo`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('errors the body with the abort reason when aborted mid-stream', async () => {
    const controller = new AbortController()
    const response = await providerFetch(`${base}/stream`, { signal: controller.signal })
    const reader = response.body!.getReader()
    await reader.read()
    controller.abort()
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('errors the body as "terminated" when the connection is cut before its end', async () => {
    const response = await providerFetch(`${base}/cut`)
    const error = await response.text().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as TypeError).message).toBe('terminated')
  })

  it('sends a request again at once when its kept-alive connection was closed under it', async () => {
    expect(await (await providerFetch(`${base}/flaky-keepalive`, { method: 'POST', body: 'one' })).text()).toBe('answer 1')
    // Reuses the connection, which the server drops: sent again on a fresh one.
    const again = await providerFetch(`${base}/flaky-keepalive`, { method: 'POST', body: 'two' })
    expect(await again.text()).toBe('answer 3')
    expect(flakyRequests).toBe(3)
  })

  it('refuses a URL that is not http or https', async () => {
    await expect(providerFetch('file:///etc/passwd')).rejects.toThrow('fetch failed')
  })
})
