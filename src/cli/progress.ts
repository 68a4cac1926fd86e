/**
 * The progress line: while the engine waits (an attempt, a log entry, IAM propagation, an
 * execution, or a phase's calls) longer than a second, one line on stderr says what it waits for
 * and for how long so far, redrawn in place and erased when the wait ends. Only on a terminal.
 */
import type { Logger } from '../engine'

interface Wait {
  what: string
  since: number
  /** A phase (its calls) rather than a named wait inside it: shown only when nothing finer is. */
  phase: boolean
}

export interface ProgressStream {
  write(s: string): boolean
  columns?: number
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export class Progress {
  private readonly waits = new Set<Wait>()
  private timer?: NodeJS.Timeout
  private frame = 0
  private shown = false

  constructor(
    private readonly out: ProgressStream,
    private readonly now: () => number = Date.now,
    private readonly afterMs = 1000
  ) {}

  /** Starts a wait; the function returned ends it. */
  begin(what: string, phase = false): () => void {
    const w: Wait = { what, since: this.now(), phase }
    this.waits.add(w)
    this.timer ??= setInterval(() => this.draw(), 200).unref()
    return () => {
      this.waits.delete(w)
      if (!this.waits.size) this.stop()
      else this.draw()
    }
  }

  /** The line for now, or undefined while every wait is younger than a second. */
  line(): string | undefined {
    const now = this.now()
    const long = [...this.waits].filter(w => now - w.since >= this.afterMs)
    const fine = long.filter(w => !w.phase)
    const pick = (fine.length ? fine : long).sort((a, b) => a.since - b.since)
    if (!pick.length) return undefined
    const more = pick.length > 1 ? ` (+${pick.length - 1} more)` : ''
    return `${pick[0].what}${more}… ${Math.floor((now - pick[0].since) / 1000)} s`
  }

  draw(): void {
    const line = this.line()
    if (!line) return
    const text = `${SPINNER[this.frame++ % SPINNER.length]} ${line}`
    const max = (this.out.columns ?? 80) - 1
    this.out.write(`\r\x1b[2K${text.length > max ? text.slice(0, max - 1) + '…' : text}`)
    this.shown = true
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.shown) this.out.write('\r\x1b[2K')
    this.shown = false
  }
}

/** The engine's logger in a terminal: phases and waits feed the progress line; the report says the rest. */
export function cliLogger(progress?: Progress): Logger {
  return {
    info: () => {},
    debug: () => {},
    async group(name, fn) {
      const end = progress?.begin(name, true)
      try {
        return await fn()
      } finally {
        end?.()
      }
    },
    wait: progress && (what => progress.begin(what))
  }
}
