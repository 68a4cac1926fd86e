import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { httpFromRpc, testRun, type TestRunJob, type TestRunOptions } from '../../src/engine/testrun'
import { ApiError } from '../../src/google/http'
import type { ListEntriesRequest } from '../../src/google/logging'
import type { Job, LogEntry } from '../../src/google/types'
import { RateLimit } from '../../src/limit'
import { jobName } from '../../src/names'
import { MemoryGoogle } from '../fixtures/google'
import { P, R } from '../fixtures/names'

const JOB = (id: string, location = R): string => jobName({ project: P, location, id })
const FINISHED = 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished'
const OLD_ATTEMPT = '2024-01-01T00:00:00.000Z'

describe('httpFromRpc', () => {
  it.each<[number | undefined, number | undefined]>([
    [undefined, undefined],
    [0, undefined],
    [3, 400],
    [4, 504],
    [5, 404],
    [7, 403],
    [8, 429],
    [13, 500],
    [14, 503],
    [16, 401],
    [2, undefined],
    [9, undefined]
  ])('code %s → %s', (code, http) => {
    expect(httpFromRpc(code)).toBe(http)
  })
})

/** What one run of a job does. */
interface Attempt {
  /** HTTP status in the execution log entry. */
  http?: number
  /** google.rpc code on the job's status (absent = success). */
  rpc?: number
  /** Whether the log entry ever appears (default true). */
  log?: boolean
  /** How long after the attempt the log entry becomes readable. */
  logDelayMs?: number
  debugInfo?: string
}

interface FakeOptions {
  /** getJob calls after a run before the attempt shows on the job (default 1; Infinity = never). */
  seenAfterGets?: number
  /** listEntries failures, in order; undefined entries succeed. */
  logErrors?: (Error | undefined)[]
  runError?: Error
  /** the write cap runJob takes a slot from, with the test run's deadline */
  writes?: RateLimit
}

/**
 * Cloud Scheduler + Cloud Logging as testRun sees them, on the in-memory Google: a run starts the
 * script's next attempt, which shows on the job after some reads and leaves its entry in the
 * execution log, readable after a lag. All of it on the fake clock.
 */
function fakeGoogle(script: Record<string, Attempt[]>, opts: FakeOptions = {}) {
  const g = new MemoryGoogle(
    { jobs: Object.keys(script).map((name): Job => ({ name, state: 'ENABLED', lastAttemptTime: OLD_ATTEMPT })) },
    { writes: opts.writes }
  )
  const jobOf = (name: string): Job => g.world.jobs.find(j => j.name === name)!
  const runs = new Map<string, number>()
  const pending = new Map<string, { a: Attempt; gets: number }>()
  const unseen: { entry: LogEntry; visibleAt: number }[] = []
  let lastTime = 0

  /** A read of the job: the pending attempt shows once enough reads have gone by. */
  const advance = (name: string): void => {
    const p = pending.get(name)
    if (!p || p.gets-- > 0) return
    pending.delete(name)
    const { a } = p
    lastTime = Math.max(Date.now(), lastTime + 1)
    const j = jobOf(name)
    j.lastAttemptTime = new Date(lastTime).toISOString()
    j.status = a.rpc ? { code: a.rpc, message: `attempt failed (${a.rpc})` } : {}
    if (a.log !== false) {
      const [, , , location, , id] = name.split('/')
      unseen.push({
        entry: {
          logName: `projects/${P}/logs/cloudscheduler.googleapis.com%2Fexecutions`,
          timestamp: j.lastAttemptTime,
          resource: { type: 'cloud_scheduler_job', labels: { job_id: id, location, project_id: P } },
          httpRequest: a.http ? { status: a.http } : {},
          jsonPayload: { '@type': FINISHED, jobName: name, ...(a.debugInfo ? { debugInfo: a.debugInfo } : {}) }
        },
        visibleAt: Date.now() + (a.logDelayMs ?? 0)
      })
    }
  }

  g.before.set('scheduler.runJob', arg => {
    const name = String(arg)
    const n = runs.get(name) ?? 0
    const list = script[name]
    runs.set(name, n + 1)
    pending.set(name, { a: list[Math.min(n, list.length - 1)], gets: opts.seenAfterGets ?? 1 })
  })
  if (opts.runError) g.fail.set('scheduler.runJob', () => opts.runError)
  g.before.set('scheduler.getJob', arg => advance(String(arg)))
  // Many jobs are watched by listing their location: each listed job advances like a get.
  g.before.set('scheduler.listJobs', arg => {
    for (const j of g.world.jobs) if (j.name.startsWith(`${String(arg)}/jobs/`)) advance(j.name)
  })
  // Entries become readable once their lag is over; scripted failures come first, in order.
  g.before.set('logging.listEntries', () => {
    for (const u of unseen.filter(x => x.visibleAt <= Date.now())) {
      unseen.splice(unseen.indexOf(u), 1)
      g.world.logEntries.push(u.entry)
    }
  })
  const logErrors = [...(opts.logErrors ?? [])]
  g.fail.set('logging.listEntries', () => logErrors.shift())

  const calls = {
    runJob: () => g.callsTo('scheduler.runJob').length,
    listEntries: () => g.callsTo('logging.listEntries').length,
    filters: () => (g.callsTo('logging.listEntries') as ListEntriesRequest[]).map(r => r.filter)
  }
  return { g, calls, jobOf }
}

