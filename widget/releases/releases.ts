/**
 * Released widget files: what `npm run widget:freeze` writes and widget/releases.test.ts checks.
 * A release folder holds the files a version's snippets pinned; once handed out they never change,
 * or every site that pasted that snippet (with its SRI hash) loses its chat.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RELEASED_FILES, VERSION_PATTERN } from '../../host/widget-assets.ts'

export type Difference = { file: string; problem: 'missing' | 'differs' }

/** How the release folder differs from a build: a file it lacks, or one with other bytes. */
export function releaseDifferences(builtDir: string, releaseDir: string): Difference[] {
  return RELEASED_FILES.flatMap((file): Difference[] => {
    const released = join(releaseDir, file)
    if (!existsSync(released)) return [{ file, problem: 'missing' }]
    return readFileSync(released).equals(readFileSync(join(builtDir, file))) ? [] : [{ file, problem: 'differs' }]
  })
}

/** Copies the built files into releasesDir/version; refuses to change a file already there. */
export function freezeRelease(builtDir: string, releasesDir: string, version: string): { written: string[] } {
  if (!VERSION_PATTERN.test(version)) throw new Error(`package.json's version ${JSON.stringify(version)} is not a plain semver version.`)
  const missingBuild = RELEASED_FILES.filter((file) => !existsSync(join(builtDir, file)))
  if (missingBuild.length > 0) throw new Error(`The build made no ${missingBuild.join(', ')} in ${builtDir}.`)
  const releaseDir = join(releasesDir, version)
  const differences = releaseDifferences(builtDir, releaseDir)
  const changed = differences.filter((d) => d.problem === 'differs').map((d) => d.file)
  if (changed.length > 0) {
    throw new Error(
      `widget/releases/${version}/ already holds a different ${changed.join(' and ')}. Released files never change: bump the version in package.json` +
        ` and freeze again. (Only if ${version} was never handed out, that is never committed on main, may you delete that folder and freeze it anew.)`,
    )
  }
  mkdirSync(releaseDir, { recursive: true })
  const written = differences.map((d) => d.file)
  for (const file of written) copyFileSync(join(builtDir, file), join(releaseDir, file))
  return { written }
}
