/**
 * The base of every console panel. Panels render into the light DOM: the console is a page of
 * its own, not a widget dropped into someone else's, so one document stylesheet styles it all,
 * and labels, `aria-describedby` and `aria-controls` work across panels (ids do not cross
 * shadow roots).
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit'
import type { ConsoleSession } from '../../shared/console.ts'
import type { Agent } from '../../shared/owner.ts'

export class ConsoleElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this
  }
}

/**
 * A panel of one agent's page (share, keys, publish, files). The page hands it the agent again
 * after every change; `agentOpened` runs only when it is shown another agent, to load that
 * agent's lists once.
 */
export abstract class AgentPanel extends ConsoleElement {
  agent: Agent | null = null
  private openedFor = ''

  protected abstract agentOpened(agent: Agent): void

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('agent') && this.agent && this.agent.id !== this.openedFor) {
      this.openedFor = this.agent.id
      this.agentOpened(this.agent)
    }
  }
}

/** What an action is doing, for the panel's `role="status"` line. */
export type Feedback = { state: 'idle' } | { state: 'busy' | 'done' | 'failed'; text: string }

export const IDLE: Feedback = { state: 'idle' }

export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Runs one action with visible feedback: `busy` while it runs, then `done` or `failed` with the
 * host's reason. The setter re-renders the panel.
 */
export async function withFeedback<T>(
  set: (feedback: Feedback) => void,
  labels: { busy: string; done: string | ((value: T) => string) },
  action: () => Promise<T>,
): Promise<T | undefined> {
  set({ state: 'busy', text: labels.busy })
  try {
    const value = await action()
    set({ state: 'done', text: typeof labels.done === 'function' ? labels.done(value) : labels.done })
    return value
  } catch (error) {
    set({ state: 'failed', text: `Failed: ${reasonOf(error)}` })
    return undefined
  }
}

/** The live region stays in the DOM even when empty, so screen readers announce its changes. */
export function feedbackView(feedback: Feedback, id?: string): TemplateResult {
  const text = feedback.state === 'idle' ? '' : feedback.text
  return html`<p class="feedback ${feedback.state}" role="status" aria-live="polite" id=${id ?? nothing}>${text}</p>`
}

export const formatDate = (iso: string | null | undefined): string => {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** Copies text; the clipboard needs a secure context (https or localhost), so say so when it is missing. */
export async function copyText(text: string): Promise<void> {
  if (!navigator.clipboard) throw new Error('the clipboard is not available on this connection; select the text and copy it')
  await navigator.clipboard.writeText(text)
}

/** Registers a console element once: host pages may load the script twice. */
export function define(name: string, element: CustomElementConstructor): void {
  if (typeof customElements !== 'undefined' && !customElements.get(name)) customElements.define(name, element)
}

/** Owner keys are managed only by an owner whose reach is unlimited (the host refuses the rest). */
export const managesKeys = (session: Pick<ConsoleSession, 'role' | 'agent_ids'> | null | undefined): boolean =>
  session?.role === 'owner' && session.agent_ids === null

/** Whether the signed-in role may change things (editor and owner) or only look (viewer). */
export const canEdit = (session: Pick<ConsoleSession, 'role'> | null | undefined): boolean => session?.role === 'owner' || session?.role === 'editor'
