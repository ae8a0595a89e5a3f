/**
 * The widget files a host serves: the current version from the build, every older one from its
 * frozen release folder, and nothing else from the disk, whatever the path asks for.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHost, type TestHost } from './testing/harness.ts'
import { loadWidgetAssets, RELEASES_DIR, WIDGET_VERSION } from './widget-assets.ts'

const dir = mkdtempSync(join(tmpdir(), 'porch-assets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, '..'), { recursive: true })
  writeFileSync(join(dir, path), text)
}
const text = (asset: { body: Uint8Array } | null) => (asset ? new TextDecoder().decode(asset.body) : null)

write('dist/embed.js', 'current embed')
write('dist/porch-chat.js', 'current chat')
write('dist/secret.txt', 'not a widget file')
write('releases/0.0.1/embed.js', 'old embed')
write('releases/0.0.1/porch-chat.js', 'old chat')
write('releases/0.0.2-rc.1/embed.js', 'rc embed')
write(`releases/${WIDGET_VERSION}/embed.js`, 'a stale freeze of the current version')
write('releases/not-a-version/embed.js', 'junk')
write('releases/freeze.ts', 'code')
write('package.json', '{}')

describe('loadWidgetAssets', () => {
  it('serves the current version from the build and older ones from their release folders', () => {
    const assets = loadWidgetAssets(join(dir, 'dist'), join(dir, 'releases'))
    expect(assets.versions()).toEqual(['0.0.1', '0.0.2-rc.1', WIDGET_VERSION])
    expect(text(assets.get('embed.js'))).toBe('current embed')
    expect(text(assets.get('embed.js', WIDGET_VERSION))).toBe('current embed')
    expect(text(assets.get('embed.js', '0.0.1'))).toBe('old embed')
    expect(text(assets.get('porch-chat.js', '0.0.1'))).toBe('old chat')
    expect(text(assets.get('embed.js', '0.0.2-rc.1'))).toBe('rc embed')
    expect(assets.get('porch-chat.js', '0.0.2-rc.1')).toBeNull() // a half release serves what it has
    const old = assets.get('embed.js', '0.0.1')!
    expect(old.integrity).toBe(`sha384-${createHash('sha384').update('old embed').digest('base64')}`)
    expect(old.contentType).toBe('text/javascript; charset=utf-8')
    expect(old.etag).not.toBe(assets.get('embed.js')!.etag)
  })

  it('reads a release only when asked, then keeps it in memory', () => {
    write('releases/0.0.3/embed.js', 'first')
    const assets = loadWidgetAssets(join(dir, 'dist'), join(dir, 'releases'))
    write('releases/0.0.3/embed.js', 'second') // after loading, before the first request
    expect(text(assets.get('embed.js', '0.0.3'))).toBe('second')
    write('releases/0.0.3/embed.js', 'third')
    expect(text(assets.get('embed.js', '0.0.3'))).toBe('second')
  })

  it('reads nothing but the widget files of a listed version', () => {
    const assets = loadWidgetAssets(join(dir, 'dist'), join(dir, 'releases'))
    const refused: [string, string][] = [
      ['embed.js', 'not-a-version'],
      ['embed.js', '9.9.9'],
      ['embed.js', '../releases/0.0.1'],
      ['embed.js', '0.0.1/../0.0.1'],
      ['embed.js', '..'],
      ['embed.js', ''],
      ['secret.txt', WIDGET_VERSION],
      ['../package.json', '0.0.1'],
      ['freeze.ts', '0.0.1'],
      ['page.css', '0.0.1'], // the hosted pages are always the current version's
    ]
    for (const [name, version] of refused) expect(assets.get(name, version), `${version} ${name}`).toBeNull()
    expect(assets.get('page.css')?.contentType).toBe('text/css; charset=utf-8')
  })

  it('serves no older version when there is no releases folder', () => {
    const assets = loadWidgetAssets(join(dir, 'dist'), join(dir, 'missing'))
    expect(assets.versions()).toEqual([WIDGET_VERSION])
    expect(assets.get('embed.js', '0.0.1')).toBeNull()
  })
})

describe('GET /widget/:version/:file', () => {
  let host: TestHost
  beforeAll(async () => {
    host = await startTestHost()
  })
  afterAll(async () => {
    await host?.stop()
  })

  it('serves the frozen 0.1.0 files, as 0.1.0 hosts did, next to the current version', async () => {
    expect(WIDGET_VERSION).not.toBe('0.1.0') // this host is an upgrade
    for (const [version, file] of [
      ['0.1.0', 'embed.js'],
      ['0.1.0', 'porch-chat.js'],
      [WIDGET_VERSION, 'embed.js'],
    ] as const) {
      const response = await host.get(`/widget/${version}/${file}`)
      expect(response.status, `${version}/${file}`).toBe(200)
      const body = new Uint8Array(await response.arrayBuffer())
      expect(Buffer.from(body).equals(version === '0.1.0' ? readFileSync(join(RELEASES_DIR, version, file)) : Buffer.from(host.assets.get(file)!.body))).toBe(
        true,
      )
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      const etag = response.headers.get('etag')!
      expect(etag).toBe(host.assets.get(file, version)!.etag)
      expect((await host.get(`/widget/${version}/${file}`, { 'if-none-match': etag })).status).toBe(304)
    }
    expect(host.assets.get('embed.js', '0.1.0')!.integrity).toBe('sha384-Xec+KeborNI/aE0UUFo8ID6mz+6ngNWv++lz9Kp8EFfyybnLP+8jUC9lNJyGdSFr')
  })

  it('answers 404 for unknown versions, naming the ones it serves, and for every path trick', async () => {
    const unknown = await host.get('/widget/9.9.9/embed.js')
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.message).toBe(`Unknown widget version: this host serves ${host.assets.versions().join(', ')}.`)
    expect(host.assets.versions()).toEqual(expect.arrayContaining(['0.1.0', WIDGET_VERSION]))
    const tricks = [
      '/widget/0.1.0/page.css',
      '/widget/0.1.0/freeze.ts',
      '/widget/0.1.0/..%2F..%2F..%2Fpackage.json',
      '/widget/0.1.0/%2e%2e%2freleases.ts',
      '/widget/..%2F..%2Fpackage.json/embed.js',
      '/widget/..%2Freleases%2F0.1.0/embed.js',
      '/widget/0.1.0%2F..%2F0.1.0/embed.js',
      '/widget/releases/embed.js',
      '/widget/0.1/embed.js',
    ]
    for (const path of tricks) expect((await host.get(path)).status, path).toBe(404)
  })
})
