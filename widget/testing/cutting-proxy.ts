/**
 * A proxy between a client and a host that cuts the first chat stream after a few events, at
 * the start of a chunk, so the client holds every event before the cut (and their ids): what a
 * flaky network or a restarting proxy does to an SSE stream. Tests then check the resume.
 */
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'

export type CuttingProxy = {
  url: string
  /** The Last-Event-ID header of each chat POST that went through, in order. */
  chatRequests: (string | undefined)[]
  /** Forgets the chat POSTs seen, so the next one is cut again. */
  reset(): void
  close(): void
}

/** `isChat` picks the POSTs whose stream may be cut; the first of them is cut after `cutAfterEvents`. */
export async function startCuttingProxy(
  upstream: string,
  { isChat, cutAfterEvents }: { isChat: (path: string) => boolean; cutAfterEvents: number },
): Promise<CuttingProxy> {
  const chatRequests: (string | undefined)[] = []
  const target = new URL(upstream)
  const proxy = createServer((incoming, outgoing) => {
    const chat = incoming.method === 'POST' && isChat(incoming.url ?? '')
    if (chat) chatRequests.push(incoming.headers['last-event-id'] as string | undefined)
    const cut = chat && chatRequests.length === 1
    const forward = httpRequest(
      { host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers)
        let events = 0
        response.on('data', (chunk: Buffer) => {
          if (cut && events >= cutAfterEvents) {
            response.destroy()
            outgoing.socket?.destroy()
            return
          }
          outgoing.write(chunk)
          events += chunk.toString().split('\n\n').length - 1
        })
        response.on('end', () => outgoing.end())
      },
    )
    incoming.pipe(forward)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    chatRequests,
    reset() {
      chatRequests.length = 0
    },
    close() {
      proxy.closeAllConnections()
      proxy.close()
    },
  }
}
