/** Scripted failures: the Nth matching call (and `times` after it) fails or has its connection dropped. */
import type { Fault } from './scenario'

export class FaultInjector {
  private readonly seen: number[]
  private readonly patterns: RegExp[]
  constructor(private readonly faults: Fault[]) {
    this.seen = faults.map(() => 0)
    this.patterns = faults.map(f => new RegExp(f.path))
  }

  /** The fault to apply to this call, if any. Every matching call counts, faulted or not. */
  check(method: string, path: string): Fault['kind'] | undefined {
    return this.match(method, path)?.kind
  }

  /** As `check`, with the whole fault (a latency spike's `delayMs`). */
  match(method: string, path: string): Fault | undefined {
    let hit: Fault | undefined
    this.faults.forEach((f, i) => {
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return
      if (!this.patterns[i].test(path)) return
      const n = ++this.seen[i]
      if (hit === undefined && n >= f.nth && n < f.nth + (f.times ?? 1)) hit = f
    })
    return hit
  }
}
