import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { addToBindings, applyPlan, failedWritesError, PermissionProbe, preflight, PreflightError, type MissingPermission } from '../../src/engine/apply'
import { ACT_AS, knownPolicies, PROJECT_WRITE, type KnownPolicy, type Observed } from '../../src/engine/observe'
import { SERVICE_AGENT_ROLE, type Change, type OidcSettings, type Plan } from '../../src/engine/plan'
import { ApiError } from '../../src/google/http'
import type { Binding, Job, Policy } from '../../src/google/types'
import { MemoryGoogle, policyKey, type MemoryWorld } from '../fixtures/google'
import { AGENT, FN, JOB, MEMBER, NUM, P, RUN_HASH_URL, SA, SVC } from '../fixtures/names'
import { gen1Target, iamPolicy, serviceTarget } from '../fixtures/targets'

const R = SVC('svc')
const ROLE = 'roles/run.invoker'
const M = MEMBER(SA())
const M2 = MEMBER(SA('other'))
const CONDITION = { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'until 2030' }
/** Where R's policy lives in the in-memory Google. */
const R_POLICY = policyKey('run.v2', R)

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

/** One role for every member: the grants addToBindings takes. */
const grants = (role: string, members: string[]) => members.map(member => ({ role, member }))

/**
 * An in-memory Google holding R's policy, with IAM's etag semantics: a write with a stale etag
 * is a 409 ABORTED.
 */
function holding(policy: Policy): MemoryGoogle {
  return new MemoryGoogle({ policies: { [R_POLICY]: { ...clone(policy), etag: policy.etag ?? 'etag-1' } } })
}

/** The policy as it stands now. */
const stored = (g: MemoryGoogle): Policy => g.world.policies[R_POLICY]
/** Reads of R's policy. */
function reads(g: MemoryGoogle): number {
  const resources = g.callsTo('run.v2.getIamPolicy')
  for (const r of resources) expect(r).toBe(R)
  return resources.length
}
/** Every policy written to R, as sent. */
function writes(g: MemoryGoogle): Policy[] {
  return (g.callsTo('run.v2.setIamPolicy') as { resource: string; policy: Policy }[]).map(c => {
    expect(c.resource).toBe(R)
    return clone(c.policy)
  })
}
/**
 * A concurrent writer: just before each write to R is judged, `change` may rewrite the stored
 * policy (under a new etag); undefined leaves it alone.
 */
function interfere(g: MemoryGoogle, change: (p: Policy) => Policy | undefined): void {
  g.before.set('run.v2.setIamPolicy', () => {
    const changed = change(clone(stored(g)))
    if (changed) g.writePolicy('run.v2', R, changed)
  })
}

/** Every (role, condition, member) triple: nothing of these may ever disappear. */
const triples = (p: Policy): string[] =>
  (p.bindings ?? []).flatMap((b: Binding) => (b.members ?? []).map(m => `${b.role}|${JSON.stringify(b.condition ?? null)}|${m}`))

const START: Policy = {
  version: 1,
  etag: 'etag-1',
  bindings: [
    { role: ROLE, members: ['user:alice@example.com'] },
    { role: ROLE, members: ['user:carol@example.com'], condition: CONDITION },
    { role: 'roles/run.developer', members: ['group:devs@example.com', M] }
  ],
  auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ logType: 'DATA_READ' }] }]
}

beforeEach(() => {
  // Backoff between 409 retries: no real waiting in unit tests.
  jest.spyOn(Math, 'random').mockReturnValue(0)
})
afterEach(() => {
  jest.restoreAllMocks()
})

