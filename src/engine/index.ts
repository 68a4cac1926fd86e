/**
 * The engine: the one order of the steps — observe → plan → (preflight, apply) → test run →
 * outcome. It knows nothing of GitHub or terminals: it takes settings, Google clients and a
 * logger, and returns the outcome both front ends render.
 */
import type { GoogleClients } from '../google/clients'
import { lastSegment } from '../names'
import type { Settings } from '../settings'
import { applyPlan, failedWritesError, PermissionProbe, preflight, type Applied } from './apply'
import type { Logger } from './logger'
import { knownPolicies, observe, type Observed } from './observe'
import { buildOutcome, changesOfJob, type Outcome } from './outcome'
import { hasBlocker, plan as makePlan, type Plan } from './plan'
import { testRun, type AttemptResult, type TestRunJob } from './testrun'
import { explainRefusals } from './troubleshoot'
import type { Target } from '../targets'

export type { Logger } from './logger'
export { nullLogger } from './logger'
export type { Outcome } from './outcome'
export type { Plan } from './plan'

export interface EngineOptions {
  /**
   * Fix mode asks this with the plan before anything is written (a terminal's prompt); false
   * writes nothing and runs nothing: the outcome is verify's (drift, and what fix would change).
   */
  confirm?: (plan: Plan) => Promise<boolean>
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** How often a followed execution is read: executions take seconds to minutes, reads are cheap. */
const EXECUTION_POLL_MS = 1000

function executionFollower(g: GoogleClients, t: Target | undefined): TestRunJob['followExecution'] {
  const follow = t?.kind.followExecution
  return follow && ((since, deadline) => follow(g, t, since, deadline, EXECUTION_POLL_MS))
}

export async function runEngine(s: Settings, g: GoogleClients, log: Logger, opts: EngineOptions = {}): Promise<Outcome> {
  // Fix mode tests its write permissions while it reads, so the preflight costs no extra round trip.
  const probe = s.mode === 'fix' ? new PermissionProbe(g) : undefined
  let p: Plan | undefined
  let applied: Applied | undefined
  let attempts: AttemptResult[] = []
  let error: string | undefined
  try {
    const observed: Observed = await log.group('Read jobs, targets and IAM policies', async () => {
      const o = await observe(g, s, probe ? (resource, surface, permissions) => void probe.held(resource, surface, permissions) : undefined)
      log.info(`Project ${o.project.id} (${o.project.number}); ${o.jobs.length} job(s); ${Object.keys(o.targets).length} target(s)`)
      return o
    })
    if (!observed.jobs.length)
      throw new Error(
        `No Cloud Scheduler job to check in projects/${s.project}/locations/${s.location}${s.target ? ` calls ${s.target.input} ${s.target.id}` : ''}; check 'job' and 'location'.`
      )
    const plan = makePlan(observed, s)
    p = plan
    for (const j of plan.jobs)
      for (const c of j.checks)
        log.info(`${c.severity === 'ok' ? 'ok   ' : c.severity === 'warning' ? 'warn ' : 'error'} ${lastSegment(j.job)}: ${c.title}: ${c.found}`)
    for (const n of plan.notes) log.info(`note  ${n}`)

    if (s.mode === 'fix' && plan.changes.length) {
      if (opts.confirm && !(await opts.confirm(plan))) return buildOutcome({ ...s, mode: 'verify' }, plan, undefined, [], undefined)
      const policies = knownPolicies(observed)
      const a = await log.group('Repair', async () => {
        await preflight(g, plan, observed.project.id, policies, probe)
        const done = await applyPlan(g, plan, policies)
        const patched = done.landed.filter(c => c.kind === 'job.oidc' || c.kind === 'job.oauth').length
        log.info(`Patched ${patched} job(s); added ${done.landed.length - patched} IAM member(s)`)
        return done
      })
      applied = a
      // A test run would only show the half-repaired state; the report says what landed.
      if (a.failed.length) throw new Error(failedWritesError(a))
    }

    if (s.testRun) {
      const fixed = applied
      attempts = await log.group('Test run', () =>
        testRun(
          g,
          plan.jobs
            .filter(j => j.target)
            .map(j => ({
              name: j.job,
              lastAttemptTime: observed.jobs.find(o => o.name === j.job)?.job?.lastAttemptTime,
              retryWhilePropagating: !!fixed && changesOfJob(fixed.landed, j).length > 0 && !hasBlocker(j),
              followExecution: s.awaitExecution ? executionFollower(g, observed.targets[j.target!]) : undefined
            })),
          {
            project: s.project,
            expectedStatus: s.expectedStatus,
            timeoutMs: s.timeoutSeconds * 1000,
            fixedAt: fixed?.at,
            log: m => log.info(m),
            wait: log.wait && (what => log.wait!(what))
          }
        )
      )
      await explainRefusals(g, plan.jobs, attempts, j => {
        const t = j.target ? observed.targets[j.target] : undefined
        const job = observed.jobs.find(o => o.name === j.job)?.job
        return t && job ? { t, job } : undefined
      })
    }
  } catch (e) {
    error = message(e)
  }

  return buildOutcome(s, p, applied, attempts, error)
}
