/**
 * Test runs: trigger each job, detect its attempt by reading the job (cheap), then learn the
 * attempt's exact HTTP status from the Scheduler execution log, which lags behind. All jobs of
 * a run share one log query per poll, well inside Logging's 60 reads per minute.
 */
import type { GoogleClients } from '../google/clients'
import { ApiError, sleep } from '../google/http'
import { QuotaWaitError, RateLimit } from '../limit'
import type { Job, LogEntry } from '../google/types'
import { locationName, splitName } from '../names'
import type { ExecutionResult } from '../targets'

export interface AttemptResult {
  job: string
  /** Exact status from the log, or inferred from the job's status code when the attempt failed. */
  httpStatus?: number
  inferred: boolean
  /** Inferred success: the job's status says 2xx, without the exact code (no log entry to read). */
  inferredSuccess?: boolean
  /** The job's google.rpc code for the attempt, when it failed. */
  rpcCode?: number
  /** Scheduler's debugInfo from the log (e.g. URL_ERROR-ERROR_AUTHENTICATION). */
  debugInfo?: string
  /** From `jobs.run` to the attempt being seen on the job. */
  latencyMs?: number
  runs: number
  /** After a fix: from the last write to the first passing attempt. */
  propagationMs?: number
  passed: boolean
  error?: string
  /** The execution the attempt created, followed to its end (await_execution). */
  execution?: ExecutionResult
}

export interface TestRunJob {
  name: string
  /** lastAttemptTime before the run: the attempt is the one that moves it. */
  lastAttemptTime?: string
  /** Re-run on 401/403 while IAM propagates (only right after a fix nothing else explains). */
  retryWhilePropagating: boolean
  /** Follows the execution an attempt created after `sinceMs` to its end (Cloud Run jobs, workflows). */
  followExecution?: (sinceMs: number, deadline: number) => Promise<ExecutionResult>
}

export interface TestRunOptions {
  project: string
  expectedStatus: number
  timeoutMs: number
  /** When the fix's last write landed. */
  fixedAt?: number
  log?: (message: string) => void
  /** A wait begins (see Logger.wait); the function it returns ends it. */
  wait?: (what: string) => () => void
  /** Poll cadence (tests shorten it). */
  jobPollMs?: number
  logPollMs?: number
  /** How long to wait for the log entry once the attempt is seen. */
  logWaitMs?: number
}

const RPC_TO_HTTP: Record<number, number> = { 3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 13: 500, 14: 503, 16: 401 }
const RPC_NAMES: Record<number, string> = {
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED'
}
export const rpcName = (code: number): string => RPC_NAMES[code] ?? `code ${code}`

/**
 * The HTTP status a failed attempt's google.rpc code implies; undefined when it is too coarse
 * (UNKNOWN) or absent — no code means some 2xx, and which one only the log knows.
 */
export function httpFromRpc(code: number | undefined): number | undefined {
  return code ? RPC_TO_HTTP[code] : undefined
}

/** The attempt's status as the report and outputs show it: exact, `2xx` when only success is known, else undefined. */
export const shownStatus = (a: AttemptResult): string | undefined => (a.httpStatus ? String(a.httpStatus) : a.inferredSuccess ? '2xx' : undefined)

const FINISHED = 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished'

interface Waiter {
  jobId: string
  location: string
  /** Server time of the attempt start: its AttemptFinished entry is at or after it. */
  since: string
  registered: number
  resolve: (e: LogEntry | undefined) => void
  deadline: number
}

/** One poller per run: a single entries:list serves every job waiting for its entry. */
export class LogWatcher {
  private waiters: Waiter[] = []
  private running = false
  private readonly reads = new RateLimit(LOG_READS_PER_MINUTE, 60_000)
  unavailable?: string

  constructor(
    private readonly g: GoogleClients,
    private readonly project: string,
    private readonly pollMs: number,
    private readonly log: (m: string) => void
  ) {}

  wait(jobName: string, since: string, deadline: number): Promise<LogEntry | undefined> {
    if (this.unavailable) return Promise.resolve(undefined)
    const { id, location } = splitName(jobName)
    return new Promise(resolve => {
      this.waiters.push({ jobId: id, location, since, registered: Date.now(), resolve, deadline })
      if (!this.running) void this.loop()
    })
  }

  private filter(): string {
    const since = this.waiters.map(w => w.since).sort((a, b) => Date.parse(a) - Date.parse(b))[0]
    const locations = [...new Set(this.waiters.map(w => w.location))]
    // Logging filters are capped at 20k characters: name jobs only while the list stays short.
    const ids = [...new Set(this.waiters.map(w => w.jobId))]
    const scope =
      ids.length <= 50
        ? `(${ids.map(i => `resource.labels.job_id="${i}"`).join(' OR ')})`
        : `(${locations.map(l => `resource.labels.location="${l}"`).join(' OR ')})`
    return [
      `logName="projects/${this.project}/logs/cloudscheduler.googleapis.com%2Fexecutions"`,
      'resource.type="cloud_scheduler_job"',
      `jsonPayload.@type="${FINISHED}"`,
      `timestamp>="${since}"`,
      scope
    ].join(' AND ')
  }

