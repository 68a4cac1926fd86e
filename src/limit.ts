/** A counting semaphore: bounds how many calls are in flight, so a large audit never bursts. */
export class Semaphore {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>(r => this.waiting.push(r))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}

/** Runs `fn` over items with the results in input order. */
export const mapAll = <T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> => Promise.all(items.map((item, i) => fn(item, i)))
