/**
 * Imported first by host/main.ts, so it runs before any other module loads: on a Node.js older
 * than Porch supports (package.json `engines`), it says so and stops, where better-sqlite3's
 * Node-API binary (which needs Node 22) would otherwise crash the process without a word.
 */
const SUPPORTED = 'Node.js 22 (≥ 22.12) or 24 (≥ 24.11), the LTS lines'

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12) || major === 23 || (major === 24 && minor < 11)) {
  process.stderr.write(`Porch cannot start: it needs ${SUPPORTED}, and this is Node.js ${process.version}.\n`)
  process.exit(1)
}