/** The instant every test starts at, well after OLD_ATTEMPT. */
const NOW = new Date('2025-06-02T08:00:00.000Z')

beforeEach(() => {
  // Every sleep, poll, deadline and timestamp of the run is on the fake clock.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] })
  jest.setSystemTime(NOW)
})
afterEach(() => {
  jest.useRealTimers()
})

/** Runs the fake clock until `run` settles; `ms` is the fake time it took. */
async function timed<T>(run: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now()
  let ms: number | undefined
  void run.then(
    () => void (ms = Date.now() - started),
    () => void (ms = Date.now() - started)
  )
  await jest.runAllTimersAsync()
  if (ms === undefined) throw new Error('the test run is still pending with no timer left')
  return { value: await run, ms }
}
const settle = async <T>(run: Promise<T>): Promise<T> => (await timed(run)).value

const job = (name: string, retryWhilePropagating = false, lastAttemptTime: string | undefined = OLD_ATTEMPT): TestRunJob => ({
  name,
  lastAttemptTime,
  retryWhilePropagating
})
const FAST: Omit<TestRunOptions, 'timeoutMs'> & { timeoutMs: number } = {
  project: P,
  expectedStatus: 200,
  timeoutMs: 5000,
  jobPollMs: 5,
  logPollMs: 10,
  logWaitMs: 150
}

describe('testRun: the attempt status', () => {
  it.each<[string, Attempt, number, number | undefined, boolean, boolean, string?]>([
    ['exact 200 from the log', { http: 200 }, 200, 200, false, true],
    ['exact 404 from the log', { http: 404, rpc: 5 }, 200, 404, false, false],
    ['exact status where the job code is too coarse (UNKNOWN)', { http: 502, rpc: 2 }, 200, 502, false, false],
    [
      'exact 401 with Scheduler debugInfo',
      { http: 401, rpc: 16, debugInfo: 'URL_ERROR-ERROR_AUTHENTICATION' },
      200,
      401,
      false,
      false,
      'URL_ERROR-ERROR_AUTHENTICATION'
    ],
    ['exact 204 meeting expected_status 204', { http: 204 }, 204, 204, false, true],
    ['the log says 200 but 204 was expected', { http: 200 }, 204, 200, false, false],
    ['log lags a little: still exact', { http: 403, rpc: 7, logDelayMs: 40 }, 200, 403, false, false],
    ['log never shows: status.code 7 → 403 inferred', { rpc: 7, log: false }, 200, 403, true, false],
    ['log never shows: no code → a 2xx, inferred, meets 200', { log: false }, 200, undefined, true, true],
    ['log never shows: no code → a 2xx, inferred, meets 204 too', { log: false }, 204, undefined, true, true],
    ['log never shows: no code → a 2xx, which cannot meet 401', { log: false }, 401, undefined, true, false],
    ['log never shows: UNKNOWN → no status, inferred', { rpc: 2, log: false }, 200, undefined, true, false],
    ['log entry without an httpRequest status → inferred from the code', { rpc: 14 }, 200, 503, true, false]
  ])('%s', async (_, attempt, expectedStatus, httpStatus, inferred, passed, ...rest) => {
    const [debugInfo] = rest
    const f = fakeGoogle({ [JOB('a')]: [attempt] })
    const [r] = await settle(testRun(f.g, [job(JOB('a'))], { ...FAST, expectedStatus }))
    expect(r).toMatchObject({ job: JOB('a'), httpStatus, inferred, passed, runs: 1 })
    expect(r.error).toBeUndefined()
    expect(r.debugInfo).toBe(debugInfo)
    expect(r.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it('a scheduled attempt that fired after the job was read is not taken for the test attempt', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 200 }] })
    // Read before the fix phase: OLD_ATTEMPT. Then the job fired on its own schedule and got a 403.
    Object.assign(f.jobOf(JOB('a')), { lastAttemptTime: new Date(Date.now() - 30_000).toISOString(), status: { code: 7, message: 'scheduled attempt' } })
    const [r] = await settle(testRun(f.g, [job(JOB('a'), false, OLD_ATTEMPT)], FAST))
    expect(r).toMatchObject({ httpStatus: 200, inferred: false, passed: true })
  })

  it('a job that never ran before (no lastAttemptTime) is detected too', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 200 }] })
    delete f.jobOf(JOB('a')).lastAttemptTime
    const [r] = await settle(testRun(f.g, [job(JOB('a'), false, undefined)], FAST))
    expect(r).toMatchObject({ httpStatus: 200, inferred: false, passed: true })
  })

  it.each([
    ['403 (no roles/logging.viewer)', new ApiError('(403) PERMISSION_DENIED Permission denied for logging.logEntries.list', 403, 'PERMISSION_DENIED', '')],
    ['a network failure', new ApiError('POST /v2/entries:list failed after 5 attempts: ECONNRESET', 0, 'UNAVAILABLE', '')]
  ])('log read %s → inferred from the job status, without waiting out the log', async (_, err) => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 401, rpc: 16 }], [JOB('b')]: [{ http: 200 }] }, { logErrors: [err, err, err, err] })
    const { value: rs, ms } = await timed(testRun(f.g, [job(JOB('a')), job(JOB('b'))], { ...FAST, logWaitMs: 4000 }))
    expect(rs.map(r => [r.httpStatus, r.inferredSuccess, r.inferred, r.passed])).toEqual([
      [401, false, true, false],
      [undefined, true, true, true]
    ])
    expect(ms).toBeLessThan(2000)
    expect(f.calls.listEntries()).toBe(1)
  })

  it('a 429 from Logging is backed off, not fatal: the status is still exact', async () => {
    const quota = new ApiError('(429) RESOURCE_EXHAUSTED Quota exceeded for ReadRequestsPerMinutePerProject', 429, 'RESOURCE_EXHAUSTED', '')
    const f = fakeGoogle({ [JOB('a')]: [{ http: 502, rpc: 2 }] }, { logErrors: [quota, quota] })
    const logs: string[] = []
    const [r] = await settle(testRun(f.g, [job(JOB('a'))], { ...FAST, logWaitMs: 2000, log: m => logs.push(m) }))
    expect(r).toMatchObject({ httpStatus: 502, inferred: false })
    expect(f.calls.listEntries()).toBeGreaterThanOrEqual(3)
  })
})

