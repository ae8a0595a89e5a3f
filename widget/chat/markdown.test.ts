import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exposeModule, launchBrowser, type OpenedPage, openPage } from '../testing/browser.ts'
import { safeUrl } from './markdown.ts'

declare global {
  // Set in test pages: the module under test, and the flag hostile markdown tries to flip.
  var markdown: typeof import('./markdown.ts')
  var __pwned: unknown
  var pwned: unknown
}

const MODULE = 'widget/chat/markdown.ts'

// Realistic replies: every construct the widget is expected to show.
const CORPUS = [
  `# Getting started

Porch lets you **publish** an *agent* with ~~no~~ little effort: run \`npm start\`, or read the [docs](https://example.com/docs?a=1&b=2).
_Underscored_, __strong too__ and ***both at once***.

## Options
### A smaller heading
#### h4
##### h5
###### h6`,
  `Here are the steps:

1. Install the package
2. Configure **the agent**:
   - set the *model*
   - set the \`instructions\`
     - nested twice
3. Publish

- [x] written
- [ ] tested

* star item
+ plus item`,
  '```ts\nfunction add(a: number, b: number): number {\n  return a + b // <b>not bold</b>\n}\n```\n\n```\nplain fence with *stars* and [brackets](https://example.com)\n```\n\n    indented code block\n    second line\n\nAfter the code.',
  `| Plan | Price | Notes |
|:-----|------:|:-----:|
| Free | $0 | *limited* |
| Pro | $20 | \`fast\` |

After the table.`,
  `> **Note:** this is a quote
> with two lines
>
> > and a nested quote

---

Text after a rule.`,
  `Raw HTML stays text: <div onclick="steal()">click</div>, <script>alert(1)</script> and a < b > c.
Line one<br>line two  
line three \\*not emphasis\\* &amp; &lt;b&gt;`,
  'See https://example.com/path?q=1 and [mail us](mailto:team@example.com), [relative](/docs), ![diagram](https://example.com/d.png) and ![](https://example.com/no-alt.png).',
  '1. First step:\n   ```sh\n   npm install\n   ```\n2. Second step',
  'Math: $x^2$ and \\(a+b\\), a price of $5, and **bold that never closes',
  // streaming-markdown carries this text across the end of the table (see addText in markdown.ts).
  '| a | b |\n|---|---|\n| 1 | 2 |\nText right after the table\n\nNext paragraph',
]

// Elements the corpus must produce, so the equality test cannot pass on an empty render.
const CORPUS_SELECTORS = [
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'p > strong',
  'p > em',
  'strong > em',
  'del',
  'p > code',
  'a[href="https://example.com/docs?a=1&b=2"]',
  'a[href="mailto:team@example.com"]',
  'a[href="https://example.com/path?q=1"]',
  'a[href="https://example.com/d.png"]',
  'ol > li > ul > li > ul > li',
  'ul > li > input[type=checkbox][disabled][checked]',
  'ol[start="2"]',
  'div[part=code-block] > button[type=button] + pre[data-lang=ts] > code',
  'pre:not([data-lang]) > code',
  'table > thead > tr > th',
  'table > tbody > tr > td > em',
  'blockquote > p > strong',
  'blockquote blockquote',
  'br',
  'hr',
]

