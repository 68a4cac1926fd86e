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
import { knownPolicies, observeCore, type Diagnosis, type Observed } from './observe'
import { buildOutcome, changesOfJob, type Outcome } from './outcome'
import { hasBlocker, plan as makePlan, type JobPlan, type Plan } from './plan'
import { testRun, type AttemptResult, type TestRunJob } from './testrun'
import { explainRefusals } from './troubleshoot'
import type { Target } from '../targets'

export type { Logger } from './logger'
export { nullLogger } from './logger'
export type { Outcome } from './outcome'
export { failureLine } from './outcome'
export type { Plan } from './plan'

export interface EngineOptions {
  /**
   * Fix mode asks this with the plan before anything is written (a terminal's prompt); false
   * writes nothing and runs nothing: the outcome is verify's (drift, and what fix would change).
   */
  confirm?: (plan: Plan) => Promise<boolean>
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** A plan made before the diagnosis lands: enough to know which jobs to test, never reported. */
const NO_DIAGNOSIS: Diagnosis = { hierarchy: { ancestors: [], deny: [], notes: [] }, accounts: {} }

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
    const { core, diagnosis } = await log.group('Read jobs, targets and IAM policies', async () => {
      const r = await observeCore(g, s, probe ? (resource, surface, permissions) => void probe.held(resource, surface, permissions) : undefined)
      log.info(`Project ${r.core.project.id} (${r.core.project.number}); ${r.core.jobs.length} job(s); ${Object.keys(r.core.targets).length} target(s)`)
      return r
    })
    if (!core.jobs.length)
      throw new Error(
        `No Cloud Scheduler job to check in projects/${s.project}/locations/${s.location}${s.target ? ` calls ${s.target.input} ${s.target.id}` : ''}; check 'job' and 'location'.`
      )
    const test = (jobs: JobPlan[], fixed: Applied | undefined): Promise<AttemptResult[]> =>
      log.group('Test run', () =>
        testRun(
          g,
          jobs
            .filter(j => j.target)
            .map(j => ({
              name: j.job,
              lastAttemptTime: core.jobs.find(o => o.name === j.job)?.job?.lastAttemptTime,
              retryWhilePropagating: !!fixed && changesOfJob(fixed.landed, j).length > 0 && !hasBlocker(j),
              followExecution: s.awaitExecution ? executionFollower(g, core.targets[j.target!]) : undefined
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
    // A verify run's attempts need nothing of the diagnosis (which jobs have a target is known
    // already): they start now, and the diagnosis costs the run no round trip.
    const early = s.mode === 'verify' && s.testRun ? test(makePlan({ ...core, ...NO_DIAGNOSIS }, s).jobs, undefined) : undefined
    early?.catch(() => undefined) // awaited below; its failure is reported there
    const observed: Observed = { ...core, ...(await diagnosis) }
    const plan = makePlan(observed, s)
    p = plan
    const printPlan = (): void => {
      for (const j of plan.jobs)
        for (const c of j.checks)
          log.info(`${c.severity === 'ok' ? 'ok   ' : c.severity === 'warning' ? 'warn ' : 'error'} ${lastSegment(j.job)}: ${c.title}: ${c.found}`)
      for (const n of plan.notes) log.info(`note  ${n}`)
    }
    // While attempts run, their log group is open: the findings follow it rather than land in it.
    if (!early) printPlan()

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
      attempts = await (early ?? test(plan.jobs, applied))
      if (early) printPlan()
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
