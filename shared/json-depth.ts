/**
 * How deep a parsed JSON value nests, measured without recursion. `JSON.parse` itself does not
 * recurse in V8, but everything after it does (`JSON.stringify`, zod, the AI SDK's schema
 * conversion): a body nested 100,000 levels deep overflowed the stack in `JSON.stringify`. So
 * every JSON body is measured by this loop first and refused when it nests deeper than a
 * real request ever does.
 */

/** Levels of arrays and objects any JSON the host takes may nest (a tool's input schema is the deepest real one, at ~10). */
export const JSON_MAX_DEPTH = 64

/** True when `value` nests arrays and objects more than `max` levels deep. */
export function nestsDeeperThan(value: unknown, max: number = JSON_MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (current === null || typeof current !== 'object') continue
    if (depth + 1 > max) return true
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}
