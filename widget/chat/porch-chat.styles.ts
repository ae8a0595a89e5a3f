import { css } from 'lit'

/** The dark palette: chosen by `theme="dark"`, or by the system unless `theme="light"`. */
const dark = css`
    --porch-bg: #17191d;
    --porch-fg: #eceef2;
    --porch-muted: #a3aab6;
    --porch-border: #343841;
    --porch-bubble-user: #23335c;
    --porch-bubble-assistant: #24272d;
    --porch-error: #ff8a80;
    --porch-accent: #6f9bff;
    --porch-accent-text: #0b1020;
`

/**
 * Theming is a contract: every knob is a `--porch-*` custom property with its default here,
 * and every region has a `part` name for `::part()`. Nothing leaks into the host page.
 */
export const styles = css`
  :host {
    --porch-accent: #2557d6;
    --porch-accent-text: #ffffff;
    --porch-bg: #ffffff;
    --porch-fg: #1b1d21;
    --porch-muted: #5d6470;
    --porch-border: #d9dde3;
    --porch-bubble-user: #e8eefc;
    --porch-bubble-assistant: #f3f4f6;
    --porch-error: #b42318;
    --porch-radius: 14px;
    --porch-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    --porch-font-size: 15px;
    --porch-width: 400px;
    --porch-height: 640px;
    --porch-offset-x: 20px;
    --porch-offset-y: 20px;
    --porch-launcher-size: 56px;
    --porch-z-index: 2147483000;
    display: block;
    font-family: var(--porch-font);
    font-size: var(--porch-font-size);
    color: var(--porch-fg);
    line-height: 1.45;
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([mode='bubble']) {
    display: contents;
  }
  :host([mode='inline']) {
    height: 100%;
    min-height: 320px;
  }
  :host([mode='page']) {
    height: 100dvh;
  }
  *, *::before, *::after {
    box-sizing: border-box;
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  button:focus-visible, textarea:focus-visible, input:focus-visible, summary:focus-visible, a:focus-visible {
    outline: 2px solid var(--porch-accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }

  .launcher {
    position: fixed;
    bottom: var(--porch-offset-y);
    right: var(--porch-offset-x);
    z-index: var(--porch-z-index);
    width: var(--porch-launcher-size);
    height: var(--porch-launcher-size);
    border: 0;
    border-radius: 50%;
    background: var(--porch-accent);
    color: var(--porch-accent-text);
    box-shadow: 0 6px 24px rgb(0 0 0 / 0.22);
    display: grid;
    place-items: center;
  }
  :host([position='bottom-left']) .launcher {
    right: auto;
    left: var(--porch-offset-x);
  }
  .launcher svg {
    width: 26px;
    height: 26px;
  }

  .panel {
    display: flex;
    flex-direction: column;
    background: var(--porch-bg);
    color: var(--porch-fg);
    height: 100%;
    overflow: hidden;
  }
  :host([mode='inline']) .panel {
    border: 1px solid var(--porch-border);
    border-radius: var(--porch-radius);
  }
  :host([mode='bubble']) .panel {
    position: fixed;
    inset: auto var(--porch-offset-x) calc(var(--porch-offset-y) + var(--porch-launcher-size) + 12px) auto;
    margin: 0;
    padding: 0;
    z-index: var(--porch-z-index);
    width: min(var(--porch-width), calc(100vw - 2 * var(--porch-offset-x)));
    height: min(var(--porch-height), calc(100dvh - var(--porch-launcher-size) - 2 * var(--porch-offset-y) - 12px));
    border: 1px solid var(--porch-border);
    border-radius: var(--porch-radius);
    box-shadow: 0 12px 48px rgb(0 0 0 / 0.25);
  }
  :host([mode='bubble'][position='bottom-left']) .panel {
    inset: auto auto calc(var(--porch-offset-y) + var(--porch-launcher-size) + 12px) var(--porch-offset-x);
  }
  :host([mode='bubble']) .panel:not(.open) {
    display: none;
  }
  @media (max-width: 480px) {
    :host([mode='bubble']) .panel {
      inset: 0;
      width: 100vw;
      height: 100dvh;
      border-radius: 0;
    }
  }

  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 10px 12px 10px 16px;
    border-bottom: 1px solid var(--porch-border);
  }
  header h2 {
    flex: 1;
    margin: 0;
    font-size: 1.05em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .ghost {
    border: 1px solid var(--porch-border);
    background: transparent;
    color: var(--porch-fg);
    border-radius: 8px;
    padding: 4px 10px;
  }
  .icon {
    border: 0;
    background: transparent;
    color: var(--porch-fg);
    width: 32px;
    height: 32px;
    border-radius: 8px;
    font-size: 20px;
    line-height: 1;
  }

  .transcript {
    flex: 1;
    overflow-y: auto;
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 12px;
    overscroll-behavior: contain;
  }
  .message {
    max-width: 88%;
    padding: 10px 14px;
    border-radius: var(--porch-radius);
    overflow-wrap: anywhere;
  }
  .message.user {
    align-self: flex-end;
    background: var(--porch-bubble-user);
    white-space: pre-wrap;
  }
  .message.assistant {
    align-self: flex-start;
    background: var(--porch-bubble-assistant);
  }
  .message :is(p, ul, ol, pre, blockquote, table, h1, h2, h3, h4, h5, h6) {
    margin: 0 0 0.6em;
  }
  .message :is(p, ul, ol, pre, blockquote, table):last-child {
    margin-bottom: 0;
  }
  .message blockquote {
    margin-left: 0;
    padding-left: 10px;
    border-left: 3px solid var(--porch-border);
    color: var(--porch-muted);
  }
  .message a {
    color: var(--porch-accent);
  }
  .message code {
    font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
    font-size: 0.9em;
  }
  .message pre {
    position: relative;
    background: rgb(0 0 0 / 0.06);
    padding: 10px;
    border-radius: 8px;
    overflow-x: auto;
  }
  .message [part~='copy-button'] {
    position: absolute;
    top: 6px;
    right: 6px;
    font-size: 12px;
    border: 1px solid var(--porch-border);
    background: var(--porch-bg);
    color: var(--porch-fg);
    border-radius: 6px;
    padding: 2px 8px;
  }
  .message [part~='code-block'] {
    position: relative;
    margin: 0 0 0.6em;
  }
  .message [part~='code-block'] pre {
    margin: 0;
    padding-top: 28px;
  }
  .message table {
    border-collapse: collapse;
  }
  .message :is(th, td) {
    border: 1px solid var(--porch-border);
    padding: 4px 8px;
  }
  .note {
    color: var(--porch-muted);
    font-size: 0.9em;
  }
  .notice {
    align-self: center;
    text-align: center;
  }
  .author {
    font-size: 0.8em;
    font-weight: 600;
    color: var(--porch-muted);
  }
  .typing::after {
    content: '…';
  }

  details.tool {
    margin: 6px 0;
    border: 1px solid var(--porch-border);
    border-radius: 8px;
    padding: 4px 10px;
    font-size: 0.9em;
  }
  details.tool[data-error] summary {
    color: var(--porch-error);
  }
  details.tool pre {
    white-space: pre-wrap;
    margin: 4px 0;
  }
  .file {
    display: inline-flex;
    gap: 6px;
    margin: 4px 6px 0 0;
    padding: 4px 10px;
    border: 1px solid var(--porch-border);
    border-radius: 999px;
    text-decoration: none;
    color: var(--porch-fg);
  }
  .feedback {
    margin-top: 6px;
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
  }
  .thumb[aria-pressed='true'] {
    background: var(--porch-border);
  }
  .feedback form {
    flex-basis: 100%;
    display: grid;
    gap: 4px;
    font-size: 0.85em;
  }
  .feedback textarea {
    font: inherit;
    width: 100%;
    box-sizing: border-box;
  }
  .sources {
    margin-top: 8px;
    font-size: 0.85em;
    color: var(--porch-muted);
  }
  .sources ol {
    list-style: none;
    margin: 2px 0 0;
    padding: 0;
  }
  .sources a {
    text-decoration: none;
    overflow-wrap: anywhere;
  }
  .sources a:hover {
    text-decoration: underline;
  }
  .attachments {
    padding: 6px 12px 0;
  }
  .attachments .icon {
    width: auto;
    height: auto;
    padding: 0 2px;
    font-size: 1em;
  }
  .attach svg {
    width: 20px;
    height: 20px;
  }
  .error {
    color: var(--porch-error);
    display: flex;
    gap: 8px;
    align-items: center;
    flex-wrap: wrap;
    margin-top: 6px;
  }

  .conversations {
    flex: 1;
    overflow-y: auto;
    display: flex;
    flex-direction: column;
    gap: 6px;
    padding: 12px 16px;
  }
  .conversations button {
    text-align: start;
    border: 1px solid var(--porch-border);
    background: var(--porch-bg);
    color: var(--porch-fg);
    border-radius: var(--porch-radius);
    padding: 8px 12px;
  }

  .starters {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    padding: 0 16px 12px;
  }
  .starters button {
    border: 1px solid var(--porch-border);
    background: var(--porch-bg);
    color: var(--porch-fg);
    border-radius: 999px;
    padding: 6px 12px;
  }

  form.composer {
    display: flex;
    gap: 8px;
    padding: 12px;
    border-top: 1px solid var(--porch-border);
    align-items: flex-end;
  }
  textarea {
    flex: 1;
    resize: none;
    font: inherit;
    color: var(--porch-fg);
    background: var(--porch-bg);
    border: 1px solid var(--porch-border);
    border-radius: 10px;
    padding: 8px 10px;
    max-height: 160px;
    min-height: 40px;
  }
  .primary {
    border: 0;
    background: var(--porch-accent);
    color: var(--porch-accent-text);
    border-radius: 10px;
    padding: 9px 14px;
  }
  .primary:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .center {
    margin: auto;
    padding: 24px;
    text-align: center;
    display: flex;
    flex-direction: column;
    gap: 10px;
    align-items: center;
  }
  .center input {
    font: inherit;
    padding: 8px 10px;
    border: 1px solid var(--porch-border);
    border-radius: 10px;
    background: var(--porch-bg);
    color: var(--porch-fg);
  }
  footer {
    text-align: center;
    font-size: 11px;
    color: var(--porch-muted);
    padding: 0 0 8px;
  }
`
