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

  /**
   * Waits for a start. Rejects at once with QuotaWaitError when no start opens before
   * `deadline`: a caller bound by a timeout learns it now instead of acting after its time is up.
   */
  async take(deadline = Infinity): Promise<void> {
    for (;;) {
      const now = Date.now()
      while (this.starts.length && this.starts[0] <= now - this.windowMs) this.starts.shift()
      if (this.starts.length < this.max) {
        this.starts.push(now)
        return
      }
      const opens = this.starts[0] + this.windowMs
      if (opens > deadline) throw new QuotaWaitError(this.max, this.windowMs)
      await new Promise(r => setTimeout(r, opens - now))
    }
  }
}

export class QuotaWaitError extends Error {
  constructor(
    readonly max: number,
    readonly windowMs: number
  ) {
    super(`no slot under the limit of ${max} per ${windowMs / 1000} s opens before the deadline`)
    this.name = 'QuotaWaitError'
  }
}
