/**
 * Invariants of observe + plan + apply for any world (issue 13), checked with fast-check against
 * the in-memory Google: generated worlds (see arbitraries.ts) run through the engine in verify
 * mode, in fix mode, and in verify mode again on what fix left.
 *
 * Seeded: PROPERTY_SEED (default below) picks the worlds, PROPERTY_RUNS how many. A failure
 * prints the seed, fast-check's shrunk counterexample and the command that reruns it.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { nullLogger, runEngine, type Outcome } from '../../src/engine'
import type { Change, GrantChange } from '../../src/engine/plan'
import type { Job, Policy } from '../../src/google/types'
import { readSettings } from '../../src/settings'
import { MemoryGoogle, policyKey, type Call } from '../fixtures/google'
import { ACCOUNTS, AGENT_MEMBER, INVOKER_ROLES, inputs, memoryWorld, POOL, PROJECT, SERVICE_AGENT_ROLE, worldArb, type WorldSpec } from './arbitraries'

const SEED = Number(process.env.PROPERTY_SEED ?? 20261204)
const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000)

/** What one world gives: the three runs' outcomes, the policies and jobs before and after fix, fix's calls. */
interface Trial {
  verify: Outcome
  verifyWrites: number
  fix: Outcome
  after: Outcome
  policiesBefore: Record<string, Policy>
  policiesAfter: Record<string, Policy>
  jobsBefore: Job[]
  jobsAfter: Job[]
  fixCalls: Call[]
}

const settings = (spec: WorldSpec, mode: 'verify' | 'fix') => {
  const all = inputs(spec, mode)
  return readSettings(n => all[n] ?? '', {})
}

/**
 * Every property reruns the same seeded sequence of worlds, so each world's engine runs are done
 * once and shared (shrinking asks for new worlds, which run afresh).
 */
const trials = new Map<string, Promise<Trial>>()
let worlds = 0

function trial(spec: WorldSpec): Promise<Trial> {
  const key = JSON.stringify(spec)
  let t = trials.get(key)
  if (!t) {
    worlds++
    t = (async () => {
      const gv = new MemoryGoogle(memoryWorld(spec))
      const verify = await runEngine(settings(spec, 'verify'), gv, nullLogger)
      const verifyWrites = gv.calls.filter(c => /\.setIamPolicy$|^scheduler\.patchJob$/.test(c.method)).length
      const g = new MemoryGoogle(memoryWorld(spec))
      const policiesBefore = structuredClone(g.world.policies)
      const jobsBefore = structuredClone(g.world.jobs)
      const fix = await runEngine(settings(spec, 'fix'), g, nullLogger)
      const fixCalls = [...g.calls]
      const policiesAfter = structuredClone(g.world.policies)
      const jobsAfter = structuredClone(g.world.jobs)
      const after = await runEngine(settings(spec, 'verify'), g, nullLogger)
      return { verify, verifyWrites, fix, after, policiesBefore, policiesAfter, jobsBefore, jobsAfter, fixCalls }
    })()
    trials.set(key, t)
  }
  return t
}

/** Every (policy, role, condition, member) of a set of policies. */
function triples(policies: Record<string, Policy>): Set<string> {
  const out = new Set<string>()
  for (const [key, p] of Object.entries(policies))
    for (const b of p.bindings ?? []) for (const m of b.members ?? []) out.add(JSON.stringify([key, b.role, b.condition ?? null, m]))
  return out
}
const parse = (t: string) => JSON.parse(t) as [string, string, unknown, string]
/** The triples of `after` that `before` did not have. */
const added = (t: Trial): [string, string, unknown, string][] => {
  const before = triples(t.policiesBefore)
  return [...triples(t.policiesAfter)].filter(x => !before.has(x)).map(parse)
}

/** Roles fix may add, by policy key (interface.md: roles per target kind; the agent's role on the project). */
const ALLOWED = new Map<string, Set<string>>()
for (const target of POOL) ALLOWED.set(target.policy, new Set([...(ALLOWED.get(target.policy) ?? []), ...INVOKER_ROLES[target.kind]]))
const PROJECT_KEY = policyKey('cloudresourcemanager.v1', PROJECT)

