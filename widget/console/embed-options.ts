/**
 * The options an owner picks for a script snippet (mode, position, colour, title, colour scheme, open on load),
 * written as the `data-*` attributes embed.js reads, and the console preview URL that loads
 * embed.js with the very same attributes. Pure functions.
 */
export type EmbedOptions = {
  mode: 'inline' | 'iframe'
  position: 'bottom-right' | 'bottom-left'
  color: string
  title: string
  theme: '' | 'light' | 'dark'
  open: boolean
}

export type EmbedTarget = { agent: string } | { link: string }

export const DEFAULT_EMBED: EmbedOptions = { mode: 'inline', position: 'bottom-right', color: '', title: '', theme: '', open: false }

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

/** The non-default options as data-* attributes, in a stable order. */
export function dataAttributes(options: EmbedOptions): [string, string][] {
  const attributes: [string, string][] = []
  if (options.mode === 'iframe') attributes.push(['data-mode', 'iframe'])
  if (options.position === 'bottom-left') attributes.push(['data-position', 'bottom-left'])
  if (options.color) attributes.push(['data-color', options.color])
  if (options.title.trim()) attributes.push(['data-title', options.title.trim()])
  if (options.theme) attributes.push(['data-theme', options.theme])
  if (options.open) attributes.push(['data-open', 'true'])
  return attributes
}

/** The host's script snippet with the options added before `async` (the host's snippet ends with it). */
export function scriptWithOptions(snippet: string, options: EmbedOptions): string {
  const extra = dataAttributes(options)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('')
  if (!extra) return snippet
  return /\sasync><\/script>$/.test(snippet)
    ? snippet.replace(/\sasync><\/script>$/, `${extra} async></script>`)
    : snippet.replace(/><\/script>$/, `${extra}></script>`)
}

/** `/console/preview?…`: a page of the host that loads embed.js with these attributes. */
export function previewUrl(target: EmbedTarget, options: EmbedOptions): string {
  const params = new URLSearchParams('agent' in target ? { agent: target.agent } : { link: target.link })
  for (const [name, value] of dataAttributes(options)) params.set(name.slice('data-'.length), value)
  return `/console/preview?${params}`
}
