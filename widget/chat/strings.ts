/** The widget's UI strings: English by default, German to prove the seam; any can be overridden. */
export type Strings = {
  open: string
  close: string
  placeholder: string
  send: string
  stop: string
  newChat: string
  retry: string
  copy: string
  copied: string
  thinking: string
  stopped: string
  failed: string
  offline: string
  rateLimited: string
  tryAgainIn: string
  /** For a longer wait (a daily quota): `{time}` is the local clock time. */
  tryAgainAt: string
  toolCall: string
  toolError: string
  input: string
  result: string
  passwordPrompt: string
  password: string
  unlock: string
  wrongPassword: string
  poweredBy: string
  messageLabel: string
  you: string
  assistant: string
  attach: string
  removeAttachment: string
  attachmentType: string
  attachmentSize: string
  attachmentCount: string
  /** The heading and label of the list of sources under an answer. */
  sources: string
  /** Feedback on an answer: the thumbs' labels, the comment field, and what is announced once sent. */
  helpful: string
  notHelpful: string
  feedbackComment: string
  sendFeedback: string
  feedbackThanks: string
  /** Human takeover: a person joined the chat (`{name}`), and handed it back to the agent. */
  personJoined: string
  agentBack: string
  /** A signed-in user's earlier conversations: the button and list, and what it says when empty. */
  conversations: string
  noConversations: string
}

export const en: Strings = {
  open: 'Open chat',
  close: 'Close chat',
  placeholder: 'Write a message…',
  send: 'Send',
  stop: 'Stop',
  newChat: 'New chat',
  retry: 'Retry',
  copy: 'Copy',
  copied: 'Copied',
  thinking: 'Thinking…',
  stopped: 'Stopped.',
  failed: 'Something went wrong.',
  offline: 'The chat is not available right now.',
  rateLimited: 'Too many messages. Please wait a moment.',
  tryAgainIn: 'You can send again in {s} s.',
  tryAgainAt: 'You can send again at {time}.',
  toolCall: 'Used {name}',
  toolError: '{name} failed',
  input: 'Input',
  result: 'Result',
  passwordPrompt: 'This chat is protected. Enter the password to continue.',
  password: 'Password',
  unlock: 'Continue',
  wrongPassword: 'That password is not right.',
  poweredBy: 'Powered by Porch',
  messageLabel: 'Message',
  you: 'You',
  assistant: 'Assistant',
  attach: 'Attach a file',
  removeAttachment: 'Remove {name}',
  attachmentType: '{name} cannot be attached: only images and text files can.',
  attachmentSize: '{name} is too large (at most {mb} MB).',
  attachmentCount: 'At most {n} files per message.',
  sources: 'Sources',
  helpful: 'Helpful',
  notHelpful: 'Not helpful',
  feedbackComment: 'What could be better? (optional)',
  sendFeedback: 'Send feedback',
  feedbackThanks: 'Thank you for your feedback.',
  personJoined: 'A person joined the chat: {name}',
  agentBack: 'The agent is back.',
  conversations: 'Conversations',
  noConversations: 'No earlier conversations.',
}

export const de: Strings = {
  open: 'Chat öffnen',
  close: 'Chat schließen',
  placeholder: 'Nachricht schreiben…',
  send: 'Senden',
  stop: 'Stopp',
  newChat: 'Neuer Chat',
  retry: 'Erneut versuchen',
  copy: 'Kopieren',
  copied: 'Kopiert',
  thinking: 'Denkt nach…',
  stopped: 'Angehalten.',
  failed: 'Etwas ist schiefgelaufen.',
  offline: 'Der Chat ist gerade nicht erreichbar.',
  rateLimited: 'Zu viele Nachrichten. Bitte kurz warten.',
  tryAgainIn: 'Sie können in {s} s wieder senden.',
  tryAgainAt: 'Sie können um {time} Uhr wieder senden.',
  toolCall: '{name} verwendet',
  toolError: '{name} fehlgeschlagen',
  input: 'Eingabe',
  result: 'Ergebnis',
  passwordPrompt: 'Dieser Chat ist geschützt. Bitte Passwort eingeben.',
  password: 'Passwort',
  unlock: 'Weiter',
  wrongPassword: 'Das Passwort stimmt nicht.',
  poweredBy: 'Bereitgestellt mit Porch',
  messageLabel: 'Nachricht',
  you: 'Sie',
  assistant: 'Assistent',
  attach: 'Datei anhängen',
  removeAttachment: '{name} entfernen',
  attachmentType: '{name} kann nicht angehängt werden: nur Bilder und Textdateien.',
  attachmentSize: '{name} ist zu groß (höchstens {mb} MB).',
  attachmentCount: 'Höchstens {n} Dateien pro Nachricht.',
  sources: 'Quellen',
  helpful: 'Hilfreich',
  notHelpful: 'Nicht hilfreich',
  feedbackComment: 'Was könnte besser sein? (optional)',
  sendFeedback: 'Feedback senden',
  feedbackThanks: 'Danke für Ihr Feedback.',
  personJoined: 'Eine Person ist dem Chat beigetreten: {name}',
  agentBack: 'Der Assistent ist wieder da.',
  conversations: 'Unterhaltungen',
  noConversations: 'Keine früheren Unterhaltungen.',
}

const builtIn: Record<string, Strings> = { en, de }

/** Strings for a language tag (`de-AT` → German), with per-key overrides on top. */
export function stringsFor(lang: string | null | undefined, overrides: Partial<Strings> = {}): Strings {
  const base = builtIn[(lang ?? 'en').toLowerCase().split('-')[0] ?? 'en'] ?? en
  return { ...base, ...overrides }
}

export const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''))
