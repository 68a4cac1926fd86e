/**
 * Reading the stand-in's request log: when each call ended, what it was, how many were in
 * flight at once, and the chain of sequential round trips (the critical path).
 *
 * The log records when a request arrived (`time`, after its body was read) and, once answered,
 * its `status`. The end time is observed here without touching the stand-in: the bench wraps
 * each record as it is pushed and notes the moment its final status is assigned (just before
 * the response is written). A dependent call cannot start before the call it depends on has
 * ended, so two calls whose intervals overlap are parallel, and a chain of calls that each start
 * after the previous one ended is sequential.
 */
import type { FakeGcp, RequestRecord } from '../fake-gcp'

export interface Call {
  method: string
  path: string
  /** ms since the first call of the run */
  start: number
  end: number
  status: number
  /** e.g. `scheduler.jobs.get`, `run.services.getIamPolicy`, `run.jobs.get` (a Cloud Run job) */
  name: string
}

/** Starts recording end times; returns a reader of the calls logged since `from`. */
export function track(fake: FakeGcp): { calls: (from?: number) => Call[] } {
  const ends = new WeakMap<RequestRecord, number>()
  const log = fake.requests
  const push = log.push.bind(log)
  log.push = (...records: RequestRecord[]): number => {
    for (const r of records) {
      let status = r.status
      Object.defineProperty(r, 'status', {
        enumerable: true,
        configurable: true,
        get: () => status,
        set: (v: number) => {
          status = v
          ends.set(r, Date.now())
        }
      })
    }
    return push(...records)
  }
  return {
    calls(from = 0): Call[] {
      const records = log.slice(from)
      const t0 = records.length ? records[0].time : 0
      return records.map(r => ({
        method: r.method,
        path: r.path,
        start: r.time - t0,
        end: (ends.get(r) ?? r.time) - t0,
        status: r.status,
        name: callName(r.method, r.path)
      }))
    }
  }
}

/** A Google-style method name for a REST call, e.g. `GET /v2/…/services/x:getIamPolicy` → `run.services.getIamPolicy`. */
export function callName(method: string, path: string): string {
  if (path.startsWith('/_github/')) return 'github.oidcToken'
  if (path === '/v1/token') return 'sts.token'
  if (path.endsWith(':generateAccessToken')) return 'iamcredentials.generateAccessToken'
  if (path.startsWith('/v2/entries:')) return `logging.entries.${path.split(':')[1]}`
  const [resourcePath, custom] = path.split(':')
  const segments = resourcePath.split('/').filter(Boolean).slice(1) // drop the version
  const collections = segments.filter((_, i) => i % 2 === 0)
  const last = collections[collections.length - 1] ?? ''
  // Scheduler jobs live on /v1 and have no IAM methods; Cloud Run jobs (Admin v2, IAM on v1 and
  // v2 as gcloud calls it, the regional v1 surface) and their executions are Cloud Run's
  const runJob = path.startsWith('/v2/') || path.startsWith('/apis/run.googleapis.com/') || /^(get|set)IamPolicy$|^testIamPermissions$/.test(custom ?? '')
  const api =
    last === 'jobs'
      ? runJob
        ? 'run'
        : 'scheduler'
      : last === 'executions' && collections.includes('jobs')
        ? 'run'
        : last === 'functions'
          ? `functions${path.startsWith('/v1/') ? '.v1' : ''}`
          : last === 'services'
            ? 'run'
            : last === 'serviceAccounts'
              ? 'iam'
              : 'resourcemanager'
  const collection = last || 'projects'
  const verb =
    custom ?? (method === 'GET' ? (segments.length % 2 === 0 ? 'get' : 'list') : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : 'create')
  return `${api}.${collection}.${verb}`
}

export const isAuth = (c: Call): boolean => c.name === 'github.oidcToken' || c.name === 'sts.token' || c.name === 'iamcredentials.generateAccessToken'
export const isRun = (c: Call): boolean => c.name === 'scheduler.jobs.run'

export interface CriticalPath {
  /** sequential round trips on the longest chain */
  rounds: number
  /** the calls at each depth: round k holds every call whose longest chain of predecessors is k−1 long */
  levels: string[][]
  /** one longest chain, first call first */
  path: string[]
}

/**
 * The longest chain of calls in which each starts after the previous one ended. O(n²), which is
 * fine for the few hundred calls before a run.
 */
export function criticalPath(calls: Call[]): CriticalPath {
  const sorted = [...calls].sort((a, b) => a.start - b.start || a.end - b.end)
  const depth: number[] = []
  const prev: number[] = []
  for (let i = 0; i < sorted.length; i++) {
    depth[i] = 1
    prev[i] = -1
    for (let j = 0; j < i; j++)
      if (sorted[j].end <= sorted[i].start && depth[j] + 1 > depth[i]) {
        depth[i] = depth[j] + 1
        prev[i] = j
      }
  }
  const rounds = depth.length ? Math.max(...depth) : 0
  const levels: string[][] = Array.from({ length: rounds }, () => [])
  sorted.forEach((c, i) => levels[depth[i] - 1].push(c.name))
  const path: string[] = []
  for (let i = depth.indexOf(rounds); i >= 0; i = prev[i]) path.unshift(sorted[i].name)
  return { rounds, levels: levels.map(compact), path }
}

/** `['a', 'a', 'b']` → `['a ×2', 'b']`, order kept. */
export function compact(names: string[]): string[] {
  const counts = new Map<string, number>()
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1)
  return [...counts].map(([n, k]) => (k > 1 ? `${n} ×${k}` : n))
}

/**
 * The calls `jobs.run` could have waited for: those that ended before it started (all of them
 * when nothing was run). A call still in flight when the run starts is beside it, not before it:
 * it costs the run no round trip.
 */
export function beforeFirstRun(calls: Call[]): Call[] {
  const run = calls.find(isRun)
  return run ? calls.filter(c => c.end <= run.start) : calls
}

/** The most calls open at the stand-in at any one moment. */
export function maxInFlight(calls: Call[]): number {
  const events = calls.flatMap(c => [
    { t: c.start, d: 1 },
    { t: Math.max(c.end, c.start + 1), d: -1 }
  ])
  events.sort((a, b) => a.t - b.t || a.d - b.d) // an end before a start at the same instant
  let open = 0
  let max = 0
  for (const e of events) max = Math.max(max, (open += e.d))
  return max
}

/** The most calls matching `pick` in any 60-second window (what per-minute quotas count). */
export function maxPerMinute(calls: Call[], pick: (c: Call) => boolean): number {
  const t = calls.filter(pick).map(c => c.start)
  let max = 0
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= 60000) i++
    max = Math.max(max, j - i + 1)
  }
  return max
}