describe('testRun: retries while IAM propagates', () => {
  it('401 right after a fix is re-run until 200; propagation time is reported', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 401, rpc: 16 }, { http: 200 }] })
    const fixedAt = Date.now()
    const [r] = await settle(testRun(f.g, [job(JOB('a'), true)], { ...FAST, timeoutMs: 10000, fixedAt }))
    expect(r).toMatchObject({ httpStatus: 200, inferred: false, passed: true, runs: 2 })
    expect(r.propagationMs).toBeGreaterThanOrEqual(0)
    expect(r.propagationMs).toBeLessThanOrEqual(Date.now() - fixedAt)
    expect(f.calls.runJob()).toBe(2)
  })

  it('403 that never clears stops within the timeout bound', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 403, rpc: 7 }] })
    const {
      value: [r],
      ms
    } = await timed(testRun(f.g, [job(JOB('a'), true)], { ...FAST, timeoutMs: 3000, fixedAt: Date.now() }))
    expect(ms).toBeLessThanOrEqual(3000)
    expect(r.passed).toBe(false)
    expect(r.httpStatus).toBe(403)
    expect(r.runs).toBeGreaterThan(1)
    expect(r.runs).toBeLessThanOrEqual(3)
    expect(r.propagationMs).toBeUndefined()
  })

  it.each<[string, Attempt, boolean]>([
    ['401 when nothing was fixed', { http: 401, rpc: 16 }, false],
    ['500 even after a fix', { http: 500, rpc: 13 }, true],
    ['404 even after a fix', { http: 404, rpc: 5 }, true]
  ])('no re-run: %s', async (_, attempt, retry) => {
    const f = fakeGoogle({ [JOB('a')]: [attempt, { http: 200 }] })
    const [r] = await settle(testRun(f.g, [job(JOB('a'), retry)], { ...FAST, timeoutMs: 10000, fixedAt: retry ? Date.now() : undefined }))
    expect(r.runs).toBe(1)
    expect(r.passed).toBe(false)
    expect(f.calls.runJob()).toBe(1)
  })
})

describe('testRun: errors', () => {
  it('no attempt within the timeout → an error, quickly', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 200 }] }, { seenAfterGets: Infinity })
    const {
      value: [r],
      ms
    } = await timed(testRun(f.g, [job(JOB('a'))], { ...FAST, timeoutMs: 200 }))
    expect(ms).toBeLessThanOrEqual(200)
    expect(r.passed).toBe(false)
    expect(r.error).toMatch(/no attempt/)
    expect(r.httpStatus).toBeUndefined()
    expect(f.calls.listEntries()).toBe(0)
  })

  it('jobs.run failing → an error on that job', async () => {
    const f = fakeGoogle(
      { [JOB('a')]: [{ http: 200 }] },
      { runError: new ApiError('Failed to run job: (403) PERMISSION_DENIED', 403, 'PERMISSION_DENIED', '') }
    )
    const [r] = await settle(testRun(f.g, [job(JOB('a'))], FAST))
    expect(r).toMatchObject({ passed: false, runs: 1 })
    expect(r.error).toMatch(/PERMISSION_DENIED/)
  })
})

