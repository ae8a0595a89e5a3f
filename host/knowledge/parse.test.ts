import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { chunkDocument } from './chunk.ts'
import { FIXTURE_PDFS, minimalPdf } from './fixtures/make-pdfs.ts'
import { DEFAULT_MAX_SOURCE_BYTES, KnowledgeParseError, parseSource, SCANNED_PDF_MESSAGE, type SourceInput } from './index.ts'

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)))
const chunksOf = async (input: SourceInput) => chunkDocument(await parseSource(input))
const refusal = (input: SourceInput, options?: { maxBytes?: number }) =>
  parseSource(input, options).then(
    () => 'parsed',
    (error: unknown) => (error instanceof KnowledgeParseError ? error.message : `not a KnowledgeParseError: ${error}`),
  )
const UNSUPPORTED = 'upload markdown, text, HTML, PDF, CSV or JSON.'

describe('markdown', () => {
  const input = { bytes: fixture('guide.md'), filename: 'guide.md' }

  it('takes the title from the front matter and leaves it, and the h1 repeating it, out of the text and paths', async () => {
    const chunks = await chunksOf(input)
    expect(chunks.every((chunk) => chunk.title === 'Acme Bakery guide')).toBe(true)
    expect(chunks[0]!.headingPath).toEqual([])
    expect(chunks.some((chunk) => /lang: en|---/.test(chunk.text))).toBe(false)
  })

  it('gives each chunk its nested heading path and strips emphasis, links and entities to plain text', async () => {
    const chunks = await chunksOf(input)
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([[], ['Ordering', 'Custom cakes'], ['Ordering', 'Through the API'], ['Delivery'], ['Allergens']])
    expect(chunks[0]!.text).toBe('Welcome to Acme Bakery. This guide answers what customers ask us most; see our site for news & offers.')
    expect(chunks[1]!.text).toBe(
      "Order custom cakes three days ahead. We bake them in the morning and deliver after noon.\n\n- Sizes: 6, 8 or 10 inches\n  - 10 inches needs a week's notice\n- Flavours: chocolate, lemon, carrot",
    )
    expect(chunks[3]!.text).toBe('Area: Old Town; Fee: free; Days: Mon–Sat\nArea: Harbour; Fee: 4 EUR; Days: Tue, Thu')
    expect(chunks[4]!.text).toBe('Every bread lists its allergens on the shelf label. Ask for the gluten-free rye.')
  })

  it('keeps the code block verbatim and whole, with its lead-in, even when chunks are small', async () => {
    const source = readFileSync(new URL('./fixtures/guide.md', import.meta.url), 'utf8')
    const code = /```js\n([\s\S]*?)\n```/.exec(source)![1]!
    const chunks = chunkDocument(await parseSource(input), { targetChars: 120, maxChars: 400 })
    const holding = chunks.filter((chunk) => chunk.text.includes('acme.example/api/orders'))
    expect(holding).toHaveLength(1)
    expect(holding[0]!.text).toBe(`Shops order through our API:\n\n${code}`)
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(400)
  })

  it("links to headings by their explicit {#id} or GitHub's slug when the source has a URL, and to nothing as an upload", async () => {
    const linked = await chunksOf({ ...input, url: 'https://acme.example/guide.md' })
    expect(linked.map((chunk) => chunk.url)).toEqual([
      'https://acme.example/guide.md#acme-bakery-guide',
      'https://acme.example/guide.md#cakes',
      'https://acme.example/guide.md#through-the-api',
      'https://acme.example/guide.md#delivery',
      'https://acme.example/guide.md#allergens',
    ])
    expect((await chunksOf(input)).every((chunk) => chunk.url === null)).toBe(true)
    expect(linked[1]!.headingPath).toEqual(['Ordering', 'Custom cakes'])
  })

  it('keeps a code block inside a list item verbatim, indented under the item', async () => {
    const source = '# Doc\n\n- Upload first:\n\n  ```sh\n  curl -s "$URL" \\\n    --data-binary @plan.csv\n  ```\n\n  Then chat.\n- Done\n'
    const [chunk] = await chunksOf({ bytes: new TextEncoder().encode(source), filename: 'doc.md' })
    expect(chunk!.text).toBe('- Upload first:\n  curl -s "$URL" \\\n    --data-binary @plan.csv\n  Then chat.\n- Done')
  })

  it('numbers repeated slugs as GitHub does', async () => {
    const bytes = new TextEncoder().encode('# Doc\n\n## Setup\n\nOne.\n\n## Setup\n\nTwo.\n\n## Q&A: “why?”\n\nThree.\n')
    const chunks = await chunksOf({ bytes, filename: 'doc.md', url: 'https://acme.example/doc' })
    expect(chunks.map((chunk) => chunk.url)).toEqual(['https://acme.example/doc#setup', 'https://acme.example/doc#setup-1', 'https://acme.example/doc#qa-why'])
  })

  it('hashes the same chunks the same on every parse, and every chunk of a document differently', async () => {
    const [first, again] = [await chunksOf(input), await chunksOf(input)]
    expect(again.map((chunk) => chunk.hash)).toEqual(first.map((chunk) => chunk.hash))
    expect(new Set(first.map((chunk) => chunk.hash)).size).toBe(first.length)
    for (const chunk of first) expect(chunk.hash).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('HTML', () => {
  const input = { bytes: fixture('hours.html'), contentType: 'text/html; charset=utf-8', url: 'https://acme.example/en/hours.html' }

  it('reads only <main>: no script, style, navigation, banner, aside, form, footer or hidden text', async () => {
    const text = (await chunksOf(input)).map((chunk) => chunk.text).join('\n')
    for (const dropped of ['SCRIPT_TEXT', 'STYLE_TEXT', 'NAV_TEXT', 'ASIDE_TEXT', 'FORM_TEXT', 'FOOTER_TEXT', 'HIDDEN_TEXT', 'Acme Bakery']) {
      expect(text).not.toContain(dropped)
    }
  })

  it('takes the <title>, and gives chunks heading paths and URLs with the nearest heading id (a section id counts)', async () => {
    const chunks = await chunksOf(input)
    expect(chunks[0]!.title).toBe('Opening hours | Acme Bakery')
    expect(chunks.map((chunk) => [chunk.headingPath.join(' > '), chunk.url, chunk.text])).toEqual([
      ['', 'https://acme.example/en/hours.html', 'We open early so you can grab bread on the way to work.\nClosed on public holidays.'],
      ['Weekdays', 'https://acme.example/en/hours.html#weekdays', 'Day: Monday; Open: 7:00; Close: 18:00\nDay: Friday; Open: 7:00; Close: 20:00'],
      ['Weekend > Saturday', 'https://acme.example/en/hours.html#weekend', '- Open 8:00 to 14:00\n- Fresh croissants until 10:00\n  - Almond ones on request'],
      ['Weekend > Sunday', 'https://acme.example/en/hours.html#sunday', 'Closed. See contact for emergencies & large orders.'],
      ['For shops', 'https://acme.example/en/hours.html#api', "curl https://acme.example/api/hours\n  --header 'Accept: application/json'"],
    ])
  })

  it("returns the whole page's http(s) links, absolute, without fragments, once each, and the canonical URL", async () => {
    const parsed = await parseSource(input)
    expect(parsed.links).toEqual([
      'https://acme.example/',
      'https://acme.example/menu',
      'https://acme.example/hours',
      'https://partner.example/bread?from=acme',
      'https://acme.example/contact.html',
      'https://acme.example/imprint',
    ])
    expect(parsed.canonicalUrl).toBe('https://acme.example/hours')
  })

  it('drops unmarked navigation by link density (a docs page’s Prev / Up / Home / Next tables), keeping prose, lists and terms that link', async () => {
    // The shape of a page of the PostgreSQL manual (DocBook's HTML): navigation tables around the content, no <nav>.
    const html = `<html><body>
      <div class="navheader"><table summary="Navigation header"><tr><th colspan="3">SELECT</th></tr>
        <tr><td><a href="sql-security-label.html">Prev</a></td><td><a href="sql-commands.html">Up</a></td><th>SQL Commands</th>
        <td><a href="index.html">Home</a></td><td><a href="sql-selectinto.html">Next</a></td></tr></table></div>
      <div class="refentry"><h1>SELECT</h1><p>Retrieves rows. See <a href="sql-with.html">WITH</a> and <a href="sql-values.html">VALUES</a>.</p>
        <div class="toc"><ul><li><a href="#a">Description</a></li><li><a href="#b">Parameters</a></li><li><a href="#c">Examples</a></li></ul></div>
        <ul><li><a href="sql-insert.html">INSERT</a> adds new rows to a table</li><li><a href="sql-update.html">UPDATE</a> changes the rows that match</li></ul>
        <dl class="toc"><dt><a href="spi-connect.html">SPI_connect</a> — connect a C function to the SPI manager</dt>
          <dt><a href="spi-finish.html">SPI_finish</a> — disconnect a C function from the SPI manager</dt></dl></div>
      <div class="navfooter"><table summary="Navigation footer"><tr><td><a href="sql-security-label.html">Prev</a></td>
        <td><a href="sql-commands.html">Up</a></td><td><a href="sql-selectinto.html">Next</a></td></tr>
        <tr><td>SECURITY LABEL</td><td><a href="index.html">Home</a></td><td>SELECT INTO</td></tr></table></div>
      </body></html>`
    const parsed = await parseSource({ bytes: new TextEncoder().encode(html), filename: 'sql-select.html', url: 'https://docs.example/sql-select.html' })
    expect(chunkDocument(parsed).map((chunk) => chunk.text)).toEqual([
      'Retrieves rows. See WITH and VALUES.\n\n- INSERT adds new rows to a table\n- UPDATE changes the rows that match\n\n' +
        'SPI_connect — connect a C function to the SPI manager\n\nSPI_finish — disconnect a C function from the SPI manager',
    ])
    // The dropped navigation still leads a crawler to the other pages.
    expect(parsed.links).toContain('https://docs.example/sql-selectinto.html')
    // A page of nothing but links (a site map) keeps them: they are all it says.
    const siteMap = await parseSource({
      bytes: new TextEncoder().encode('<ul><li><a href="/a">Pricing</a></li><li><a href="/b">Support</a></li></ul>'),
      filename: 'map.html',
    })
    expect(chunkDocument(siteMap).map((chunk) => chunk.text)).toEqual(['- Pricing\n- Support'])
  })

  it('reads the first <article> when there is no <main>, keeps its own header, and resolves links against <base>', async () => {
    const html = `<html><head><base href="https://cdn.acme.example/docs/"></head><body><header>Site banner</header>
      <article><header><h1 id="top">Returns</h1></header><p>Within <strong>14 days</strong>. <a href="policy">Policy</a>.</p></article>
      <footer>Site footer</footer></body></html>`
    const parsed = await parseSource({ bytes: new TextEncoder().encode(html), filename: 'returns.html' })
    expect(parsed.title).toBe('Returns')
    expect(parsed.canonicalUrl).toBeUndefined()
    expect(parsed.links).toEqual(['https://cdn.acme.example/docs/policy'])
    expect(chunkDocument(parsed).map((chunk) => [chunk.headingPath, chunk.url, chunk.text])).toEqual([[[], null, 'Within 14 days. Policy.']])
  })

  it('decodes the charset the Content-Type or a <meta charset> declares', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('<title>Menu</title><p>Caf'), 0xe9, ...new TextEncoder().encode(' au lait</p>')])
    const fromHeader = await parseSource({ bytes: latin1, contentType: 'text/html; charset=windows-1252' })
    expect(chunkDocument(fromHeader)[0]!.text).toBe('Café au lait')
    const withMeta = new Uint8Array([...new TextEncoder().encode('<meta charset="iso-8859-1">'), ...latin1])
    expect(chunkDocument(await parseSource({ bytes: withMeta, filename: 'menu.htm' }))[0]!.text).toBe('Café au lait')
  })
})

describe('PDF', () => {
  it('the committed fixtures are what make-pdfs.ts makes', () => {
    for (const [name, bytes] of Object.entries(FIXTURE_PDFS)) expect(Buffer.from(fixture(name)).equals(Buffer.from(bytes)), name).toBe(true)
  })

  it('reads text per page, titled from the PDF metadata, each page a section linking to #page=N', async () => {
    const uploaded = await chunksOf({ bytes: fixture('opening-hours.pdf'), filename: 'opening-hours.pdf', contentType: 'application/pdf' })
    expect(uploaded.map((chunk) => [chunk.title, chunk.headingPath, chunk.url])).toEqual([
      ['Acme Bakery handbook', ['Page 1'], null],
      ['Acme Bakery handbook', ['Page 2'], null],
    ])
    expect(uploaded[0]!.text).toBe('Opening hours\nThe bakery is open Monday to Friday from 7:00 to 18:00.\nOn Saturdays we close at 14:00 (Sundays closed).')
    expect(uploaded[1]!.text).toContain('gluten-free rye, baked on Thursdays')
    const fetched = await chunksOf({ bytes: fixture('opening-hours.pdf'), url: 'https://acme.example/handbook.pdf' })
    expect(fetched.map((chunk) => chunk.url)).toEqual(['https://acme.example/handbook.pdf#page=1', 'https://acme.example/handbook.pdf#page=2'])
  })

  it("titles a PDF without metadata by its file's name, and skips pages without text", async () => {
    const bytes = minimalPdf([{ drawing: '0 g 0 0 10 10 re f' }, { lines: ['Only this page has words.'] }])
    expect((await chunksOf({ bytes, filename: 'Price list 2025.pdf' })).map((chunk) => [chunk.title, chunk.headingPath, chunk.text])).toEqual([
      ['Price list 2025', ['Page 2'], 'Only this page has words.'],
    ])
  })

  it('refuses a PDF without text (scanned), a damaged one, and leaves the caller a clear message', async () => {
    expect(await refusal({ bytes: fixture('scanned.pdf'), filename: 'scanned.pdf' })).toBe(SCANNED_PDF_MESSAGE)
    expect(SCANNED_PDF_MESSAGE).toBe('This PDF has no text to read (it may be scanned images); upload a PDF with text or paste the text.')
    expect(await refusal({ bytes: new TextEncoder().encode('%PDF-1.4 this is not really a pdf'), filename: 'broken.pdf' })).toBe(
      'This file is not a PDF that can be read (it may be damaged); export it again as PDF or paste the text.',
    )
  })
})

describe('CSV, JSON and plain text', () => {
  it('writes each CSV row as `header: value; …`, skipping empty values and unwrapping quoted line breaks', async () => {
    const chunks = await chunksOf({ bytes: fixture('products.csv'), filename: 'products.csv', contentType: 'application/vnd.ms-excel' })
    expect(chunks.map((chunk) => [chunk.title, chunk.headingPath, chunk.text])).toEqual([
      [
        'products',
        [],
        'name: Rye loaf; price: 4.50; description: Dark rye, baked on Thursdays\nname: Croissant; price: 1.80; description: Butter croissant, flaky\nname: Gift card; description: Any amount',
      ],
    ])
  })

  it('reads semicolon-separated CSV as spreadsheets save it in many locales, and refuses a broken one', async () => {
    const bytes = new TextEncoder().encode('\uFEFFProduct;Price\n"Brot, dunkel";3,20\n')
    expect((await chunksOf({ bytes, filename: 'preise.csv' }))[0]!.text).toBe('Product: Brot, dunkel; Price: 3,20')
    const message = await refusal({ bytes: new TextEncoder().encode('a,b\n"unclosed,1\n'), filename: 'bad.csv' })
    expect(message).toMatch(/^This CSV file could not be read \(.*Quote Not Closed.*\); check its quotes and save it again\.$/s)
  })

  it('writes JSON as `path: value` lines, an entry per top-level key, a list under its own heading', async () => {
    const chunks = await chunksOf({ bytes: fixture('bakery.json'), filename: 'bakery.json' })
    expect(chunks.map((chunk) => [chunk.title, chunk.headingPath, chunk.text])).toEqual([
      ['bakery', [], 'company.name: Acme Bakery\ncompany.founded: 1987\ncompany.address.street: Mill Lane 3\ncompany.address.city: Ghent\n\nopen: true'],
      [
        'bakery',
        ['faq'],
        'question: Do you deliver?\nanswer: Yes, in the Old Town and the Harbour.\n\nquestion: Is there gluten-free bread?\nanswer: Rye, on Thursdays.\ntags[0]: allergens\ntags[1]: rye',
      ],
    ])
    expect(await refusal({ bytes: new TextEncoder().encode('{"a": '), filename: 'cut.json' })).toMatch(/^This JSON file could not be read \(.+\)\.$/)
  })

  it('reads plain text as paragraphs between blank lines, titled from the file name or the title given', async () => {
    const chunks = await chunksOf({ bytes: fixture('counter-notes.txt'), filename: 'counter-notes.txt' })
    expect(chunks.map((chunk) => [chunk.title, chunk.url, chunk.text])).toEqual([
      ['counter-notes', null, 'Notes for the counter\n\nGreet every customer.\nOffer a taste of the bread of the day.\n\nClose the till at 18:15.'],
    ])
    const pasted = await chunksOf({ bytes: new TextEncoder().encode('Ring twice.'), contentType: 'text/plain', title: 'Door' })
    expect(pasted.map((chunk) => [chunk.title, chunk.text])).toEqual([['Door', 'Ring twice.']])
  })
})

describe('refusals', () => {
  const text = (value: string) => new TextEncoder().encode(value)

  it('names the unsupported type and what to upload instead', async () => {
    expect(await refusal({ bytes: text('PK'), filename: 'Menu.DOCX' })).toBe(`Unsupported file type (.docx); ${UNSUPPORTED}`)
    expect(await refusal({ bytes: text('x'), contentType: 'image/png' })).toBe(`Unsupported file type (image/png); ${UNSUPPORTED}`)
    expect(await refusal({ bytes: text('x') })).toBe(`Unsupported file type (unknown); ${UNSUPPORTED}`)
  })

  it('picks the parser from a specific content type first, else from the extension of the file or URL', async () => {
    expect((await parseSource({ bytes: text('# Hi\n\nThere.'), filename: 'notes.md', contentType: 'application/octet-stream' })).title).toBe('Hi')
    expect((await parseSource({ bytes: text('<title>Login</title><p>Sign in.</p>'), url: 'https://acme.example/a.pdf', contentType: 'text/html' })).title).toBe(
      'Login',
    )
    expect((await parseSource({ bytes: text('{"a": 1}'), url: 'https://acme.example/data.json' })).blocks).toEqual([{ kind: 'record', text: 'a: 1' }])
    expect((await parseSource({ bytes: text('# Not a heading'), filename: 'notes', contentType: 'text/plain' })).blocks).toEqual([
      { kind: 'paragraph', text: '# Not a heading' },
    ])
  })

  it('refuses bytes that are not valid UTF-8, or binary data, for text types', async () => {
    const invalid = new Uint8Array([0x48, 0x69, 0xff, 0xfe, 0x21])
    for (const filename of ['a.md', 'a.txt', 'a.html', 'a.csv', 'a.json']) {
      expect(await refusal({ bytes: invalid, filename })).toBe('This file is not valid UTF-8 text; save it as UTF-8 and upload it again.')
    }
    expect(await refusal({ bytes: text('a\u0000b'), filename: 'a.txt' })).toBe(`This file holds binary data, not text; ${UNSUPPORTED}`)
    expect(await refusal({ bytes: text('x'), contentType: 'text/plain; charset=klingon' })).toBe(
      'This file is in a character set that cannot be read (klingon); save it as UTF-8 and upload it again.',
    )
  })

  it('refuses a source over the size limit before reading it, 20 MiB unless told otherwise', async () => {
    expect(DEFAULT_MAX_SOURCE_BYTES).toBe(20 * 1024 * 1024)
    expect(await refusal({ bytes: new Uint8Array(DEFAULT_MAX_SOURCE_BYTES + 1), filename: 'big.txt' })).toBe(
      'This file is 20.1 MiB; the largest accepted is 20 MiB. Split it or upload a smaller one.',
    )
    expect(await refusal({ bytes: text('x'.repeat(2049)), filename: 'a.txt' }, { maxBytes: 2048 })).toBe(
      'This file is 3 KiB; the largest accepted is 2 KiB. Split it or upload a smaller one.',
    )
    expect(await refusal({ bytes: text('x'.repeat(2048)), filename: 'a.txt' }, { maxBytes: 2048 })).toBe('parsed')
  })

  it('refuses a file nested too deeply to walk, instead of failing with a stack overflow', async () => {
    const message = 'This file is nested too deeply to read; simplify its structure or paste the text.'
    expect(await refusal({ bytes: text(`${'['.repeat(50_000)}${']'.repeat(50_000)}`), filename: 'deep.json' })).toBe(message)
    expect(await refusal({ bytes: text(`${'<div>'.repeat(30_000)}x`), filename: 'deep.html' })).toBe(message)
  })

  it('refuses a source with no text at all', async () => {
    for (const [body, filename] of [
      ['', 'empty.txt'],
      ['  \n\n ', 'blank.md'],
      ['<nav>Only links</nav><script>x()</script>', 'page.html'],
      ['[]', 'list.json'],
    ]) {
      expect(await refusal({ bytes: text(body!), filename })).toBe('There is no text to read in this source.')
    }
  })
})
