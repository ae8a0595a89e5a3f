/** The host's logger: one line per event on stderr. Callers pass no secrets; errors print only their message and stack. */
export type Logger = {
  info(message: string): void
  error(message: string, error?: unknown): void
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const stamp = () => new Date().toISOString()
  return {
    info: (message) => write(`${stamp()} ${message}`),
    error: (message, error) => {
      const detail = error instanceof Error ? `: ${error.stack ?? error.message}` : error === undefined ? '' : `: ${String(error)}`
      write(`${stamp()} ERROR ${message}${detail}`)
    },
  }
}

export const silentLogger: Logger = { info: () => {}, error: () => {} }