const TOKEN_PATHS = new Set([
  'httpTarget.oidcToken.serviceAccountEmail',
  'httpTarget.oidcToken.audience',
  'httpTarget.oauthToken.serviceAccountEmail',
  'httpTarget.oauthToken.scope'
])

const key = (c: Change): string => JSON.stringify([c.job, c.resource, c.kind, c.before, c.after])
const sortedKeys = (cs: Change[]): string[] => cs.map(key).sort()

/** A test that checks one property over RUNS seeded worlds; a failure names the seed and how to rerun. */
let properties = 0
function property(title: string, check: (t: Trial, spec: WorldSpec) => void): void {
  // Each property walks its own worlds (seed + its index): together they check properties × RUNS worlds.
  const seed = SEED + properties++
  it(title, async () => {
    try {
      await fc.assert(
        fc.asyncProperty(worldArb, async spec => check(await trial(spec), spec)),
        { seed, numRuns: RUNS, includeErrorInReport: true }
      )
    } catch (e) {
      const rerun = `PROPERTY_SEED=${SEED} PROPERTY_RUNS=${RUNS} npx jest __tests__/property/plan-apply.test.ts -t '${title.slice(0, 40).replace(/[^\w ]/g, '.')}'`
      throw new Error(`Property failed with PROPERTY_SEED=${SEED} (fast-check seed ${seed}). Rerun: ${rerun}\n\n${e instanceof Error ? e.message : String(e)}`)
    }
  })
}

const fail = (what: string, detail: unknown): never => {
  throw new Error(`${what}: ${JSON.stringify(detail, null, 1)}`)
}

