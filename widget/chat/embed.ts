/**
 * embed.js: the one `<script async>` a site pastes. It draws the launcher at once (in its own
 * shadow root: nothing goes into the page's <head>, no fonts, no global CSS) and loads the chat
 * itself only when the visitor opens it, or earlier when the page is idle. It talks to nothing
 * but the Porch host it came from, defines one global (`Porch`), and is safe to include twice.
 *
 * data-agent | data-link   what to chat with
 * data-mode                `inline` (default: the <porch-chat> component) or `iframe` (the hosted page)
 * data-position            `bottom-right` (default) or `bottom-left`
 * data-title, data-lang, data-theme, data-z-index, data-open ("true"), data-color (accent colour)
 * data-host                the Porch host, when it differs from where this script is served
 * data-user-token          a user token the site signed for its signed-in visitor (inline mode);
 *                          `Porch.setUserToken(token)` replaces it when the site rotates it
 */
declare const __PORCH_VERSION__: string

type Embed = { open(): void; close(): void; toggle(): void; setUserToken?(token: string): void }
type PorchGlobal = { version: string; embeds: Record<string, Embed>; open(): void; close(): void; setUserToken?(token: string): void }

const w = window as unknown as { Porch?: PorchGlobal; requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }
const script = document.currentScript as HTMLScriptElement | null
const data = script?.dataset ?? {}
const target = data.link ? { link: data.link } : { agent: data.agent }
const key = data.link ? `link:${data.link}` : `agent:${data.agent}`
const porch = (w.Porch ??= {
  version: __PORCH_VERSION__,
  embeds: {},
  open: () => {
    for (const embed of Object.values(porch.embeds)) embed.open()
  },
  close: () => {
    for (const embed of Object.values(porch.embeds)) embed.close()
  },
})
// Also when an older embed.js made the global first.
porch.setUserToken ??= (token) => {
  for (const embed of Object.values(porch.embeds)) embed.setUserToken?.(token)
}

if (script && (data.agent || data.link) && !porch.embeds[key]) {
  const host = (data.host ?? script.src.replace(/\/(widget\/[^/]+\/)?embed\.js([?#].*)?$/, '')).replace(/\/+$/, '')
  const chatUrl = `${host}/widget/${__PORCH_VERSION__}/porch-chat.js`
  const left = data.position === 'bottom-left'
  const z = /^\d{1,10}$/.test(data.zIndex ?? '') ? data.zIndex! : '2147483000'
  const accent = /^(#[0-9a-f]{3,8}|[a-z]{3,20}|rgb\([\d\s,.%]+\))$/i.test(data.color ?? '') ? data.color! : '#2557d6'
  const title = data.title ?? ''
  let userToken = data.userToken

  const root = document.createElement('div')
  root.setAttribute('data-porch-embed', key)
  const shadow = root.attachShadow({ mode: 'open' })
  const side = left ? 'left' : 'right'
  shadow.innerHTML = `<style>
    button{position:fixed;bottom:20px;${side}:20px;z-index:${z};width:56px;height:56px;border:0;border-radius:50%;background:${accent};color:#fff;box-shadow:0 6px 24px rgb(0 0 0/.22);cursor:pointer;display:grid;place-items:center}
    button:focus-visible{outline:2px solid ${accent};outline-offset:3px}
    svg{width:26px;height:26px}
    .frame{position:fixed;bottom:88px;${side}:20px;z-index:${z};width:min(400px,calc(100vw - 40px));height:min(640px,calc(100dvh - 108px));border:1px solid #d9dde3;border-radius:14px;box-shadow:0 12px 48px rgb(0 0 0/.25);overflow:hidden;background:#fff}
    .frame[hidden]{display:none}
    iframe{border:0;width:100%;height:100%}
    @media (max-width:480px){.frame{inset:0;width:100vw;height:100dvh;border-radius:0}}
  </style><button type="button" part="launcher" aria-expanded="false"><svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg></button>`
  const launcher = shadow.querySelector('button')!
  launcher.setAttribute('aria-label', title ? `Open chat: ${title}` : 'Open chat')

  let loading: Promise<unknown> | undefined
  const load = () => (loading ??= import(/* @vite-ignore */ chatUrl))
  let chat: (HTMLElement & { open: boolean }) | undefined
  let frame: HTMLDivElement | undefined

  const setOpen = async (open: boolean) => {
    if (data.mode === 'iframe') {
      if (!frame) {
        if (!open) return
        frame = document.createElement('div')
        frame.className = 'frame'
        const iframe = document.createElement('iframe')
        iframe.src = `${host}/${data.link ? `l/${encodeURIComponent(data.link)}` : `published/${encodeURIComponent(data.agent!)}`}`
        iframe.title = title || 'Chat'
        iframe.allow = 'clipboard-write'
        frame.append(iframe)
        shadow.append(frame)
      }
      frame.hidden = !open
      launcher.setAttribute('aria-expanded', String(open))
      return
    }
    if (!chat) {
      if (!open) return
      await load()
      chat = document.createElement('porch-chat') as HTMLElement & { open: boolean; updateComplete?: Promise<unknown> }
      const attributes: Record<string, string | undefined> = {
        mode: 'bubble',
        host,
        ...target,
        position: left ? 'bottom-left' : 'bottom-right',
        title,
        lang: data.lang,
        theme: data.theme,
        'z-index': z,
        'user-token': userToken,
      }
      for (const [name, value] of Object.entries(attributes)) if (value) chat.setAttribute(name, value)
      if (data.color) chat.style.setProperty('--porch-accent', accent)
      document.body.append(chat)
      await (chat as { updateComplete?: Promise<unknown> }).updateComplete
      // The component draws its own launcher in the same place; ours steps aside.
      launcher.remove()
    }
    chat.open = open
  }

  const embed: Embed = {
    open: () => void setOpen(true),
    close: () => void setOpen(false),
    toggle: () => void setOpen(!(chat?.open ?? (frame ? !frame.hidden : false))),
    setUserToken: (token) => {
      userToken = token
      chat?.setAttribute('user-token', token)
    },
  }
  porch.embeds[key] = embed
  launcher.addEventListener('click', embed.toggle)
  if (data.mode !== 'iframe') {
    launcher.addEventListener('pointerenter', () => void load(), { once: true })
    const whenIdle = () => (w.requestIdleCallback ? w.requestIdleCallback(() => void load(), { timeout: 10_000 }) : setTimeout(() => void load(), 3000))
    if (document.readyState === 'complete') whenIdle()
    else addEventListener('load', whenIdle, { once: true })
  }
  const mount = () => {
    document.body.append(root)
    if (data.open === 'true') embed.open()
  }
  if (document.body) mount()
  else addEventListener('DOMContentLoaded', mount, { once: true })
}