describe('addToBindings', () => {
  it('adds to the existing unconditional binding, keeps everything else, writes version 3 with the known etag', async () => {
    const g = holding(START)
    const added = await addToBindings(g.run.iam, R, grants(ROLE, [M]), clone(START))
    expect(added).toEqual(grants(ROLE, [M]))
    expect(reads(g)).toBe(0) // the known policy saves the read
    expect(writes(g)).toHaveLength(1)
    const w = writes(g)[0]
    expect(w.version).toBe(3)
    expect(w.etag).toBe('etag-1')
    expect(w.auditConfigs).toEqual(START.auditConfigs)
    expect(w.bindings).toEqual([
      { role: ROLE, members: ['user:alice@example.com', M] },
      { role: ROLE, members: ['user:carol@example.com'], condition: CONDITION },
      { role: 'roles/run.developer', members: ['group:devs@example.com', M] }
    ])
  })

  it.each<[string, Binding[]]>([
    ['no bindings at all', []],
    ['only other roles', [{ role: 'roles/viewer', members: ['group:g@example.com'] }]],
    ['the role only in a conditional binding (the member there too)', [{ role: ROLE, members: [M], condition: CONDITION }]]
  ])('creates the unconditional binding when absent: %s', async (_, bindings) => {
    const before: Policy = { etag: 'etag-1', bindings }
    const g = holding(before)
    expect(await addToBindings(g.run.iam, R, grants(ROLE, [M]))).toEqual(grants(ROLE, [M]))
    expect(reads(g)).toBe(1) // nothing known: read first
    expect(writes(g)).toHaveLength(1)
    const w = writes(g)[0]
    expect(w.version).toBe(3)
    expect(w.etag).toBe('etag-1')
    expect(w.bindings).toEqual([...bindings, { role: ROLE, members: [M] }])
    expect(w.bindings!.filter(b => b.role === ROLE && !b.condition)).toHaveLength(1)
  })

  it.each<[string, string[], Binding[]]>([
    ['the member already there', [M], [{ role: ROLE, members: [M] }]],
    ['every member already there', [M, M2], [{ role: ROLE, members: [M2, 'user:x@example.com', M] }]],
    ['no members asked for', [], [{ role: ROLE, members: ['user:x@example.com'] }]]
  ])('returns [] and writes nothing: %s', async (_, members, bindings) => {
    const g = holding({ etag: 'etag-1', bindings })
    expect(await addToBindings(g.run.iam, R, grants(ROLE, members), { etag: 'etag-1', bindings: clone(bindings) })).toEqual([])
    expect(writes(g)).toEqual([])
  })

  it('adds only the members missing, once each', async () => {
    const g = holding({ etag: 'etag-1', bindings: [{ role: ROLE, members: [M] }] })
    expect(await addToBindings(g.run.iam, R, grants(ROLE, [M, M2, M2]))).toEqual(grants(ROLE, [M2]))
    expect(stored(g).bindings).toEqual([{ role: ROLE, members: [M, M2] }])
  })

  it('on a 409 re-reads, keeps the concurrent change and retries with the new etag', async () => {
    const g = holding(START)
    let once = true
    interfere(g, p => {
      if (!once) return undefined
      once = false
      return { ...p, bindings: [...(p.bindings ?? []), { role: 'roles/run.viewer', members: ['user:dave@example.com'] }] }
    })
    expect(await addToBindings(g.run.iam, R, grants(ROLE, [M]), clone(START))).toEqual(grants(ROLE, [M]))
    expect(writes(g)).toHaveLength(2)
    expect(reads(g)).toBe(1)
    expect(writes(g)[0].etag).toBe('etag-1')
    expect(writes(g)[1].etag).toBe('etag-2')
    expect(stored(g).bindings).toContainEqual({ role: 'roles/run.viewer', members: ['user:dave@example.com'] })
    expect(stored(g).bindings).toContainEqual({ role: ROLE, members: ['user:alice@example.com', M] })
    for (const t of triples(START)) expect(triples(stored(g))).toContain(t)
  })

  it('on a 409 where the concurrent writer added the same member, stops without writing again', async () => {
    const g = holding(START)
    interfere(g, p =>
      p.bindings![0].members!.includes(M) ? undefined : { ...p, bindings: p.bindings!.map((b, i) => (i === 0 ? { ...b, members: [...b.members!, M] } : b)) }
    )
    expect(await addToBindings(g.run.iam, R, grants(ROLE, [M]), clone(START))).toEqual([])
    expect(writes(g)).toHaveLength(1)
  })

  it('also retries a non-409 ABORTED status', async () => {
    const g = holding(START)
    let n = 0
    g.fail.set('run.v2.setIamPolicy', () => (n++ === 0 ? new ApiError('(400) ABORTED etag mismatch', 400, 'ABORTED', '') : undefined))
    expect(await addToBindings(g.run.iam, R, grants(ROLE, [M]), clone(START))).toEqual(grants(ROLE, [M]))
    expect(n).toBe(2)
  })

  it('gives up after a bound on endless 409s, rethrowing the ApiError', async () => {
    const g = holding(START)
    interfere(g, p => ({ ...p })) // every write races with another writer
    const e = await addToBindings(g.run.iam, R, grants(ROLE, [M]), clone(START)).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect((e as ApiError).httpStatus).toBe(409)
    expect(writes(g).length).toBeGreaterThan(1)
    expect(writes(g).length).toBeLessThanOrEqual(10)
    expect(reads(g)).toBe(writes(g).length - 1)
  })

  it.each([
    ['403', new ApiError('(403) PERMISSION_DENIED', 403, 'PERMISSION_DENIED', '')],
    ['400', new ApiError('(400) INVALID_ARGUMENT', 400, 'INVALID_ARGUMENT', '')],
    ['a plain Error', new Error('boom')]
  ])('does not retry %s', async (_, err) => {
    const g = holding(START)
    g.fail.set('run.v2.setIamPolicy', () => err)
    await expect(addToBindings(g.run.iam, R, grants(ROLE, [M]), clone(START))).rejects.toBe(err)
    expect(writes(g)).toHaveLength(1)
    expect(reads(g)).toBe(0)
  })

  it.each<[string, Policy]>([
    ['START', START],
    [
      'many roles and conditions',
      {
        etag: 'e',
        bindings: [
          { role: 'roles/owner', members: ['user:o@example.com'] },
          { role: ROLE, members: ['allAuthenticatedUsers'], condition: CONDITION },
          { role: ROLE, members: ['domain:example.com', M2] },
          { role: 'roles/cloudfunctions.invoker', members: [M] }
        ]
      }
    ],
    ['empty members on the binding', { etag: 'e', bindings: [{ role: ROLE }] }]
  ])('never removes anything (%s)', async (_, before) => {
    const g = holding(before)
    await addToBindings(g.run.iam, R, grants(ROLE, [M, M2]))
    for (const t of triples(before)) expect(triples(stored(g))).toContain(t)
    expect(triples(stored(g))).toContain(`${ROLE}|null|${M}`)
    expect(stored(g).bindings).toHaveLength(Math.max(before.bindings!.length, 1))
  })
})

