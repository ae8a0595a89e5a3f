/**
 * Zod (v4.6) installs a "memoizer" that lets one parse follow reference cycles in the value.
 * Porch only ever parses acyclic values (JSON from the wire, the database and providers, and
 * messages it builds itself), but it pays for that support on every parse that uses a freshly
 * built schema: the AI SDK builds `z.array(modelMessageSchema)` on every model call, and the
 * memoizer walks the whole message schema again each time (it does not cache a walk that met a
 * lazy shape). Profiled, that walk was ~15% of a sync chat's CPU. A memoizer that does nothing
 * is what `zod/mini` runs without by default; a cyclic value (none can come from JSON) would
 * now overflow the stack with a RangeError instead of parsing.
 *
 * Imported for its effect by host/server.ts, before any schema parses.
 * zod-without-cycles.test.ts parses the same values with and without it.
 */
import { z } from 'zod'

type Memoizer = NonNullable<NonNullable<Parameters<typeof z.config>[0]>['memoizer']>

export const noMemoizer: Memoizer = {
  attach() {},
  guard() {},
  alloc: (_schema, _payload, empty) => empty,
}

z.config({ memoizer: noMemoizer })
