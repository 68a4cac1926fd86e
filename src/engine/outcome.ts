/** Per-job and overall results, by the contract's precedence: failed > drift > fixed > ok. */
import type { Mode, Settings } from '../settings'
import type { Applied } from './apply'
import { hasBlocker, hasDrift, type Change, type ChangeKind, type Check, type CheckId, type JobPlan, type Plan } from './plan'
import type { AttemptResult } from './testrun'

export type Result = 'ok' | 'fixed' | 'drift' | 'failed'

export interface JobOutcome {
  plan: JobPlan
  attempt?: AttemptResult
  changes: Change[]
  result: Result
  /** Why the test attempt failed, in terms of the checks. */
  explanation?: string
  /** The finding that explanation is, when it is one: reports name it rather than repeat it. */
  cause?: CheckId
  /** Repairs this job needed whose write failed (fix mode). */
  writeFailed: ChangeKind[]
}

export interface Outcome {
  mode: Mode
  result: Result
  jobs: JobOutcome[]
  changes: Change[]
  /** A failure of the run itself (auth, preflight, a write). */
  error?: string
  applied: boolean
  expectedStatus: number
  /** What the diagnosis could not read, and the permission that would let it. */
  notes: string[]
}

/** A finding fix mode has just repaired: no longer an error, and no longer for a person to fix. */
export const wasRepaired = (o: Pick<Outcome, 'mode' | 'applied'>, j: Pick<JobOutcome, 'writeFailed'>, c: Check): boolean =>
  o.mode === 'fix' && o.applied && !!c.fixedBy && !c.blocker && !j.writeFailed.includes(c.fixedBy)

/** The finding a failed attempt is put down to, as the job's report shows it. */
export const explainingCheck = (j: Pick<JobOutcome, 'plan' | 'cause'>): Check | undefined => (j.cause ? j.plan.checks.find(c => c.id === j.cause) : undefined)

/** Why a run failed, in one plain line: its error, else the first failed job's attempt or blocker. */
export function failureLine(o: Outcome): string {
  if (o.error) return o.error
  const j = o.jobs.find(x => x.result === 'failed')
  const a = j?.attempt
  if (j && a && (!a.passed || a.error)) {
    const status = a.error ? `could not be tested (${a.error})` : `failed its test attempt${a.httpStatus ? ` (HTTP ${a.httpStatus})` : ''}`
    return `${j.plan.job} ${status}${j.explanation ? `: ${j.explanation}` : ''}; see the job summary for the fix.`
  }
  const c = j?.plan.checks.find(x => x.severity === 'error' && (x.blocker || !x.fixedBy))
  if (j && c) return `${j.plan.job}: ${c.title}: ${c.found}; fix mode cannot repair this (see the job summary for the fix).`
  return 'A job is not set up right; see the job summary for the cause and the fix.'
}

/**
 * The finding that explains a refused or failed attempt, if one does: a blocker or unrepaired
 * error by the status it causes, or IAP, which answers 401/403 before IAM is asked. A warning
 * that only "may apply" explains nothing.
 */
export function explainingFinding(plan: JobPlan, attempt: AttemptResult, applied: boolean): Check | undefined {
  if (attempt.passed || attempt.execution) return undefined
  // Repaired drift no longer explains anything; blockers and findings fix mode has no repair for still do.
  const errors = plan.checks.filter((c: Check) => c.severity === 'error' && (c.blocker || !applied || !c.fixedBy))
  const byStatus: Record<number, string[]> = {
    401: ['account.health', 'job.token', 'job.audience', 'job.service_account', 'iam.troubleshooter'],
    403: [
      'iam.deny',
      'account.health',
      'target.ingress',
      'iam.invoker',
      'job.token',
      'job.scope',
      'iam.service_agent',
      'job.service_account',
      'iam.troubleshooter'
    ],
    404: ['target.url', 'job.uri', 'job.method', 'target.ingress']
  }
  const order = attempt.httpStatus ? (byStatus[attempt.httpStatus] ?? []) : []
  // A 5xx (or any status past authentication) is the target's own answer: no auth finding explains it.
  const authLike = !attempt.httpStatus || attempt.httpStatus < 500
  const hit = order.map(id => errors.find(c => c.id === id)).find(Boolean) ?? (authLike ? errors[0] : undefined)
  if (hit) return hit
  return attempt.httpStatus === 401 || attempt.httpStatus === 403 ? plan.checks.find(c => c.id === 'target.iap') : undefined
}

