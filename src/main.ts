/**
 * Wires the steps in their one order: inputs → observe → plan → (preflight, apply) → test run
 * → report. Each step lives in its own module; this file only connects them.
 */
import * as core from '@actions/core'
import { applyPlan, failedWritesError, PermissionProbe, preflight, type Applied } from './apply'
import { createTokenSource } from './auth'
import { createClients, type GoogleClients } from './google/clients'
import { readSettings, type Settings } from './inputs'
import { lastSegment } from './names'
import { knownPolicies, observe, type Observed } from './observe'
import { hasBlocker, plan as makePlan, type Plan } from './plan'
import { buildOutcome, changesOfJob, landedChanges, type Outcome } from './report/outcome'
import { publish } from './report/publish'
import { testRun, type AttemptResult } from './testrun'

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  core.startGroup(name)
  try {
    return await fn()
  } finally {
    core.endGroup()
  }
}

export async function execute(s: Settings, g: GoogleClients): Promise<Outcome> {
  // Fix mode tests its write permissions while it reads, so the preflight costs no extra round trip.
  const probe = s.mode === 'fix' ? new PermissionProbe(g) : undefined
  let observed: Observed | undefined
  let p: Plan | undefined
  let applied: Applied | undefined
  let attempts: AttemptResult[] = []
  let error: string | undefined
  try {
    observed = await phase('Read jobs, targets and IAM policies', async () => {
      const o = await observe(g, s, probe ? (scope, resource) => void probe.held(scope, resource) : undefined)
      core.info(`Project ${o.project.id} (${o.project.number}); ${o.jobs.length} job(s); ${Object.keys(o.targets).length} target(s)`)
      return o
    })
    if (!observed.jobs.length)
      throw new Error(
        `No Cloud Scheduler job to check in projects/${s.project}/locations/${s.location}${s.target ? ` calls ${s.target.kind} ${s.target.id}` : ''}; check 'job' and 'location'.`
      )
    p = makePlan(observed, s)
    for (const j of p.jobs)
      for (const c of j.checks)
        core.info(`${c.severity === 'ok' ? 'ok   ' : c.severity === 'warning' ? 'warn ' : 'error'} ${lastSegment(j.job)}: ${c.title}: ${c.found}`)

    const plan = p
    if (s.mode === 'fix' && (plan.patches.length || plan.grants.length)) {
      const obs = observed
      applied = await phase('Repair', async () => {
        await preflight(g, plan, obs.project.id, probe)
        const a = await applyPlan(g, plan, knownPolicies(obs))
        core.info(`Patched ${a.patched.length} job(s); added ${a.granted.reduce((n, x) => n + x.members.length, 0)} IAM member(s)`)
        return a
      })
      // A test run would only show the half-repaired state; the report says what landed.
      if (applied.failed.length) throw new Error(failedWritesError(applied))
    }

    if (s.testRun) {
      const runnable = plan.jobs.filter(j => j.target)
      const fixedAt = applied?.at
      attempts = await phase('Test run', () =>
        testRun(
          g,
          runnable.map(j => ({
            name: j.job,
            lastAttemptTime: observed!.jobs.find(o => o.name === j.job)?.job?.lastAttemptTime,
            retryWhilePropagating: !!applied && changesOfJob(landedChanges(plan, applied), j).length > 0 && !hasBlocker(j)
          })),
          { project: s.project, expectedStatus: s.expectedStatus, timeoutMs: s.timeoutSeconds * 1000, fixedAt, log: m => core.info(m) }
        )
      )
    }
  } catch (e) {
    error = message(e)
  }

  return buildOutcome(s, p, applied, attempts, error)
}

export async function run(): Promise<void> {
  let s: Settings
  try {
    s = readSettings(n => core.getInput(n))
  } catch (e) {
    // Bad input fails before any network call.
    core.setOutput('result', 'failed')
    core.setFailed(message(e))
    return
  }
  try {
    const { token, describe } = createTokenSource({
      universe: s.universe,
      workloadIdentityProvider: s.workloadIdentityProvider,
      serviceAccount: s.serviceAccount,
      getIdToken: aud => core.getIDToken(aud),
      mask: secret => core.setSecret(secret)
    })
    core.info(`Authenticating with ${describe}; mode ${s.mode}`)
    const g = createClients(token, s.universe, m => core.debug(m()))
    const outcome = await execute(s, g)
    await publish(outcome, s)
    if (outcome.result === 'drift') core.setFailed('Drift found: run with mode: fix to repair it (see the job summary).')
    else if (outcome.result === 'failed')
      core.setFailed(outcome.error ?? 'A job is not set up to pass its test run; see the job summary for the cause and the fix.')
  } catch (e) {
    core.setOutput('result', 'failed')
    core.setFailed(message(e))
  }
}
