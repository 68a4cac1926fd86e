/**
 * What the engine says while it works. Front ends decide where it goes (the action's log groups,
 * a terminal's stderr); tests pass the null logger.
 */
export interface Logger {
  info(message: string): void
  /** Built only when someone listens: debug text can be costly to format. */
  debug(message: () => string): void
  /** One phase of the run (the action folds it into a log group). */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /**
   * A wait begins (for an attempt, a log entry, IAM propagation, an execution); the function it
   * returns ends it. Optional: a terminal shows what it waits for and how long so far.
   */
  wait?(what: string): () => void
}

export const nullLogger: Logger = {
  info: () => {},
  debug: () => {},
  group: (_name, fn) => fn()
}
