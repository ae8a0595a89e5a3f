/** The copy-paste snippets that put an agent (or a share link) on a site. */
import type { WidgetAssets } from '../../widget-assets.ts'

export type EmbedTarget = { agent: string } | { link: string }

export function embedSnippets(publicUrl: string, assets: WidgetAssets, target: EmbedTarget) {
  const scriptUrl = `${publicUrl}/widget/${assets.version}/embed.js`
  const integrity = assets.get('embed.js')?.integrity ?? null
  const data = 'agent' in target ? `data-agent="${target.agent}"` : `data-link="${target.link}"`
  const pageUrl = 'agent' in target ? `${publicUrl}/published/${target.agent}` : `${publicUrl}/l/${target.link}`
  return {
    url: pageUrl,
    script_url: scriptUrl,
    integrity,
    script: `<script src="${scriptUrl}"${integrity ? ` integrity="${integrity}"` : ''} crossorigin="anonymous" ${data} async></script>`,
    iframe: `<iframe src="${pageUrl}" title="Chat" style="width:100%;height:640px;border:0" allow="clipboard-write"></iframe>`,
  }
}