const PWN = 'window.__pwned=true'
// Each entry would set window.__pwned if any markup, handler or URL in it were honoured.
const HOSTILE = [
  `<img src=x onerror="${PWN}">`,
  `<svg onload="${PWN}"><circle r=5></circle></svg>`,
  `<script>${PWN}</script>`,
  `<iframe src="javascript:parent.__pwned=true"></iframe> <iframe srcdoc="<script>parent.__pwned=true</script>"></iframe>`,
  `<a href="javascript:${PWN}">html link</a>`,
  `[lower](javascript:${PWN})`,
  `[upper](JAVASCRIPT:${PWN})`,
  `[tab](java\tscript:${PWN})`,
  `[spaced]( \u0001javascript:${PWN})`,
  `[entity](javascript&colon;${PWN})`,
  `[data](data:text/html,<script>${PWN}</script>)`,
  `[vb](vbscript:msgbox("pwned"))`,
  `[file](file:///etc/passwd) [protocol-relative](//evil.example/x)`,
  `![image js](javascript:${PWN})`,
  `![pixel](https://example.com/pixel.png)`,
  `[![nested](https://example.com/n.png)](https://example.com/outer)`,
  `<p onmouseover="${PWN}">hover</p> <div style="position:fixed;inset:0" onclick="${PWN}">`,
  '<style>body{display:none}</style>',
  '<a style="position:fixed;top:0;left:0;width:100%;height:100%" href="https://evil.example/">overlay</a>',
  '<link rel=stylesheet href="https://evil.example/x.css"> <style>@import url(https://evil.example/y.css)</style>',
  '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">',
  `<math><mi xlink:href="javascript:${PWN}">x</mi></math> <form action="javascript:${PWN}"><button>go</button></form>`,
  `<details open ontoggle="${PWN}"></details> <body onload="${PWN}"> <input onfocus="${PWN}" autofocus>`,
  `<meta http-equiv="refresh" content="0;url=javascript:${PWN}"> <base href="javascript:/">`,
  '```js" onmouseover="' + PWN + '\ncode\n```',
  '```<img src=x onerror=' + PWN + '>\ncode\n```',
  `[title](https://example.com/ok "t" onmouseover="${PWN}") https://example.com/raw"onmouseover="${PWN}`,
  `$<img src=x onerror=${PWN}>$ and \\(<svg onload=${PWN}>\\)`,
  `| <img src=x onerror=${PWN}> | b |\n|---|---|\n| <script>${PWN}</script> | [x](javascript:${PWN}) |`,
  `- [x] <input onfocus=${PWN} autofocus>\n- [ ] **<b onclick=${PWN}>bold</b>**`,
  `&lt;script&gt;${PWN}&lt;/script&gt; <![CDATA[x]]> <!-- <img src=x onerror=${PWN}> -->`,
  '[ok](https://example.com/ok) and [mail](mailto:someone@example.com)',
  'As the guide says [1], and the FAQ [2][3].',
]

/** Deterministic chunkings of `text`: seeded, so a failure names a split that reproduces. */
function splits(text: string): string[][] {
  const result = [[...text]]
  for (const seed of [1, 2, 3]) {
    for (const max of [3, 8, 40]) {
      let state = seed * 7919 + max
      const random = () => {
        // mulberry32
        state = (state + 0x6d2b79f5) | 0
        let t = Math.imul(state ^ (state >>> 15), 1 | state)
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
      }
      const chunks: string[] = []
      for (let i = 0; i < text.length; ) {
        const size = 1 + Math.floor(random() * max)
        chunks.push(text.slice(i, i + size))
        i += size
      }
      result.push(chunks)
    }
  }
  return result
}

/** Random strings of markdown syntax: they reach the parser's odd corners that prose does not. */
function fuzzCorpus(count: number): string[] {
  const atoms = [
    '\n',
    '\n\n',
    ' ',
    '    ',
    '#',
    '## ',
    '*',
    '**',
    '_',
    '~~',
    '`',
    '```',
    '```js\n',
    '[',
    ']',
    '(',
    ')',
    '](',
    'https://a.example',
    '![',
    '|',
    '| a | b |\n',
    '|---|---|\n',
    '- ',
    '1. ',
    '> ',
    '$',
    '$$',
    '\\',
    '<br>',
    '<',
    'x',
    'hello',
    '[ ] ',
    '[x] ',
    '---\n',
    '\t',
  ]
  let state = 42
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff
  return Array.from({ length: count }, () => Array.from({ length: 5 + Math.floor(random() * 40) }, () => atoms[Math.floor(random() * atoms.length)]).join(''))
}

/**
 * Runs in the page: lists every element or attribute under `selector` outside the allowlist,
 * and every link that is not http/https/mailto with target=_blank and rel=noopener noreferrer.
 */
