/**
 * Released widget versions stay as they were handed out. Every version a host ever gave out a
 * snippet for is frozen in widget/releases/<version>/, and the current build must equal the
 * current version's frozen files: a widget change under a version that may already be pasted on
 * sites (with its SRI hash) cannot land without a version bump and `npm run widget:freeze`.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { RELEASED_FILES, RELEASES_DIR, VERSION_PATTERN, WIDGET_VERSION } from '../host/widget-assets.ts'
import { freezeRelease, releaseDifferences } from './releases/releases.ts'

const BUILT = fileURLToPath(new URL('../dist/widget', import.meta.url))
const releases = readdirSync(RELEASES_DIR).filter((name) => statSync(join(RELEASES_DIR, name)).isDirectory())
const sha384 = (path: string) => `sha384-${createHash('sha384').update(readFileSync(path)).digest('base64')}`

describe('widget/releases', () => {
  it('holds one folder per version, each with exactly the released files', () => {
    expect(releases).toContain('0.1.0')
    for (const version of releases) {
      expect(version, `widget/releases/${version} is named by a semver version`).toMatch(VERSION_PATTERN)
      expect(readdirSync(join(RELEASES_DIR, version)).sort(), version).toEqual([...RELEASED_FILES].sort())
    }
  })

  it("has each release's embed.js load the porch-chat.js of its own version, and nothing else from the host", () => {
    for (const version of releases) {
      const embed = readFileSync(join(RELEASES_DIR, version, 'embed.js'), 'utf8')
      expect(
        [...embed.matchAll(/\/widget\/([^/`'"]+)\/([\w.-]+)/g)].map((m) => `${m[1]}/${m[2]}`),
        version,
      ).toEqual([`${version}/porch-chat.js`])
      expect(readFileSync(join(RELEASES_DIR, version, 'porch-chat.js'), 'utf8'), version).toContain('customElements.define("porch-chat"')
    }
  })

  it('keeps the 0.1.0 files that 0.1.0 hosts handed out, byte for byte', () => {
    expect(sha384(join(RELEASES_DIR, '0.1.0/embed.js'))).toBe('sha384-Xec+KeborNI/aE0UUFo8ID6mz+6ngNWv++lz9Kp8EFfyybnLP+8jUC9lNJyGdSFr')
    expect(sha384(join(RELEASES_DIR, '0.1.0/porch-chat.js'))).toBe('sha384-oYxqeQYIt50z+ejHEHHkXREiz2QL87lXyGtkVOdkegCQd38EvBAb6fwBg3qo3ImE')
  })

  it(`has frozen the current version (${WIDGET_VERSION}) exactly as it builds`, () => {
    const release = join(RELEASES_DIR, WIDGET_VERSION)
    expect(existsSync(release), `widget/releases/${WIDGET_VERSION} is missing: run \`npm run widget:freeze\` and commit the folder`).toBe(true)
    const differences = releaseDifferences(BUILT, release)
    expect(
      differences,
      `The widget build differs from the frozen widget/releases/${WIDGET_VERSION}/, which sites may already pin by its SRI hash. ` +
        'Bump the version in package.json and run `npm run widget:freeze`.',
    ).toEqual([])
  })
})

describe('freezeRelease (npm run widget:freeze)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'porch-freeze-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const build = (name: string, files: Record<string, string>) => {
    mkdirSync(join(dir, name), { recursive: true })
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, name, file), text)
    return join(dir, name)
  }
  const read = (path: string) => readFileSync(join(dir, 'releases', path), 'utf8')
  const v1 = build('v1', { 'embed.js': 'embed 1', 'porch-chat.js': 'chat 1' })

  it('copies the build into a new release folder, then finds nothing to do', () => {
    expect(freezeRelease(v1, join(dir, 'releases'), '1.0.0').written).toEqual(['embed.js', 'porch-chat.js'])
    expect([read('1.0.0/embed.js'), read('1.0.0/porch-chat.js')]).toEqual(['embed 1', 'chat 1'])
    expect(freezeRelease(v1, join(dir, 'releases'), '1.0.0').written).toEqual([])
  })

  it('refuses to change a released file, and leaves the release as it was', () => {
    freezeRelease(v1, join(dir, 'releases'), '1.1.0')
    const changed = build('changed', { 'embed.js': 'embed 1', 'porch-chat.js': 'chat 2' })
    expect(() => freezeRelease(changed, join(dir, 'releases'), '1.1.0')).toThrow(
      /different porch-chat\.js\. Released files never change: bump the version in package\.json/,
    )
    expect(read('1.1.0/porch-chat.js')).toBe('chat 1')
    expect(freezeRelease(changed, join(dir, 'releases'), '1.2.0').written).toEqual(['embed.js', 'porch-chat.js'])
  })

  it('completes a release that lacks a file, without touching the one it has', () => {
    build('releases/2.0.0', { 'embed.js': 'embed 1' })
    expect(freezeRelease(v1, join(dir, 'releases'), '2.0.0').written).toEqual(['porch-chat.js'])
    expect(read('2.0.0/porch-chat.js')).toBe('chat 1')
  })

  it('refuses a version that is not plain semver, and a build without its files', () => {
    for (const version of ['../1.0.0', '1.0', 'latest', ''])
      expect(() => freezeRelease(v1, join(dir, 'releases'), version), version).toThrow(/not a plain semver/)
    expect(() => freezeRelease(build('empty', {}), join(dir, 'releases'), '3.0.0')).toThrow(/no embed\.js, porch-chat\.js/)
    expect(existsSync(join(dir, 'releases/3.0.0'))).toBe(false)
  })
})