describe('testRun: the Scheduler write cap and the timeout', () => {
  it('a job the cap cannot start before the timeout is not run, at once, and says why', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 200 }], [JOB('b')]: [{ http: 200 }] }, { writes: new RateLimit(1, 60_000) })
    const { value: rs, ms } = await timed(testRun(f.g, [job(JOB('a')), job(JOB('b'))], { ...FAST, timeoutMs: 2000 }))
    expect(ms).toBeLessThan(1500)
    expect(f.calls.runJob()).toBe(1)
    const [ran, refused] = rs[0].passed ? rs : [rs[1], rs[0]]
    expect(ran).toMatchObject({ passed: true, httpStatus: 200, runs: 1 })
    expect(refused).toMatchObject({ passed: false, runs: 0 })
    expect(refused.httpStatus).toBeUndefined()
    expect(refused.error).toMatch(/^not run: .*under 1 per 60 s .*before the 2 s `timeout`\. Raise `timeout`/)
  })

  it('a propagation re-run the cap cannot start keeps the last attempt’s status', async () => {
    const f = fakeGoogle({ [JOB('a')]: [{ http: 403, rpc: 7 }, { http: 200 }] }, { writes: new RateLimit(1, 60_000) })
    const [r] = await settle(testRun(f.g, [job(JOB('a'), true)], { ...FAST, timeoutMs: 10000, fixedAt: Date.now() }))
    expect(r).toMatchObject({ passed: false, httpStatus: 403, runs: 1 })
    expect(r.error).toBeUndefined()
    expect(f.calls.runJob()).toBe(1)
  })
})

describe('testRun: several jobs share the log queries', () => {
  it('one entries:list per poll serves every job, each gets its own status', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f']
    const statuses = [200, 401, 403, 404, 500, 200]
    const script = Object.fromEntries(ids.map((id, i) => [JOB(id), [{ http: statuses[i], rpc: statuses[i] === 200 ? undefined : 2, logDelayMs: 120 }]]))
    const f = fakeGoogle(script)
    const logPollMs = 20
    const { value: rs, ms: elapsed } = await timed(
      testRun(
        f.g,
        ids.map(id => job(JOB(id))),
        { ...FAST, logPollMs, logWaitMs: 3000 }
      )
    )
    expect(rs.map(r => r.job)).toEqual(ids.map(id => JOB(id)))
    expect(rs.map(r => r.httpStatus)).toEqual(statuses)
    expect(rs.every(r => !r.inferred)).toBe(true)
    // A poller per job would make ~6× as many calls.
    expect(f.calls.listEntries()).toBeLessThanOrEqual(Math.ceil(elapsed / logPollMs) + 2)
    expect(f.calls.listEntries()).toBeLessThan(ids.length * Math.floor(120 / logPollMs))
    expect(f.calls.filters().some(fl => ids.every(id => fl.includes(`resource.labels.job_id="${id}"`)))).toBe(true)
    for (const fl of f.calls.filters()) expect(fl).toContain(FINISHED)
  })

  it('the same job id in two locations keeps their statuses apart', async () => {
    const a = JOB('same', R)
    const b = JOB('same', 'europe-west1')
    const f = fakeGoogle({ [a]: [{ http: 200, logDelayMs: 30 }], [b]: [{ http: 403, rpc: 7, logDelayMs: 30 }] })
    const rs = await settle(testRun(f.g, [job(a), job(b)], FAST))
    expect(rs.map(r => [r.job, r.httpStatus, r.inferred])).toEqual([
      [a, 200, false],
      [b, 403, false]
    ])
  })

  it('an older entry of the same job is not taken for the new attempt', async () => {
    const f = fakeGoogle({
      [JOB('a')]: [
        { http: 500, rpc: 13 },
        { http: 200, logDelayMs: 10_000 }
      ]
    })
    // First run leaves a 500 entry in the log.
    await settle(testRun(f.g, [job(JOB('a'))], FAST))
    const last = f.jobOf(JOB('a')).lastAttemptTime
    const [r] = await settle(testRun(f.g, [job(JOB('a'), false, last)], { ...FAST, logWaitMs: 60 }))
    expect(r.httpStatus).toBeUndefined()
    expect(r).toMatchObject({ inferred: true, inferredSuccess: true, passed: true })
  })
})