// ---- preflight ---------------------------------------------------------------------------------

const SA1 = SA()
const SA2 = SA('other')
const FN1 = FN('fn1')
const AUD = RUN_HASH_URL('svc')
const OLD_AUD = `${AUD}/tasks`
const MASK_SA = 'httpTarget.oidcToken.serviceAccountEmail'

const oidc = (id: string, before: OidcSettings, after: { serviceAccountEmail: string; audience: string }): Change => ({
  job: JOB(id),
  resource: JOB(id),
  kind: 'job.oidc',
  before,
  after
})
const grant = (kind: 'iam.invoker' | 'iam.service_agent', resource: string, role: string, member: string): Change => ({
  job: JOB('j1'),
  resource,
  kind,
  before: null,
  after: { role, member }
})

/** Token changes of three jobs (j1, j2: the audience; j3: the account), and a grant on each kind of policy. */
const fullPlan = (): Plan => ({
  jobs: [],
  notes: [],
  changes: [
    oidc('j1', { serviceAccountEmail: SA1, audience: OLD_AUD }, { serviceAccountEmail: SA1, audience: AUD }),
    oidc('j2', { serviceAccountEmail: SA1, audience: OLD_AUD }, { serviceAccountEmail: SA1, audience: AUD }),
    oidc('j3', { serviceAccountEmail: SA1, audience: AUD }, { serviceAccountEmail: SA2, audience: AUD }),
    grant('iam.invoker', FN1, 'roles/cloudfunctions.invoker', MEMBER(SA1)),
    grant('iam.invoker', R, ROLE, MEMBER(SA1)),
    grant('iam.service_agent', `projects/${P}`, SERVICE_AGENT_ROLE, MEMBER(AGENT))
  ]
})
/** The plan without its grants: token changes only. */
const patchesOnly = (): Plan => ({ ...fullPlan(), changes: fullPlan().changes.filter(c => c.kind === 'job.oidc') })

/** What observe read: the gen 1 function FN1, the Cloud Run service R, and the project. */
const observed = (servicePolicy: Policy = iamPolicy()): Observed => ({
  project: { id: P, number: NUM },
  projectPolicy: iamPolicy(),
  jobs: [],
  targets: { [FN1]: gen1Target({ name: FN1 }), [R]: serviceTarget({ name: R, policy: servicePolicy }) },
  hierarchy: { ancestors: [], deny: [], notes: [] },
  accounts: {}
})

/** The jobs the plan patches, as they are before it. */
const jobsBefore = (): Job[] =>
  fullPlan().changes.flatMap(c =>
    c.kind === 'job.oidc'
      ? [{ name: c.resource, httpTarget: { uri: AUD, oidcToken: { serviceAccountEmail: c.before!.serviceAccountEmail!, audience: c.before!.audience! } } }]
      : []
  )

