/**
 * Times one streamed POST with node:http (the lightest client Node has, so its own cost is
 * small and the same for every target): when the first chunk matching `firstToken` arrived,
 * and when the response ended, both in milliseconds from the start of the request.
 */
import { Agent, request } from 'node:http'

export type Timing = { firstTokenMs: number; totalMs: number }

export const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 })

export function timePost(url: string, body: unknown, firstToken: RegExp, agent = keepAlive): Promise<Timing> {
  const payload = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let firstTokenMs = NaN
    let seen = ''
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url} → HTTP ${res.statusCode}`))
        res.setEncoding('utf8')
        res.on('data', (text: string) => {
          if (!Number.isNaN(firstTokenMs)) return
          seen += text
          if (firstToken.test(seen)) firstTokenMs = performance.now() - started
        })
        res.on('end', () => resolve({ firstTokenMs, totalMs: performance.now() - started }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}