describe(`plan + apply invariants (seed ${SEED}, ${RUNS} worlds per property)`, () => {
  property('verify writes nothing; fix completes without a run error (every permission held)', t => {
    if (t.verifyWrites) fail('verify mode wrote', t.verifyWrites)
    if (t.fix.error) fail('fix mode stopped', t.fix.error)
  })

  property('nothing removed from any policy: every (role, condition, member) before is still there after fix', t => {
    const after = triples(t.policiesAfter)
    const lost = [...triples(t.policiesBefore)].filter(x => !after.has(x))
    if (lost.length) fail('fix removed bindings', lost.map(parse))
  })

  property(
    "every role added is the contract's for that target kind, unconditional, to an invoker account or the agent; never to allUsers/allAuthenticatedUsers",
    (t, spec) => {
      const invokers = new Set(
        [
          ...(spec.invokerInput !== undefined ? [ACCOUNTS[spec.invokerInput]] : []),
          ...t.jobsBefore.flatMap(j => [j.httpTarget?.oidcToken?.serviceAccountEmail, j.httpTarget?.oauthToken?.serviceAccountEmail])
        ]
          .filter((a): a is string => !!a)
          .map(a => `serviceAccount:${a}`)
      )
      for (const [k, role, condition, member] of added(t)) {
        if (condition !== null) fail('a conditional binding was added', [k, role, condition, member])
        if (member === 'allUsers' || member === 'allAuthenticatedUsers') fail('a public member was added', [k, role, member])
        if (role === SERVICE_AGENT_ROLE) {
          if (k !== PROJECT_KEY || member !== AGENT_MEMBER) fail('the service agent role went elsewhere', [k, role, member])
          if (!spec.checkServiceAgent) fail('the service agent role was added with check_service_agent false', [k, role, member])
          continue
        }
        if (!ALLOWED.get(k)?.has(role)) fail('a role outside the contract was added', [k, role, member])
        if (!invokers.has(member)) fail('a member that is no job invoker was added', [k, role, member])
      }
    }
  )

  property("job patches' update masks name only token fields, and the body carries only the token", t => {
    for (const c of t.fixCalls.filter(c => c.method === 'scheduler.patchJob')) {
      const { job, updateMask } = c.arg as { job: Job; updateMask: string[] }
      if (!updateMask.length) fail('an empty update mask', c.arg)
      const bad = updateMask.filter(p => !TOKEN_PATHS.has(p))
      if (bad.length) fail('a mask path outside the token fields', c.arg)
      const fields = Object.keys(job.httpTarget ?? {})
      if (Object.keys(job).join() !== 'httpTarget' || fields.length !== 1 || !['oidcToken', 'oauthToken'].includes(fields[0]))
        fail('a patch body beyond the token', c.arg)
      if (updateMask.some(p => !p.startsWith(`httpTarget.${fields[0]}.`))) fail('a mask naming the other token kind', c.arg)
    }
  })

  property('at most one setIamPolicy per policy and one patch per job in a run', t => {
    const count = new Map<string, number>()
    for (const c of t.fixCalls) {
      const k = c.method.endsWith('.setIamPolicy')
        ? `${c.method} ${(c.arg as { resource: string }).resource}`
        : c.method === 'scheduler.patchJob'
          ? `patch ${(c.arg as { name: string }).name}`
          : undefined
      if (k) count.set(k, (count.get(k) ?? 0) + 1)
    }
    const twice = [...count].filter(([, n]) => n > 1)
    if (twice.length) fail('written more than once', twice)
  })

  property("verify's planned changes equal fix's made changes, and they are exactly what landed (no unreported write)", t => {
    const planned = sortedKeys(t.verify.changes)
    const made = sortedKeys(t.fix.changes)
    if (planned.join('\n') !== made.join('\n')) fail('verify planned ≠ fix made', { planned: t.verify.changes, made: t.fix.changes })
    // Every IAM member added is a change in the report, and every change is in the policy now.
    const grants = t.fix.changes.filter((c): c is GrantChange => c.kind === 'iam.invoker' || c.kind === 'iam.service_agent')
    const reported = new Set(grants.map(c => JSON.stringify([c.resource, c.after])))
    for (const [k, role, , member] of added(t)) {
      const resource = k.slice(k.indexOf(' ') + 1)
      if (!reported.has(JSON.stringify([resource, { role, member }]))) fail('an unreported IAM write', [k, role, member])
    }
    const now = triples(t.policiesAfter)
    for (const c of grants) {
      const k = Object.keys(t.policiesAfter).find(x => x.endsWith(` ${c.resource}`) && now.has(JSON.stringify([x, c.after.role, null, c.after.member])))
      if (!k) fail('a reported grant that is not in the policy', c)
    }
    // Every job that changed has its token change in the report, with the token it now holds.
    for (const [i, before] of t.jobsBefore.entries()) {
      const now = t.jobsAfter[i]
      const change = t.fix.changes.find(c => (c.kind === 'job.oidc' || c.kind === 'job.oauth') && c.resource === before.name)
      if (JSON.stringify(before) === JSON.stringify(now)) {
        if (change) fail('a reported patch that changed nothing', change)
        continue
      }
      if (!change) fail('an unreported job patch', { before, now })
      const token = change!.kind === 'job.oidc' ? now.httpTarget?.oidcToken : now.httpTarget?.oauthToken
      // An absent field reads as empty (an OAuth token without a scope: cloud-platform, kept as it was).
      const held = token as Record<string, string | undefined> | undefined
      if (!held || Object.entries(change!.after).some(([k, v]) => (held[k] ?? '') !== v)) fail("a job's token is not the change's after", { change, now })
    }
  })

  property('idempotence: observe + plan again after fix finds nothing to change', t => {
    if (t.fix.error) return
    if (t.after.changes.length) fail('a second plan after fix still changes', { fixed: t.fix.changes, again: t.after.changes })
  })

  it('counts', async () => {
    const all = await Promise.all(trials.values())
    const n = (f: (t: Trial) => boolean): number => all.filter(f).length
    const kinds = (t: Trial, ...ks: string[]): boolean => t.fix.changes.some(c => ks.includes(c.kind))
    console.log(
      `property tests: ${properties} properties × ${RUNS} runs, seed ${SEED} (+0..${properties - 1}); ${worlds} distinct worlds, 3 engine runs each; ` +
        `fix changed something in ${n(t => t.fix.changes.length > 0)} (token patches in ${n(t => kinds(t, 'job.oidc', 'job.oauth'))}, ` +
        `invoker grants in ${n(t => kinds(t, 'iam.invoker'))}, agent grants in ${n(t => kinds(t, 'iam.service_agent'))}), ` +
        `failed results in ${n(t => t.fix.result === 'failed')}, run errors ${n(t => !!t.fix.error)}`
    )
    expect(worlds).toBeGreaterThanOrEqual(RUNS)
  })
})
