/** Per-job and overall results, by the contract's precedence: failed > drift > fixed > ok. */
import type { Mode } from '../inputs'
import { hasBlocker, hasDrift, type Change, type Check, type JobPlan } from '../plan'
import type { AttemptResult } from '../testrun'

export type Result = 'ok' | 'fixed' | 'drift' | 'failed'

export interface JobOutcome {
  plan: JobPlan
  attempt?: AttemptResult
  changes: Change[]
  result: Result
  /** Why the test attempt failed, in terms of the checks. */
  explanation?: string
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
}

/** The check that best explains a failed attempt, for the report. */
export function explainFailure(plan: JobPlan, attempt: AttemptResult, applied: boolean): string | undefined {
  if (attempt.passed) return undefined
  const errors = plan.checks.filter((c: Check) => c.severity === 'error' && (c.blocker || !applied))
  const byStatus: Record<number, string[]> = {
    401: ['job.token', 'job.audience', 'job.service_account'],
    403: ['target.ingress', 'iam.invoker', 'job.token', 'iam.service_agent', 'job.service_account'],
    404: ['job.uri']
  }
  const order = attempt.httpStatus ? (byStatus[attempt.httpStatus] ?? []) : []
  // A 5xx (or any status past authentication) is the target's own answer: no auth finding explains it.
  const authLike = !attempt.httpStatus || attempt.httpStatus < 500
  const hit = order.map(id => errors.find(c => c.id === id)).find(Boolean) ?? (authLike ? errors[0] : undefined)
  if (hit) return `${hit.title}: ${hit.found} (expected ${hit.expected})`
  if (attempt.httpStatus && attempt.httpStatus >= 500)
    return `the target itself answered ${attempt.httpStatus}: authentication passed; look at the function's or service's own logs`
  if (attempt.httpStatus === 401 || attempt.httpStatus === 403)
    return applied
      ? 'IAM changes had not propagated within the timeout; run again in a few minutes'
      : 'no check explains it; the target may require something else (VPC-SC, org policy)'
  return undefined
}

export function jobResult(mode: Mode, plan: JobPlan, changes: Change[], attempt: AttemptResult | undefined, applied: boolean): Result {
  if (hasBlocker(plan) || (attempt && (!attempt.passed || attempt.error))) return 'failed'
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
