/**
 * The compiled host's entry (`npm run start:prod`, `node dist/server/host/start.js`): turns on
 * V8's compile cache before main.ts and the modules it imports are compiled (static imports are
 * all compiled before any of them runs, so main.ts itself would be too late), then starts the
 * host. The cache lives in Node's default place ($TMPDIR/node-compile-cache, or
 * NODE_COMPILE_CACHE); where it cannot be written the host starts without it.
 */
import { enableCompileCache } from 'node:module'

enableCompileCache()
await import('./main.ts')
