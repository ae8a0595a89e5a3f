/**
 * `npm run migrate-store -- --from ./data/porch.db --to postgres://…`: the command line of
 * migrate-store.ts. `--to` may be left out when PORCH_DATABASE_URL is set (the password then
 * stays out of the shell's history). Exits 1 with a message (never the password) on a refusal.
 */
import { parseArgs } from 'node:util'
import { MigrateStoreError, migrateStore } from './migrate-store.ts'

const USAGE = 'usage: npm run migrate-store -- --from ./data/porch.db --to postgres://USER:PASSWORD@HOST:5432/DATABASE'

async function main(): Promise<number> {
  let from: string | undefined
  let to: string | undefined
  try {
    const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean' } } })
    if (values.help) {
      console.log(USAGE)
      return 0
    }
    from = values.from
    to = values.to ?? process.env.PORCH_DATABASE_URL
  } catch (error) {
    console.error(`migrate-store: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
    return 2
  }
  if (!from || !to) {
    console.error(`migrate-store: --from and --to (or PORCH_DATABASE_URL) are needed\n${USAGE}`)
    return 2
  }
  try {
    await migrateStore({ from, to, log: (line) => console.log(line) })
    return 0
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    console.error(error instanceof MigrateStoreError ? `migrate-store: refused: ${message}` : `migrate-store: failed, no data was copied: ${message}`)
    return 1
  }
}

process.exitCode = await main()
