/** Following an execution that a Scheduler attempt created, whatever API runs it. */
import { sleep } from '../google/http'
import type { ExecutionResult } from './types'

/** Runner and Google clocks agree to well under this. */
const CLOCK_SLACK_MS = 2000

/**
 * Waits for the execution an attempt created and then for its end. Executions and workflow runs
 * differ only in how their times and end are read, so one loop serves both kinds.
 */
export async function follow<E extends { name: string }>(o: {
  list: () => Promise<E[]>
  get: (name: string) => Promise<E>
  createdAt: (e: E) => string | undefined
  end: (e: E) => { state: string; succeeded: boolean; error?: string; durationMs?: number } | undefined
  sinceMs: number
  deadline: number
  pollMs: number
}): Promise<ExecutionResult> {
  let found: E | undefined
  while (!found) {
    found = (await o.list()).find(e => Date.parse(o.createdAt(e) ?? '') >= o.sinceMs - CLOCK_SLACK_MS)
    if (found) break
    if (Date.now() + o.pollMs > o.deadline)
      return { name: '', state: 'NOT_FOUND', succeeded: false, running: false, error: 'no execution created by the attempt was found before the timeout' }
    await sleep(o.pollMs)
  }
  for (let e = found; ;) {
    const end = o.end(e)
    if (end) return { name: e.name, running: false, ...end }
    if (Date.now() + o.pollMs > o.deadline) return { name: e.name, state: 'RUNNING', succeeded: false, running: true }
    await sleep(o.pollMs)
    e = await o.get(e.name)
  }
}