function audit(selector: string): string[] {
  const tags = [
    'P',
    'H1',
    'H2',
    'H3',
    'H4',
    'H5',
    'H6',
    'PRE',
    'CODE',
    'EM',
    'STRONG',
    'DEL',
    'S',
    'A',
    'BLOCKQUOTE',
    'BR',
    'HR',
    'UL',
    'OL',
    'LI',
    'INPUT',
    'TABLE',
    'THEAD',
    'TBODY',
    'TR',
    'TH',
    'TD',
    'SPAN',
    'DIV',
    'BUTTON',
  ]
  const attributes = ['href', 'target', 'rel', 'type', 'disabled', 'checked', 'data-lang', 'start', 'part']
  const problems: string[] = []
  for (const root of document.querySelectorAll(selector)) {
    for (const element of root.querySelectorAll('*')) {
      const tag = element.tagName
      if (!tags.includes(tag)) problems.push(`element ${tag}`)
      for (const { name, value } of element.attributes) {
        if (!attributes.includes(name)) problems.push(`attribute ${name}="${value}" on ${tag}`)
      }
      const lang = element.getAttribute('data-lang')
      if (lang !== null && !/^[\w+-]{1,20}$/.test(lang)) problems.push(`data-lang="${lang}"`)
      const start = element.getAttribute('start')
      if (start !== null && !/^\d+$/.test(start)) problems.push(`start="${start}"`)
      if (tag === 'INPUT' && (element.getAttribute('type') !== 'checkbox' || !element.hasAttribute('disabled'))) {
        problems.push('an input that is not a disabled checkbox')
      }
      if (element.hasAttribute('href')) {
        const url = new URL(element.getAttribute('href')!, 'https://invalid.example/')
        if (tag !== 'A' || !['http:', 'https:', 'mailto:'].includes(url.protocol)) problems.push(`href ${url.href} on ${tag}`)
      }
      if (tag === 'A' && (element.getAttribute('target') !== '_blank' || element.getAttribute('rel') !== 'noopener noreferrer')) {
        problems.push(`link without target/rel: ${element.outerHTML}`)
      }
    }
  }
  return problems
}

/** Gives handlers, image loads and frames time to run: a few frames and a timer, asserting nothing about time. */
async function settle(page: OpenedPage['page']): Promise<void> {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 300)))))
}

describe('safeUrl', () => {
  it('comes from a module that imports on a server (no DOM at load time)', () => {
    expect(typeof document).toBe('undefined') // this file runs in node; the import above succeeded
    expect(typeof safeUrl).toBe('function')
  })

  it.each([
    ['https://example.com/a?b=c', 'https://example.com/a?b=c'],
    ['http://example.com', 'http://example.com/'],
    ['mailto:a@example.com', 'mailto:a@example.com'],
    ['  https://example.com/x "title"', 'https://example.com/x'],
    ['HTTPS://EXAMPLE.COM', 'https://example.com/'],
  ])('allows %j', (value, expected) => {
    expect(safeUrl(value)).toBe(expected)
  })

  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    '\u0001javascript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    '/relative',
    'relative',
    '//evil.example/x',
    '#top',
    '',
    'javascript&colon;alert(1)',
  ])('refuses %j', (value) => {
    expect(safeUrl(value)).toBeUndefined()
  })
})

