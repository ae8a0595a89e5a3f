/**
 * The console's one stylesheet (adopted by the document: panels render into the light DOM).
 * Plain and legible: system fonts, native controls, a visible focus ring, 4.5:1 contrast, and
 * one column below 640 px so it works on a 375 px phone.
 */
import { css } from 'lit'

export const consoleStyles = css`
  html, body { margin: 0; background: #f6f7f9; }
  porch-console {
    color-scheme: light;
    --c-bg: #f6f7f9;
    --c-surface: #fff;
    --c-fg: #1b1e23;
    --c-muted: #545b66;
    --c-border: #c9ced6;
    --c-accent: #1f4fbf;
    --c-accent-fg: #fff;
    --c-ok: #16643a;
    --c-error: #a4161a;
    --c-warn-bg: #fff4d6;
    display: block;
    min-height: 100dvh;
    background: var(--c-bg);
    color: var(--c-fg);
    font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  }
  @media (prefers-color-scheme: dark) {
    html, body { background: #16181c; }
    porch-console {
      color-scheme: dark;
      --c-bg: #16181c;
      --c-surface: #1f2228;
      --c-fg: #e8eaed;
      --c-muted: #a9b0ba;
      --c-border: #454b55;
      --c-accent: #8ab4ff;
      --c-accent-fg: #0b1a33;
      --c-ok: #6fd49a;
      --c-error: #ff8a8a;
      --c-warn-bg: #3a3116;
    }
    porch-console th { background: #2a2e35; }
    porch-console th, porch-console td { border-bottom-color: #3a3f47; }
    porch-console pre.snippet, porch-console .msg .md pre { background: #262a31; }
    porch-console .diff del { background: #4a1d20; color: #ffd7d7; }
    porch-console .drop-zone.dragging { background: #1d2a44; }
  }
  porch-console *, porch-console *::before, porch-console *::after { box-sizing: border-box; }
  .analytics-totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0.5rem; margin: 0.5rem 0 1rem; }
  .analytics-totals div { background: var(--c-surface); border: 1px solid var(--c-border); border-radius: 6px; padding: 0.5rem 0.75rem; }
  .analytics-totals dt { color: var(--c-muted); font-size: 0.85rem; }
  .analytics-totals dd { margin: 0; font-size: 1.15rem; font-variant-numeric: tabular-nums; }
  .analytics-chart { background: var(--c-surface); border: 1px solid var(--c-border); border-radius: 6px; padding: 0.5rem; margin-bottom: 1rem; overflow-x: auto; }
  .analytics-chart .u-legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; font-size: 0.85rem; }
  .analytics-chart .u-legend th { font-weight: 400; }
  .analytics-chart .u-select, .analytics-chart .u-cursor-x, .analytics-chart .u-cursor-y { position: absolute; pointer-events: none; }
  .analytics-chart .uplot, .analytics-chart .u-wrap { position: relative; }
  .analytics-chart .u-over, .analytics-chart .u-under { position: absolute; }
  porch-console a { color: var(--c-accent); }
  porch-console :focus-visible { outline: 3px solid var(--c-accent); outline-offset: 2px; }
  porch-console h1 { font-size: 1.5rem; margin: 0 0 0.75rem; }
  porch-console h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
  porch-console h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }

  .skip-link { position: absolute; left: -9999px; top: 0; background: var(--c-surface); padding: 0.5rem 1rem; z-index: 10; }
  .skip-link:focus { left: 0.5rem; top: 0.5rem; }

  .app-header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.25rem; padding: 0.6rem 1rem; background: var(--c-surface); border-bottom: 1px solid var(--c-border); }
  .brand { font-weight: 700; text-decoration: none; color: var(--c-fg) !important; }
  .app-header nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
  .app-header nav a[aria-current='page'] { font-weight: 700; }
  .who { margin-left: auto; display: flex; align-items: center; gap: 0.75rem; color: var(--c-muted); }
  /* Positioned, so visually hidden text stays inside the page (and inside scrolled tables). */
  main { position: relative; max-width: 72rem; margin: 0 auto; padding: 1rem; }
  main:focus { outline: none; }

  .tabs ul { display: flex; flex-wrap: wrap; gap: 0.25rem; list-style: none; margin: 0 0 1rem; padding: 0; border-bottom: 1px solid var(--c-border); }
  .tabs a { display: inline-block; padding: 0.4rem 0.8rem; text-decoration: none; border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; }
  .tabs a[aria-current='page'] { background: var(--c-surface); border-color: var(--c-border); color: var(--c-fg); font-weight: 600; margin-bottom: -1px; }

  .card { background: var(--c-surface); border: 1px solid var(--c-border); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; }
  .card > :first-child { margin-top: 0; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: flex-end; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }

  .field { display: flex; flex-direction: column; gap: 0.25rem; margin: 0 0 0.9rem; min-width: 0; }
  .field > label, .field > .label, fieldset > legend { font-weight: 600; }
  .hint { color: var(--c-muted); font-size: 0.9em; margin: 0; }
  fieldset { border: 1px solid var(--c-border); border-radius: 6px; margin: 0 0 0.9rem; padding: 0.5rem 0.9rem 0.75rem; min-width: 0; }
  fieldset label { font-weight: normal; margin-right: 1rem; }
  input[type='text'], input[type='password'], input[type='number'], input[type='url'], input[type='search'], input[type='date'], input[type='datetime-local'], select, textarea {
    font: inherit; color: inherit; background: var(--c-surface); border: 1px solid #8a929e; border-radius: 6px; padding: 0.45rem 0.6rem; width: 100%; max-width: 100%;
  }
  textarea { min-height: 5rem; resize: vertical; }
  textarea.code, pre, code { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 0.85rem; }
  input[type='color'] { width: 3.5rem; height: 2.4rem; padding: 0.1rem; border: 1px solid #8a929e; border-radius: 6px; background: var(--c-surface); }

  button, .button { font: inherit; display: inline-flex; align-items: center; gap: 0.35rem; min-height: 2.5rem; padding: 0.4rem 0.9rem; border-radius: 6px; border: 1px solid #8a929e; background: var(--c-surface); color: var(--c-fg); cursor: pointer; text-decoration: none; }
  button.primary, .button.primary { background: var(--c-accent); border-color: var(--c-accent); color: var(--c-accent-fg); }
  button.danger { color: var(--c-error); border-color: var(--c-error); }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.5rem 0; }

  .feedback { min-height: 1.5em; margin: 0.25rem 0; }
  .feedback.busy { color: var(--c-muted); }
  .feedback.done { color: var(--c-ok); }
  .feedback.failed, .error { color: var(--c-error); }
  .warning { background: var(--c-warn-bg); border: 1px solid #b68a00; border-radius: 6px; padding: 0.6rem 0.8rem; }

  .badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; border: 1px solid var(--c-border); font-size: 0.85em; background: var(--c-bg); white-space: nowrap; }
  .badge.ok { border-color: var(--c-ok); color: var(--c-ok); }
  .badge.warn { border-color: #8a5a00; color: #6b4600; }
  .badge.off { color: var(--c-muted); }

  .table-wrap { position: relative; overflow-x: auto; border: 1px solid var(--c-border); border-radius: 8px; background: var(--c-surface); margin: 0 0 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.5rem 0.6rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  th { font-weight: 600; background: #eef0f3; white-space: nowrap; }
  /* Row headers are labels, not column titles: they wrap so a table of them fits a phone. */
  tbody th { white-space: normal; }
  tr:last-child td { border-bottom: 0; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }

  pre.snippet { background: #f0f2f5; border: 1px solid var(--c-border); border-radius: 6px; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 0.25rem 0; }
  .sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

  .diff { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85rem; white-space: pre-wrap; word-break: break-word; margin: 0; }
  .diff ins { background: #dcf5e3; color: #0d4a26; text-decoration: none; display: block; }
  .diff del { background: #fbe0e0; color: #7a1013; text-decoration: line-through; display: block; }
  .diff span { display: block; color: var(--c-muted); }

  .chat-log { display: flex; flex-direction: column; gap: 0.6rem; max-height: 28rem; overflow-y: auto; padding: 0.5rem; background: var(--c-bg); border: 1px solid var(--c-border); border-radius: 8px; }
  .transcript { display: flex; flex-direction: column; gap: 0.6rem; list-style: none; margin: 0; padding: 0.5rem; background: var(--c-bg); border: 1px solid var(--c-border); border-radius: 8px; }
  /* Model output is shown as written (raw markdown included): only its own text keeps line breaks. */
  .msg { padding: 0.5rem 0.7rem; border-radius: 8px; overflow-wrap: anywhere; max-width: 100%; }
  .msg .text { white-space: pre-wrap; }
  .msg .md > :first-child { margin-top: 0; }
  .msg .md > :last-child { margin-bottom: 0; }
  .msg .md blockquote { margin: 0.4rem 0; padding-left: 0.75rem; border-left: 3px solid var(--c-border); color: var(--c-muted); }
  .msg .md pre { background: #f0f2f5; padding: 0.5rem; border-radius: 6px; overflow-x: auto; }
  .msg.user { background: #dfe8fb; align-self: flex-end; }
  .msg.assistant { background: var(--c-surface); border: 1px solid var(--c-border); }
  .msg .meta { display: block; font-size: 0.8em; color: var(--c-muted); margin-top: 0.25rem; }
  .tool { margin: 0.35rem 0; font-size: 0.9em; }
  .tool pre { white-space: pre-wrap; margin: 0.25rem 0; }

  .badge.error { border-color: var(--c-error); color: var(--c-error); }
  .grow { flex: 1 1 16rem; }
  .choices label { display: inline-block; white-space: nowrap; }
  button.linklike { min-height: 0; padding: 0; border: 0; background: none; color: var(--c-accent); text-decoration: underline; text-align: left; }
  td.origin { overflow-wrap: anywhere; min-width: 8rem; }
  .progress { display: inline-flex; align-items: center; gap: 0.4rem; white-space: nowrap; }
  .skipped summary { cursor: pointer; color: var(--c-muted); }
  .skipped ul { margin: 0.25rem 0; padding-left: 1.2rem; overflow-wrap: anywhere; }
  .drop-zone { border: 2px dashed var(--c-border); border-radius: 8px; padding: 0.75rem 1rem; }
  .drop-zone.dragging { border-color: var(--c-accent); background: #eef3fd; }
  .knowledge-hits, .knowledge-chunks { margin: 0.5rem 0; padding-left: 1.5rem; }
  .knowledge-hits > li, .knowledge-chunks > li { margin: 0 0 0.75rem; padding-bottom: 0.5rem; border-bottom: 1px solid #e3e6eb; overflow-wrap: anywhere; }
  .hit-head { margin: 0 0 0.25rem; display: flex; flex-wrap: wrap; gap: 0.25rem 0.6rem; align-items: baseline; }
  .chunk-text { white-space: pre-wrap; margin: 0.25rem 0; }

  .preview-frame { width: 100%; height: 34rem; border: 1px solid var(--c-border); border-radius: 8px; background: #fff; }
  .qr { width: 12rem; height: 12rem; image-rendering: pixelated; background: #fff; }

  @media (max-width: 640px) {
    main { padding: 0.75rem; }
    .who { margin-left: 0; width: 100%; justify-content: space-between; }
    .grid { grid-template-columns: 1fr; }
    .preview-frame { height: 28rem; }
  }
`