  private async loop(): Promise<void> {
    this.running = true
    try {
      while (this.waiters.length) {
        let entries: LogEntry[] = []
        await this.reads.take()
        try {
          entries = await this.g.logging.listEntries({
            resourceNames: [`projects/${this.project}`],
            filter: this.filter(),
            orderBy: 'timestamp desc',
            pageSize: 1000
          })
        } catch (e) {
          if (e instanceof ApiError && e.httpStatus === 429) {
            this.log('Cloud Logging read quota reached; backing off')
          } else {
            // No logging.logEntries.list (roles/logging.viewer) or Logging down: fall back to the job status.
            this.unavailable = e instanceof Error ? e.message : String(e)
            this.log(`Cannot read the execution log (${this.unavailable}); HTTP statuses will be inferred from the job status`)
            for (const w of this.waiters) w.resolve(undefined)
            this.waiters = []
            return
          }
        }
        const now = Date.now()
        this.waiters = this.waiters.filter(w => {
          const hit = entries.find(
            e => e.resource?.labels?.job_id === w.jobId && e.resource?.labels?.location === w.location && Date.parse(e.timestamp ?? '') >= Date.parse(w.since)
          )
          if (hit || now >= w.deadline) {
            w.resolve(hit)
            return false
          }
          return true
        })
        // The newest waiter sets the pace: its entry is the one most likely to land soon.
        if (this.waiters.length) await sleep(cadence(this.pollMs, Math.max(...this.waiters.map(w => w.registered)), 10000))
      }
    } finally {
      this.running = false
    }
  }
}

/**
 * Polls in a short burst right after a wait starts (an attempt and its log entry most often
 * land within seconds), then at the normal cadence, then slower: waiting adds little to
 * Google's own delays while reads stay well inside quotas.
 */
const BURST_MS = 250
const BURST_FOR_MS = 4000
function cadence(normalMs: number, since: number, normalForMs: number): number {
  const age = Date.now() - since
  if (age < BURST_FOR_MS) return Math.min(BURST_MS, normalMs)
  return age < normalForMs ? normalMs : Math.round(normalMs * 2.5)
}

/** Logging allows 60 entries:list calls per minute per project; the bursts above stay under this. */
const LOG_READS_PER_MINUTE = 50

interface AttemptWaiter {
  name: string
  previous?: string
  since: number
  deadline: number
  resolve: (job: Job | undefined) => void
  reject: (e: unknown) => void
}

/**
 * Detects attempts by reading the jobs, for every job of a run in one poll loop: a few jobs are
 * read one by one, many by listing their location (one call per 500 jobs), so a project-wide
 * test run stays inside Cloud Scheduler's read quota.
 */
export class AttemptWatcher {
  private waiters: AttemptWaiter[] = []
  private running = false

  constructor(
    private readonly g: GoogleClients,
    private readonly pollMs: number
  ) {}

  /** The job once its lastAttemptTime moves past `previous`; undefined at the deadline. */
  wait(name: string, previous: string | undefined, deadline: number): Promise<Job | undefined> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ name, previous, since: Date.now(), deadline, resolve, reject })
      if (!this.running) void this.loop()
    })
  }

  private async read(): Promise<Map<string, Job>> {
    const jobs = new Map<string, Job>()
    if (this.waiters.length <= 5) {
      await Promise.all(
        this.waiters.map(w =>
          this.g.scheduler.getJob(w.name).then(
            job => void jobs.set(w.name, job),
            (e: unknown) => {
              w.reject(e)
              this.waiters = this.waiters.filter(x => x !== w)
            }
          )
        )
      )
      return jobs
    }
    const parents = [
      ...new Set(
        this.waiters.map(w => {
          const { project, location } = splitName(w.name)
          return locationName(project, location)
        })
      )
    ]
    await Promise.all(parents.map(async parent => (await this.g.scheduler.listJobs(parent)).forEach(job => jobs.set(job.name, job))))
    return jobs
  }

  private async loop(): Promise<void> {
    this.running = true
    try {
      while (this.waiters.length) {
        let jobs: Map<string, Job>
        try {
          jobs = await this.read()
        } catch (e) {
          for (const w of this.waiters) w.reject(e)
          this.waiters = []
          return
        }
        const now = Date.now()
        this.waiters = this.waiters.filter(w => {
          const job = jobs.get(w.name)
          if (job?.lastAttemptTime && job.lastAttemptTime !== w.previous) w.resolve(job)
          else if (now >= w.deadline) w.resolve(undefined)
          else return true
          return false
        })
        if (this.waiters.length)
          await sleep(
            Math.min(
              cadence(this.pollMs, Math.max(...this.waiters.map(w => w.since)), 15000),
              Math.max(0, Math.min(...this.waiters.map(w => w.deadline)) - Date.now())
            )
          )
      }
    } finally {
      this.running = false
    }
  }
}

/** Runner and Google clocks agree to well under this (both NTP-synced). */
const CLOCK_SLACK_MS = 2000