describe('markdown in the browser', () => {
  let browser: Browser
  let shared: OpenedPage

  /** A fresh page with the module exposed as globalThis.markdown. */
  async function markdownPage(): Promise<OpenedPage> {
    const opened = await openPage(browser, { modules: [MODULE] })
    await exposeModule(opened.page, opened.moduleUrls[0]!, 'markdown')
    return opened
  }

  beforeAll(async () => {
    browser = await launchBrowser()
    shared = await markdownPage()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('renders the same HTML however the stream is split', async () => {
    const docs = [...CORPUS, ...HOSTILE, HOSTILE.join('\n\n'), ...fuzzCorpus(40)]
    for (const [index, doc] of docs.entries()) {
      const rendered = await shared.page.evaluate(
        ({ doc, splits }) => {
          const { MarkdownView, renderMarkdown } = globalThis.markdown
          const oneShot = document.createElement('div')
          renderMarkdown(oneShot, doc)
          const incremental = splits.map((chunks) => {
            const root = document.createElement('div')
            const view = new MarkdownView(root, { schedule: (flush) => flush() })
            for (const chunk of chunks) view.write(chunk)
            view.end()
            return root.innerHTML
          })
          return { oneShot: oneShot.innerHTML, incremental }
        },
        { doc, splits: splits(doc) },
      )
      for (const [split, html] of rendered.incremental.entries()) {
        expect(html, `document ${index} ${JSON.stringify(doc)}, split ${split}`).toBe(rendered.oneShot)
      }
    }
  })

  it('keeps the brackets of a citation like [1] (a link with no URL), and none of a link', async () => {
    const rendered = await shared.page.evaluate(() => {
      const root = document.createElement('div')
      globalThis.markdown.renderMarkdown(root, 'In *Setup* [1]: see [2][3], the [docs](https://example.com/docs) and [bad](javascript:x).')
      return { text: root.textContent, links: [...root.querySelectorAll('a')].map((a) => a.textContent) }
    })
    expect(rendered).toEqual({ text: 'In Setup [1]: see [2][3], the docs and bad.', links: ['docs'] })
  })

  it('the corpus exercises every element the renderer makes', async () => {
    const missing = await shared.page.evaluate(
      ({ corpus, selectors }) => {
        const root = document.createElement('div')
        for (const doc of corpus) globalThis.markdown.renderMarkdown(root.appendChild(document.createElement('div')), doc)
        return selectors.filter((selector) => !root.querySelector(selector))
      },
      { corpus: CORPUS, selectors: CORPUS_SELECTORS },
    )
    expect(missing).toEqual([])
  })

  it('appends to what is already rendered instead of rendering again', async () => {
    const result = await shared.page.evaluate(() => {
      const root = document.createElement('div')
      const view = new globalThis.markdown.MarkdownView(root, { schedule: () => {} })
      const removed: Node[] = []
      const observer = new MutationObserver((records) => {
        for (const r of records) removed.push(...r.removedNodes)
      })
      observer.observe(root, { childList: true, subtree: true, characterData: true })
      view.write('# Title\n\nFirst paragraph with **bold**.\n\n')
      view.flush()
      const heading = root.firstElementChild
      const text = heading?.firstChild
      for (const line of ['- one\n', '- two\n', '\n```js\nlet x = 1\n```\n', 'Last *words*.']) {
        view.write(line)
        view.flush()
      }
      view.end()
      const records = observer.takeRecords()
      for (const r of records) removed.push(...r.removedNodes)
      return {
        removed: removed.length,
        sameHeading: root.firstElementChild === heading && heading?.firstChild === text,
        html: root.innerHTML,
      }
    })
    expect(result.removed).toBe(0)
    expect(result.sameHeading).toBe(true)
    expect(result.html).toContain('<em>words</em>')
  })

  it('batches writes within a frame into one flush', async () => {
    const result = await shared.page.evaluate(async () => {
      const { MarkdownView } = globalThis.markdown
      const root = document.body.appendChild(document.createElement('div'))
      const nativeFrame = window.requestAnimationFrame
      let frames = 0
      window.requestAnimationFrame = (callback) => {
        frames += 1
        return nativeFrame.call(window, callback)
      }
      const nextFrame = () => new Promise<void>((done) => nativeFrame.call(window, () => done()))
      // Microtasks run after each frame callback, so each flush gets its own observer call.
      let flushes = 0
      const observer = new MutationObserver(() => (flushes += 1))
      observer.observe(root, { childList: true, subtree: true, characterData: true })
      try {
        const view = new MarkdownView(root)
        for (const chunk of ['Hel', 'lo', ' ', 'wor', 'ld']) view.write(chunk)
        const beforeFrame = root.textContent
        const framesRequested = frames
        await nextFrame() // runs after the view's callback: frame callbacks run in request order
        const afterFrame = root.textContent
        const flushesInFrame = flushes
        const textNodes = root.querySelector('p')?.childNodes.length
        view.write('!')
        await nextFrame()
        const afterSecondFrame = root.textContent
        view.write('?')
        view.end()
        const afterEnd = root.textContent
        await nextFrame()

        // The same text parsed in one piece: five separate parses would leave more text nodes.
        const reference = document.createElement('div')
        const once = new MarkdownView(reference, { schedule: () => {} })
        once.write('Hello world')
        once.flush()
        const referenceTextNodes = reference.querySelector('p')?.childNodes.length
        return { beforeFrame, framesRequested, afterFrame, flushesInFrame, textNodes, referenceTextNodes, afterSecondFrame, afterEnd, frames, text: view.text }
      } finally {
        observer.disconnect()
        window.requestAnimationFrame = nativeFrame
        root.remove()
      }
    })
    expect(result.beforeFrame).toBe('')
    expect(result.framesRequested).toBe(1)
    // smd holds back the last character until it knows what follows it.
    expect(result.afterFrame).toBe('Hello worl')
    expect(result.flushesInFrame).toBe(1)
    expect(result.textNodes).toBe(result.referenceTextNodes)
    expect(result.afterSecondFrame).toBe('Hello world')
    expect(result.afterEnd).toBe('Hello world!?')
    expect(result.frames).toBe(3) // one per frame with writes; end() does not wait for its frame
    expect(result.text).toBe('Hello world!?')
  })

  it('renders hostile markdown inert, whether streamed or at once', async () => {
    const opened = await markdownPage()
    try {
      const { page, url } = opened
      await page.evaluate(
        ({ docs, splits }) => {
          const { MarkdownView, renderMarkdown } = globalThis.markdown
          docs.forEach((doc, i) => {
            const container = document.body.appendChild(document.createElement('div'))
            container.className = 'hostile'
            renderMarkdown(container.appendChild(document.createElement('div')), doc)
            for (const chunks of splits[i]!) {
              const view = new MarkdownView(container.appendChild(document.createElement('div')), { schedule: (flush) => flush() })
              for (const chunk of chunks) view.write(chunk)
              view.end()
            }
          })
        },
        { docs: [HOSTILE.join('\n\n'), ...HOSTILE], splits: [HOSTILE.join('\n\n'), ...HOSTILE].map((doc) => splits(doc).slice(0, 3)) },
      )
      await settle(page)

      expect(await page.evaluate(audit, '.hostile')).toEqual([])
      // Markdown would read `__pwned` as emphasis, so a payload that ran after that sets `pwned`.
      expect(await page.evaluate(() => [globalThis.__pwned, globalThis.pwned])).toEqual([undefined, undefined])
      expect(await page.evaluate(() => getComputedStyle(document.body).display)).not.toBe('none')
      expect(await page.evaluate(() => document.body.querySelectorAll('img, script, iframe, svg, style, link, object, embed, form').length)).toBe(0)
      expect(opened.requests).toEqual([`${url}/`, `${url}/modules/0.js`])
      expect(opened.errors).toEqual([])

      // What the hostile text must become instead.
      const first = await page.evaluate(() => {
        const root = document.querySelector('.hostile > div')!
        const links = [...root.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.textContent])
        return { text: root.textContent ?? '', links }
      })
      expect(first.text).toContain('<script>window.')
      expect(first.text).toContain('<img src=x onerror="window.')
      expect(first.text).toContain('<style>body{display:none}</style>')
      expect(first.links).toEqual([
        ['https://example.com/pixel.png', 'pixel'],
        ['https://example.com/outer', 'nested'],
        ['https://example.com/ok', 'title'],
        ['https://example.com/raw%22onmouseover=%22window.__pwned=true', `https://example.com/raw"onmouseover="${PWN}`],
        ['https://example.com/ok', 'ok'],
        ['mailto:someone@example.com', 'mail'],
      ])
    } finally {
      await opened.close()
    }
  })

  it('the hostile-markup checks catch real injection (control)', async () => {
    const opened = await markdownPage()
    try {
      const { page } = opened
      await page.evaluate((html) => {
        const root = document.body.appendChild(document.createElement('div'))
        root.className = 'control'
        root.innerHTML = html // what rendering without a safe renderer would do
      }, `<img src=x onerror="${PWN}"> <a href="javascript:void 0" style="color:red">x</a>`)
      await settle(page)
      expect(await page.evaluate(() => globalThis.__pwned)).toBe(true)
      const problems = await page.evaluate(audit, '.control')
      expect(problems).toEqual(expect.arrayContaining(['element IMG', expect.stringMatching(/^attribute onerror/), expect.stringMatching(/^href javascript:/)]))
    } finally {
      await opened.close()
    }
  })

  it('copies a code block with its button', async () => {
    const opened = await markdownPage()
    try {
      const { page, url } = opened
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url })
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the code block shows a template literal
      const code = 'const a = 1 < 2\nconsole.log(`${a}`) // <b>'
      await page.evaluate(
        (markdown) => {
          const root = document.body.appendChild(document.createElement('div'))
          globalThis.markdown.renderMarkdown(root, markdown, { copyLabel: 'Kopieren', copiedLabel: 'Kopiert' })
        },
        'Intro\n\n```js\n' + code + '\n```\n\nOutro',
      )
      const button = page.getByRole('button', { name: 'Kopieren' })
      await button.click()
      await page.getByRole('button', { name: 'Kopiert' }).waitFor()
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code)
      await button.waitFor() // the label comes back
      expect(opened.errors).toEqual([])
    } finally {
      await opened.close()
    }
  })

  it('swallows a clipboard failure', async () => {
    const opened = await markdownPage()
    try {
      const { page } = opened
      await page.evaluate(() => {
        Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) } })
        globalThis.markdown.renderMarkdown(document.body.appendChild(document.createElement('div')), '```\nx\n```')
      })
      await page.getByRole('button', { name: 'Copy' }).click()
      await settle(page)
      expect(await page.getByRole('button').textContent()).toBe('Copy')
      expect(opened.errors).toEqual([])
    } finally {
      await opened.close()
    }
  })
})
