/**
 * The last word on a 401/403 nothing explains: Google's Policy Troubleshooter, asked about the
 * job's account, the invoke permission and the resource Google checks it on. Asked only then —
 * it costs a call and needs a role few callers have — and its verdict goes into the report.
 */
import type { GoogleClients } from '../google/clients'
import { ApiError } from '../google/http'
import type { Job, TroubleshootResponse } from '../google/types'
import type { Target } from '../targets'
import { explainingFinding } from './outcome'
import type { Check, JobPlan } from './plan'
import type { AttemptResult } from './testrun'

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Whether the attempt was turned away for who sent it with no finding to say why. As before any
 * repair: drift that fix mode repaired explains a refusal too (the grant may still propagate).
 */
export function unexplained(plan: JobPlan, attempt: AttemptResult | undefined): boolean {
  if (!attempt || attempt.passed || (attempt.httpStatus !== 401 && attempt.httpStatus !== 403)) return false
  return !explainingFinding(plan, attempt, false)
}

/** The verdict in one line: the overall state, and every policy that weighed in. */
function verdict(r: TroubleshootResponse): string {
  const parts: string[] = [r.overallAccessState ?? 'OVERALL_ACCESS_STATE_UNSPECIFIED']
  const allow = r.allowPolicyExplanation
  if (allow?.allowAccessState) {
    const granting = (allow.explainedPolicies ?? []).filter(p => p.allowAccessState === 'ALLOW_ACCESS_STATE_GRANTED').map(p => p.fullResourceName)
    parts.push(`allow: ${allow.allowAccessState}${granting.length ? ` (granted on ${granting.join(', ')})` : ''}`)
  }
  const deny = r.denyPolicyExplanation
  if (deny?.denyAccessState) {
    const denying = (deny.explainedResources ?? []).flatMap(res =>
      (res.explainedPolicies ?? []).filter(p => p.denyAccessState === 'DENY_ACCESS_STATE_DENIED').map(p => p.policy?.name ?? res.fullResourceName ?? '')
    )
    parts.push(`deny: ${deny.denyAccessState}${denying.length ? ` (by ${denying.join(', ')})` : ''}`)
  }
  return parts.join('; ')
}

/** Asks the Troubleshooter about one job, and says what it answered as a finding. */
export async function troubleshoot(g: GoogleClients, plan: JobPlan, t: Target, job: Job): Promise<Check> {
  const access = t.kind.access(t, job)
  const tuple = { principal: plan.invoker ?? '', fullResourceName: t.kind.fullResourceName(t), permission: access.permission }
  const title = 'Policy Troubleshooter'
  const expected = `CAN_ACCESS for ${tuple.principal} (${tuple.permission} on ${tuple.fullResourceName})`
  try {
    const r = await g.troubleshooter.troubleshoot(tuple)
    const found = verdict(r)
    const state = r.overallAccessState
    return {
      id: 'iam.troubleshooter',
      title,
      severity: 'error',
      found,
      expected,
      remedy:
        state === 'CAN_ACCESS'
          ? 'Google sees the access granted, yet the attempt was refused: what stops it is outside IAM (VPC Service Controls, an organization policy, a proxy in front of the target), or a grant still propagating: run again in a few minutes.'
          : state === 'CANNOT_ACCESS'
            ? 'Google sees no access for this account: the policies named above decide it.'
            : 'Google could not decide from what the caller may read (a policy above the project, or a condition): with roles/iam.securityReviewer on the organization it can.'
    }
  } catch (e) {
    const refused = e instanceof ApiError && (e.httpStatus === 403 || e.httpStatus === 401)
    return {
      id: 'iam.troubleshooter',
      title,
      severity: 'warning',
      found: refused ? 'not asked: the caller lacks roles/iam.securityReviewer (Policy Troubleshooter refused)' : `no answer: ${message(e)}`,
      expected,
      remedy: 'Grant the caller roles/iam.securityReviewer on the project to have Google explain an unexplained 403 here.'
    }
  }
}

/** Adds the Troubleshooter's verdict to every job whose refused attempt no finding explains. */
export async function explainRefusals(
  g: GoogleClients,
  jobs: JobPlan[],
  attempts: AttemptResult[],
  targetOf: (j: JobPlan) => { t: Target; job: Job } | undefined
): Promise<void> {
  await Promise.all(
    jobs.map(async j => {
      const at = targetOf(j)
      if (
        !at ||
        !j.invoker ||
        !unexplained(
          j,
          attempts.find(a => a.job === j.job)
        )
      )
        return
      j.checks.push(await troubleshoot(g, j, at.t, at.job))
    })
  )
}
