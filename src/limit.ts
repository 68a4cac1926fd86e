/** A counting semaphore: bounds how many calls are in flight, so a large audit never bursts. */
export class Semaphore {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing call hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (this.active >= this.max) await new Promise<void>(r => this.waiting.push(r))
    else this.active++
    try {
      return await fn()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

/**
 * At most `max` starts in any `windowMs`: keeps a burst of writes (a project-wide fix and test
 * run) under a per-minute API quota instead of tripping it and retrying.
 */
export class RateLimit {
  private readonly starts: number[] = []

  constructor(
    readonly max: number,
    readonly windowMs: number
  ) {}

  async take(): Promise<void> {
    for (;;) {
      const now = Date.now()
      while (this.starts.length && this.starts[0] <= now - this.windowMs) this.starts.shift()
      if (this.starts.length < this.max) {
        this.starts.push(now)
        return
      }
      await new Promise(r => setTimeout(r, this.starts[0] + this.windowMs - now))
    }
  }
}