/**
 * The attempt to wait past. A job on a tight schedule may have fired since it was first read (a
 * fix phase takes seconds): the attempt `jobs.run` reports is then newer, and it is not ours.
 * One that started around or after the call could be ours, and is not taken as the baseline.
 */
function laterAttempt(previous: string | undefined, reported: string | undefined, runStartedMs: number): string | undefined {
  if (!reported) return previous
  const at = Date.parse(reported)
  if (!(at < runStartedMs - CLOCK_SLACK_MS)) return previous
  return !previous || at > Date.parse(previous) ? reported : previous
}

/** Runs every job concurrently; `timeoutMs` bounds the whole phase. */
export async function testRun(g: GoogleClients, jobs: TestRunJob[], o: TestRunOptions): Promise<AttemptResult[]> {
  const log = o.log ?? (() => {})
  const deadline = Date.now() + o.timeoutMs
  const watcher = new LogWatcher(g, o.project, o.logPollMs ?? 1000, log)
  const attempts = new AttemptWatcher(g, o.jobPollMs ?? 750)
  return Promise.all(
    jobs.map(j =>
      runOne(g, j, o, deadline, { watcher, attempts }, log).catch((e: unknown) => ({
        job: j.name,
        inferred: false,
        runs: 1,
        passed: false,
        error: e instanceof Error ? e.message : String(e)
      }))
    )
  )
}

async function runOne(
  g: GoogleClients,
  j: TestRunJob,
  o: TestRunOptions,
  deadline: number,
  { watcher, attempts }: { watcher: LogWatcher; attempts: AttemptWatcher },
  log: (m: string) => void
): Promise<AttemptResult> {
  const result: AttemptResult = { job: j.name, inferred: false, runs: 0, passed: false }
  let previous = j.lastAttemptTime
  const id = splitName(j.name).id
  const waiting = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
    const end = o.wait?.(`${id}: ${what}`)
    try {
      return await p()
    } finally {
      end?.()
    }
  }
  for (let retry = 0; ; retry++) {
    result.runs++
    const started = Date.now()
    try {
      const ran = await g.scheduler.runJob(j.name, deadline)
      previous = laterAttempt(previous, ran.lastAttemptTime, started)
    } catch (e) {
      if (!(e instanceof QuotaWaitError)) {
        result.error = e instanceof Error ? e.message : String(e)
        return result
      }
      result.runs-- // this run never started
      if (retry === 0)
        result.error =
          `not run: the action keeps Cloud Scheduler job writes (runs and updates) under ${e.max} per ${e.windowMs / 1000} s ` +
          `(Google's default quota is 500 per minute per project), and none was free before the ${Math.round(o.timeoutMs / 1000)} s \`timeout\`. ` +
          'Raise `timeout` or test fewer jobs in one step.'
      // On a propagation re-run, the last attempt's status stands.
      return result
    }
    // Detect the attempt on the job itself: it moves lastAttemptTime and sets status.
    const job = await waiting('waiting for the attempt', () => attempts.wait(j.name, previous, deadline))
    if (!job?.lastAttemptTime) {
      result.error = `no attempt seen within the ${Math.round(o.timeoutMs / 1000)} s timeout`
      return result
    }
    previous = job.lastAttemptTime
    result.latencyMs = Date.now() - started
    result.rpcCode = job.status?.code || undefined

    const entry = await waiting('waiting for the execution log entry', () =>
      watcher.wait(j.name, job.lastAttemptTime!, Math.min(deadline, Date.now() + (o.logWaitMs ?? 45000)))
    )
    if (entry?.httpRequest?.status) {
      result.httpStatus = entry.httpRequest.status
      result.inferred = false
      result.inferredSuccess = undefined
      result.debugInfo = entry.jsonPayload?.debugInfo
    } else {
      result.httpStatus = httpFromRpc(result.rpcCode)
      result.inferred = true
      result.inferredSuccess = !result.rpcCode
      result.debugInfo = undefined
    }
    result.passed = result.inferredSuccess ? o.expectedStatus >= 200 && o.expectedStatus < 300 : result.httpStatus === o.expectedStatus
    if (result.passed) {
      if (o.fixedAt !== undefined && retry > 0) result.propagationMs = Date.now() - o.fixedAt
      // A 200 from a Google API only says an execution was created: its end says whether it ran.
      if (j.followExecution) {
        result.execution = await waiting('waiting for the execution to end', () => j.followExecution!(started, deadline)).catch(
          (e: unknown): ExecutionResult => ({
            name: '',
            state: 'UNKNOWN',
            succeeded: false,
            running: false,
            error: e instanceof Error ? e.message : String(e)
          })
        )
        result.passed = result.execution.succeeded
      }
      return result
    }
    const authFailure = result.httpStatus === 401 || result.httpStatus === 403
    const backoff = Math.min(2000 * 2 ** retry, 15000)
    if (!j.retryWhilePropagating || !authFailure || Date.now() + backoff > deadline) return result
    log(`${id}: attempt returned ${result.httpStatus}; IAM changes take time to propagate, re-running in ${Math.round(backoff / 1000)} s`)
    await waiting('waiting for IAM changes to propagate', () => sleep(backoff))
  }
}
