/**
 * Imported first by host/main.ts, so it runs before any other module loads: on a Node.js older
 * than Porch supports (package.json `engines`), it says so and stops, where better-sqlite3's
 * Node-API binary (which needs Node 22) would otherwise crash the process without a word.
 */
const SUPPORTED = 'Node.js 22 (≥ 22.12) or 24 (≥ 24.11), the LTS lines'

/** Whether Porch supports this Node.js version (`process.versions.node`): package.json's `^22.12.0 || >=24.11.0`. */
export function supportsNode(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return (major === 22 && minor >= 12) || (major === 24 && minor >= 11) || major > 24
}

if (!supportsNode(process.versions.node)) {
  process.stderr.write(`Porch cannot start: it needs ${SUPPORTED}, and this is Node.js ${process.version}.\n`)
  process.exit(1)
}