/** Why an attempt failed, for the report: its finding, or what else the status says. */
export function explainFailure(plan: JobPlan, attempt: AttemptResult, applied: boolean): string | undefined {
  if (attempt.passed) return undefined
  const x = attempt.execution
  if (x && !x.name) return `the attempt was accepted (authentication passed), but its execution could not be followed: ${x.error ?? x.state}`
  if (x)
    return x.running
      ? `the execution ${x.name} was still running at the timeout; raise 'timeout' or set 'await_execution: false'`
      : `the attempt was accepted (authentication passed), but the execution ${x.name || 'it created'} ended ${x.state}${x.error ? `: ${x.error}` : ''}`
  const hit = explainingFinding(plan, attempt, applied)
  if (hit) return hit.severity === 'error' ? `${hit.title}: ${hit.found} (expected ${hit.expected})` : `${hit.title}: ${hit.found}; ${hit.remedy ?? ''}`.trim()
  if (attempt.httpStatus && attempt.httpStatus >= 500)
    return `the target itself answered ${attempt.httpStatus}: authentication passed; look at the function's or service's own logs`
  if (attempt.httpStatus === 401 || attempt.httpStatus === 403)
    return applied
      ? 'IAM changes had not propagated within the timeout; run again in a few minutes'
      : 'no check explains it; the target may require something else (VPC-SC, org policy)'
  return undefined
}

export function jobResult(
  mode: Mode,
  plan: JobPlan,
  changes: Change[],
  attempt: AttemptResult | undefined,
  applied: boolean,
  writeFailed: ChangeKind[] = []
): Result {
  if (hasBlocker(plan) || writeFailed.length || (attempt && (!attempt.passed || attempt.error))) return 'failed'
  if (mode === 'verify' && hasDrift(plan)) return 'drift'
  if (mode === 'fix' && applied && changes.length) return 'fixed'
  if (mode === 'fix' && !applied && hasDrift(plan)) return 'failed'
  return 'ok'
}

export function overallResult(jobs: JobOutcome[], error: string | undefined, mode: Mode, anyChange: boolean): Result {
  if (error || jobs.some(j => j.result === 'failed')) return 'failed'
  if (jobs.some(j => j.result === 'drift')) return 'drift'
  if (mode === 'fix' && anyChange) return 'fixed'
  return 'ok'
}

/** The changes that concern one job: its patch, its account's invoker grant, the project's service agent grant. */
export function changesOfJob(all: Change[], j: JobPlan): Change[] {
  return all.filter(
    c =>
      c.job === j.job ||
      (c.kind === 'iam.invoker' && c.resource === j.bindingResource && c.after.member === `serviceAccount:${j.invoker}`) ||
      (c.kind === 'iam.service_agent' && !!j.target)
  )
}

/** Everything the report needs, from what each step produced (any of them may be missing after an error). */
export function buildOutcome(s: Settings, p: Plan | undefined, applied: Applied | undefined, attempts: AttemptResult[], error: string | undefined): Outcome {
  // Verify reports what fix would change; fix reports only what it changed.
  const changes = p ? (s.mode === 'fix' ? (applied?.landed ?? []) : p.changes) : []
  const jobs: JobOutcome[] = (p?.jobs ?? []).map(plan => {
    const attempt = attempts.find(a => a.job === plan.job)
    const own = changesOfJob(changes, plan)
    const failed = new Set(applied?.failed.map(f => f.resource))
    const writeFailed = p
      ? changesOfJob(p.changes, plan)
          .filter(c => failed.has(c.resource))
          .map(c => c.kind)
      : []
    const result = jobResult(s.mode, plan, own, attempt, !!applied, writeFailed)
    return {
      plan,
      attempt,
      changes: own,
      result,
      explanation: attempt ? explainFailure(plan, attempt, !!applied) : undefined,
      cause: attempt && explainingFinding(plan, attempt, !!applied)?.id,
      writeFailed
    }
  })
  return {
    mode: s.mode,
    result: overallResult(jobs, error, s.mode, changes.length > 0),
    jobs,
    changes,
    error,
    applied: !!applied,
    expectedStatus: s.expectedStatus,
    notes: p?.notes ?? []
  }
}