/** An in-memory Google where the caller holds `held` (by resource; a service account by its email) and observe's policies are stored. */
function google(held: MemoryWorld['permissions'], policies: Record<string, KnownPolicy> = knownPolicies(observed())): MemoryGoogle {
  return new MemoryGoogle({
    jobs: jobsBefore(),
    permissions: held,
    policies: Object.fromEntries(Object.entries(policies).map(([resource, k]) => [policyKey(k.iam, resource), clone(k.policy)]))
  })
}

const PROBES = /(\.testIamPermissions|^iam\.testServiceAccountPermissions)$/
/** The resources whose permissions were tested, named as preflight names them (`serviceAccounts/EMAIL`). */
const tested = (g: MemoryGoogle): string[] =>
  g.calls.filter(c => PROBES.test(c.method)).map(c => (c.method === 'iam.testServiceAccountPermissions' ? `serviceAccounts/${String(c.arg)}` : String(c.arg)))
/** Every call but the permission tests: reads and writes. */
const written = (g: MemoryGoogle): string[] => g.calls.filter(c => !PROBES.test(c.method)).map(c => c.method)

const key = (m: MissingPermission): string => `${m.resource} ${m.permission} ${m.role}`

describe('preflight', () => {
  const ALL_MISSING: MissingPermission[] = [
    { resource: `projects/${P}`, permission: 'cloudscheduler.jobs.update', role: 'roles/cloudscheduler.admin' },
    { resource: `projects/${P}`, permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' },
    { resource: FN1, permission: 'cloudfunctions.functions.setIamPolicy', role: 'roles/cloudfunctions.admin' },
    { resource: R, permission: 'run.services.setIamPolicy', role: 'roles/run.admin' },
    { resource: `serviceAccounts/${SA1}`, permission: 'iam.serviceAccounts.actAs', role: 'roles/iam.serviceAccountUser' },
    { resource: `serviceAccounts/${SA2}`, permission: 'iam.serviceAccounts.actAs', role: 'roles/iam.serviceAccountUser' }
  ]

  it.each<[string, Record<string, string[]>, MissingPermission[]]>([
    ['nothing held', {}, ALL_MISSING],
    ['only the project permissions held', { [`projects/${P}`]: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'] }, ALL_MISSING.slice(2)],
    [
      'everything but actAs on one account',
      {
        [`projects/${P}`]: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'],
        [FN1]: ['cloudfunctions.functions.setIamPolicy'],
        [R]: ['run.services.setIamPolicy'],
        [SA1]: ['iam.serviceAccounts.actAs']
      },
      [ALL_MISSING[5]]
    ]
  ])('%s → PreflightError listing each missing permission with its role, nothing else called', async (_, held, missing) => {
    const g = google(held)
    const e = await preflight(g, fullPlan(), P, knownPolicies(observed())).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PreflightError)
    const pe = e as PreflightError
    expect(pe.missing.map(key).sort()).toEqual(missing.map(key).sort())
    for (const m of missing) {
      expect(pe.message).toContain(m.permission)
      expect(pe.message).toContain(m.role)
    }
    expect(pe.message).not.toContain('\n')
    expect(written(g)).toEqual([])
  })

  it('everything held → resolves, one test per resource, nothing written', async () => {
    const g = google({
      [`projects/${P}`]: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'],
      [FN1]: ['cloudfunctions.functions.setIamPolicy'],
      [R]: ['run.services.setIamPolicy'],
      [SA1]: ['iam.serviceAccounts.actAs'],
      [SA2]: ['iam.serviceAccounts.actAs']
    })
    await expect(preflight(g, fullPlan(), P, knownPolicies(observed()))).resolves.toBeUndefined()
    expect(written(g)).toEqual([])
    const resources = tested(g)
    expect(new Set(resources).size).toBe(resources.length)
    expect(resources.sort()).toEqual([`projects/${P}`, FN1, R, `serviceAccounts/${SA1}`, `serviceAccounts/${SA2}`].sort())
  })

  it('patches only → requires jobs.update and actAs, not the setIamPolicy permissions it does not need', async () => {
    const g = google({})
    const e = (await preflight(g, patchesOnly(), P, knownPolicies(observed())).catch((x: unknown) => x)) as PreflightError
    expect(e.missing.map(m => m.permission).sort()).toEqual(['cloudscheduler.jobs.update', 'iam.serviceAccounts.actAs', 'iam.serviceAccounts.actAs'])
    // The project's write permissions are tested together (the probe asks once per resource); only the needed ones count.
    expect(tested(g).sort()).toEqual([`projects/${P}`, `serviceAccounts/${SA1}`, `serviceAccounts/${SA2}`].sort())
  })

  it('an empty plan needs nothing', async () => {
    const g = google({})
    await expect(preflight(g, { jobs: [], changes: [], notes: [] }, P, knownPolicies(observed()))).resolves.toBeUndefined()
    expect(tested(g)).toEqual([])
  })
})

describe('applyPlan', () => {
  it('one patch per job with its mask, one read-modify-write per policy', async () => {
    const policies = knownPolicies(observed({ etag: 'known', bindings: [{ role: 'roles/viewer', members: ['user:v@example.com'] }] }))
    const g = google({}, policies)
    const p = fullPlan()
    const a = await applyPlan(g, p, policies)
    expect(
      a.landed
        .filter(c => c.kind === 'job.oidc')
        .map(c => c.resource)
        .sort()
    ).toEqual([JOB('j1'), JOB('j2'), JOB('j3')])
    const patched = g.callsTo('scheduler.patchJob') as { name: string; job: Partial<Job>; updateMask: string[] }[]
    expect(patched).toContainEqual({
      name: JOB('j3'),
      job: { httpTarget: { oidcToken: p.changes[2].after } },
      updateMask: [MASK_SA]
    })
    for (const x of patched) expect(Object.keys(x.job.httpTarget!)).toEqual(['oidcToken'])
    const sets = g.calls.filter(c => c.method.endsWith('.setIamPolicy')).map(c => `setIamPolicy ${(c.arg as { resource: string }).resource}`)
    expect(sets.sort()).toEqual([`setIamPolicy ${FN1}`, `setIamPolicy ${R}`, `setIamPolicy projects/${P}`].sort())
    expect(g.callsTo('run.v2.getIamPolicy')).not.toContain(R) // known policy used
    expect(g.world.policies[R_POLICY].bindings).toEqual([
      { role: 'roles/viewer', members: ['user:v@example.com'] },
      { role: ROLE, members: [MEMBER(SA1)] }
    ])
    expect(a.landed).toContainEqual(expect.objectContaining({ resource: `projects/${P}`, after: { role: SERVICE_AGENT_ROLE, member: MEMBER(AGENT) } }))
    expect(typeof a.at).toBe('number')
    expect(a.failed).toEqual([])
  })

  it('a write that fails does not hide the ones that landed: each is recorded, and the error says both', async () => {
    const g = google({})
    g.fail.set('run.v2.setIamPolicy', arg => {
      const r = (arg as { resource: string }).resource
      return r === R ? new ApiError(`Failed to set the IAM policy of ${r}: (400) INVALID_ARGUMENT refused`, 400, 'INVALID_ARGUMENT', '') : undefined
    })
    g.fail.set('scheduler.patchJob', arg => {
      const name = (arg as { name: string }).name
      return name === JOB('j2') ? new ApiError(`Failed to update job ${name}: (503) UNAVAILABLE after 5 attempts`, 503, 'UNAVAILABLE', '') : undefined
    })
    const a = await applyPlan(g, fullPlan(), knownPolicies(observed()))
    expect(
      a.landed
        .filter(c => c.kind === 'job.oidc')
        .map(c => c.resource)
        .sort()
    ).toEqual([JOB('j1'), JOB('j3')])
    expect(
      a.landed
        .filter(c => c.kind !== 'job.oidc')
        .map(c => c.resource)
        .sort()
    ).toEqual([FN1, `projects/${P}`].sort())
    expect(a.failed.map(x => x.resource).sort()).toEqual([JOB('j2'), R].sort())
    const msg = failedWritesError(a)
    expect(msg).toMatch(/^Fix mode stopped: 2 of 6 write\(s\) failed \(/)
    expect(msg).toContain(`${R}: Failed to set the IAM policy of ${R}: (400) INVALID_ARGUMENT`)
    expect(msg).toContain(`The 4 that landed stay`)
    expect(msg).not.toContain('\n')
  })
})

describe('PermissionProbe', () => {
  it('tests each resource once however often it is asked, and preflight reuses the answers', async () => {
    const g = google({})
    const probe = new PermissionProbe(g)
    const project = `projects/${P}`
    await Promise.all([
      probe.held(project, PROJECT_WRITE.iam, [...PROJECT_WRITE.permissions]),
      probe.held(project, PROJECT_WRITE.iam, [...PROJECT_WRITE.permissions]),
      probe.held(SA1, 'serviceAccount', [ACT_AS])
    ])
    expect(tested(g)).toHaveLength(2)
    await preflight(g, patchesOnly(), P, knownPolicies(observed()), probe).catch(() => undefined)
    // Only SA2 was not probed yet.
    expect(tested(g).sort()).toEqual([`projects/${P}`, `serviceAccounts/${SA1}`, `serviceAccounts/${SA2}`].sort())
  })
})
