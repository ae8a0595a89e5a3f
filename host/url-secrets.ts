/**
 * Connection URLs (PORCH_DATABASE_URL, PORCH_REDIS_URL) usually hold a password: messages and
 * logs show them only through these.
 */

/** The URL with its password replaced by `***` (read as the client reads it: up to the last `@` before the path). */
export function maskPassword(url: string): string {
  const scheme = /^[a-z]+:\/\//i.exec(url)?.[0] ?? ''
  const rest = url.slice(scheme.length)
  const end = rest.search(/[/?]/)
  const authority = end === -1 ? rest : rest.slice(0, end)
  const at = authority.lastIndexOf('@')
  const colon = authority.indexOf(':')
  if (at === -1 || colon === -1 || colon > at) return url
  return `${scheme}${authority.slice(0, colon)}:***${rest.slice(at)}`
}

/** The password of a URL, raw and decoded, so a driver's message that quoted it can be cleaned. */
function secretsOf(url: string): string[] {
  const masked = maskPassword(url)
  if (masked === url) return []
  const scheme = /^[a-z]+:\/\//i.exec(url)?.[0] ?? ''
  const rest = url.slice(scheme.length)
  const end = rest.search(/[/?]/)
  const authority = end === -1 ? rest : rest.slice(0, end)
  const raw = authority.slice(authority.indexOf(':') + 1, authority.lastIndexOf('@'))
  let decoded = raw
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    // Not percent-encoded: the raw form is all there is.
  }
  return [raw, decoded].filter((secret) => secret.length > 0)
}

/** `text` with the URL's password (raw or decoded) replaced by `***`. */
export function scrubPassword(url: string, text: string): string {
  let clean = text
  for (const secret of secretsOf(url)) clean = clean.split(secret).join('***')
  return clean
}
