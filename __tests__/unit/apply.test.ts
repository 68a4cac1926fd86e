import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { addToBinding, applyPlan, failedWritesError, PermissionProbe, preflight, PreflightError, type MissingPermission } from '../../src/apply'
import type { GoogleClients } from '../../src/google/clients'
import { ApiError } from '../../src/google/http'
import type { IamResource } from '../../src/google/iam-policy'
import type { Binding, Policy } from '../../src/google/types'
import type { Plan } from '../../src/plan'

const R = 'projects/my-proj/locations/us-central1/services/svc'
const ROLE = 'roles/run.invoker'
const M = 'serviceAccount:invoker@my-proj.iam.gserviceaccount.com'
const M2 = 'serviceAccount:other@my-proj.iam.gserviceaccount.com'
const CONDITION = { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'until 2030' }

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

/**
 * An IAM policy held in memory with etag semantics: a write with a stale etag is a 409 ABORTED.
 * `interfere` runs just before a write is judged, standing in for a concurrent writer.
 */
class MemoryIam implements IamResource {
  reads = 0
  writes: Policy[] = []
  private serial = 1
  interfere?: (p: Policy) => Policy | undefined
  failWith?: ApiError

  constructor(public policy: Policy) {
    this.policy = { ...clone(policy), etag: policy.etag ?? 'etag-1' }
  }

  async getIamPolicy(resource: string): Promise<Policy> {
    expect(resource).toBe(R)
    this.reads++
    return clone(this.policy)
  }

  async setIamPolicy(resource: string, p: Policy): Promise<Policy> {
    expect(resource).toBe(R)
    this.writes.push(clone(p))
    if (this.failWith) throw this.failWith
    const changed = this.interfere?.(clone(this.policy))
    if (changed) this.policy = { ...changed, etag: `etag-${++this.serial}` }
    if (p.etag !== this.policy.etag)
      throw new ApiError('(409) ABORTED There were concurrent policy changes.', 409, 'ABORTED', `https://run.googleapis.com/v2/${R}:setIamPolicy`)
    this.policy = { ...clone(p), etag: `etag-${++this.serial}` }
    return clone(this.policy)
  }

  async testIamPermissions(): Promise<string[]> {
    throw new Error('not used')
  }
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

describe('addToBinding', () => {
  it('adds to the existing unconditional binding, keeps everything else, writes version 3 with the known etag', async () => {
    const iam = new MemoryIam(START)
    const added = await addToBinding(iam, R, ROLE, [M], clone(START))
    expect(added).toEqual([M])
    expect(iam.reads).toBe(0) // the known policy saves the read
    expect(iam.writes).toHaveLength(1)
    const w = iam.writes[0]
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
    const iam = new MemoryIam(before)
    expect(await addToBinding(iam, R, ROLE, [M])).toEqual([M])
    expect(iam.reads).toBe(1) // nothing known: read first
    expect(iam.writes).toHaveLength(1)
    const w = iam.writes[0]
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
    const iam = new MemoryIam({ etag: 'etag-1', bindings })
    expect(await addToBinding(iam, R, ROLE, members, { etag: 'etag-1', bindings: clone(bindings) })).toEqual([])
    expect(iam.writes).toEqual([])
  })

  it('adds only the members missing, once each', async () => {
    const iam = new MemoryIam({ etag: 'etag-1', bindings: [{ role: ROLE, members: [M] }] })
    expect(await addToBinding(iam, R, ROLE, [M, M2, M2])).toEqual([M2])
    expect(iam.policy.bindings).toEqual([{ role: ROLE, members: [M, M2] }])
  })

  it('on a 409 re-reads, keeps the concurrent change and retries with the new etag', async () => {
    const iam = new MemoryIam(START)
    let once = true
    iam.interfere = p => {
      if (!once) return undefined
      once = false
      return { ...p, bindings: [...(p.bindings ?? []), { role: 'roles/run.viewer', members: ['user:dave@example.com'] }] }
    }
    expect(await addToBinding(iam, R, ROLE, [M], clone(START))).toEqual([M])
    expect(iam.writes).toHaveLength(2)
    expect(iam.reads).toBe(1)
    expect(iam.writes[0].etag).toBe('etag-1')
    expect(iam.writes[1].etag).toBe('etag-2')
    expect(iam.policy.bindings).toContainEqual({ role: 'roles/run.viewer', members: ['user:dave@example.com'] })
    expect(iam.policy.bindings).toContainEqual({ role: ROLE, members: ['user:alice@example.com', M] })
    for (const t of triples(START)) expect(triples(iam.policy)).toContain(t)
  })

  it('on a 409 where the concurrent writer added the same member, stops without writing again', async () => {
    const iam = new MemoryIam(START)
    iam.interfere = p =>
      p.bindings![0].members!.includes(M) ? undefined : { ...p, bindings: p.bindings!.map((b, i) => (i === 0 ? { ...b, members: [...b.members!, M] } : b)) }
    expect(await addToBinding(iam, R, ROLE, [M], clone(START))).toEqual([])
    expect(iam.writes).toHaveLength(1)
  })

  it('also retries a non-409 ABORTED status', async () => {
    const iam = new MemoryIam(START)
    let n = 0
    const real = iam.setIamPolicy.bind(iam)
    iam.setIamPolicy = async (r, p) => {
      if (n++ === 0) throw new ApiError('(400) ABORTED etag mismatch', 400, 'ABORTED', '')
      return real(r, p)
    }
    expect(await addToBinding(iam, R, ROLE, [M], clone(START))).toEqual([M])
    expect(n).toBe(2)
  })

  it('gives up after a bound on endless 409s, rethrowing the ApiError', async () => {
    const iam = new MemoryIam(START)
    iam.interfere = p => ({ ...p }) // every write races with another writer
    const e = await addToBinding(iam, R, ROLE, [M], clone(START)).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect((e as ApiError).httpStatus).toBe(409)
    expect(iam.writes.length).toBeGreaterThan(1)
    expect(iam.writes.length).toBeLessThanOrEqual(10)
    expect(iam.reads).toBe(iam.writes.length - 1)
  })

  it.each([
    ['403', new ApiError('(403) PERMISSION_DENIED', 403, 'PERMISSION_DENIED', '')],
    ['400', new ApiError('(400) INVALID_ARGUMENT', 400, 'INVALID_ARGUMENT', '')],
    ['a plain Error', new Error('boom')]
  ])('does not retry %s', async (_, err) => {
    const iam = new MemoryIam(START)
    iam.failWith = err as ApiError
    await expect(addToBinding(iam, R, ROLE, [M], clone(START))).rejects.toBe(err)
    expect(iam.writes).toHaveLength(1)
    expect(iam.reads).toBe(0)
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
    const iam = new MemoryIam(before)
    await addToBinding(iam, R, ROLE, [M, M2])
    for (const t of triples(before)) expect(triples(iam.policy)).toContain(t)
    expect(triples(iam.policy)).toContain(`${ROLE}|null|${M}`)
    expect(iam.policy.bindings).toHaveLength(Math.max(before.bindings!.length, 1))
  })
})

// ---- preflight ---------------------------------------------------------------------------------

const P = 'my-proj'
const SA = 'invoker@my-proj.iam.gserviceaccount.com'
const SA2 = 'other@my-proj.iam.gserviceaccount.com'
const FN1 = `projects/${P}/locations/us-central1/functions/fn1`
const AGENT = 'serviceAccount:service-123@gcp-sa-cloudscheduler.iam.gserviceaccount.com'
const JOB = (id: string): string => `projects/${P}/locations/us-central1/jobs/${id}`

const fullPlan = (): Plan => ({
  jobs: [],
  changes: [],
  patches: [
    { job: JOB('j1'), oidcToken: { serviceAccountEmail: SA, audience: 'https://svc-abc-uc.a.run.app' }, updateMask: ['httpTarget.oidcToken.audience'] },
    { job: JOB('j2'), oidcToken: { serviceAccountEmail: SA, audience: 'https://svc-abc-uc.a.run.app' }, updateMask: ['httpTarget.oidcToken.audience'] },
    {
      job: JOB('j3'),
      oidcToken: { serviceAccountEmail: SA2, audience: 'https://svc-abc-uc.a.run.app' },
      updateMask: ['httpTarget.oidcToken.serviceAccountEmail']
    }
  ],
  grants: [
    { resource: FN1, api: 'gen1', role: 'roles/cloudfunctions.invoker', members: [`serviceAccount:${SA}`] },
    { resource: R, api: 'run', role: ROLE, members: [`serviceAccount:${SA}`] },
    { resource: `projects/${P}`, api: 'project', role: 'roles/cloudscheduler.serviceAgent', members: [AGENT] }
  ]
})

/** A GoogleClients with only what preflight/apply may use; every other call is recorded as unexpected. */
function fakeClients(held: Record<string, string[]>, failing: string[] = []) {
  const tested: { resource: string; permissions: string[] }[] = []
  const writes: string[] = []
  const test = async (resource: string, permissions: string[]): Promise<string[]> => {
    tested.push({ resource, permissions })
    return permissions.filter(p => (held[resource] ?? []).includes(p))
  }
  const policies: Record<string, Policy> = {}
  const iam = (): IamResource => ({
    getIamPolicy: async r => {
      writes.push(`getIamPolicy ${r}`)
      return clone(policies[r] ?? { etag: 'e0', bindings: [] })
    },
    setIamPolicy: async (r, p) => {
      writes.push(`setIamPolicy ${r}`)
      if (failing.includes(r)) throw new ApiError(`Failed to set the IAM policy of ${r}: (400) INVALID_ARGUMENT refused`, 400, 'INVALID_ARGUMENT', '')
      policies[r] = clone(p)
      return p
    },
    testIamPermissions: test
  })
  const unexpected = (what: string) => async () => {
    writes.push(what)
    throw new Error(`unexpected call ${what}`)
  }
  const patched: { name: string; body: unknown; mask: string[] }[] = []
  const g = {
    scheduler: {
      getJob: unexpected('scheduler.getJob'),
      listJobs: unexpected('scheduler.listJobs'),
      runJob: unexpected('scheduler.runJob'),
      patchJob: async (name: string, body: unknown, mask: string[]) => {
        writes.push(`patchJob ${name}`)
        if (failing.includes(name)) throw new ApiError(`Failed to update job ${name}: (503) UNAVAILABLE after 5 attempts`, 503, 'UNAVAILABLE', '')
        patched.push({ name, body, mask })
        return { name }
      }
    },
    functions: { getFunction: unexpected('functions.getFunction'), gen1Iam: iam(), gen2Iam: iam() },
    run: { getService: unexpected('run.getService'), listServices: unexpected('run.listServices'), iam: iam() },
    projects: { getProject: unexpected('projects.getProject'), iam: iam() },
    iam: { testServiceAccountPermissions: (email: string, perms: string[]) => test(`serviceAccounts/${email}`, perms) },
    logging: { listEntries: unexpected('logging.listEntries') }
  } as unknown as GoogleClients
  return { g, tested, writes, patched, policies }
}

const key = (m: MissingPermission): string => `${m.resource} ${m.permission} ${m.role}`

describe('preflight', () => {
  const ALL_MISSING: MissingPermission[] = [
    { resource: `projects/${P}`, permission: 'cloudscheduler.jobs.update', role: 'roles/cloudscheduler.admin' },
    { resource: `projects/${P}`, permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' },
    { resource: FN1, permission: 'cloudfunctions.functions.setIamPolicy', role: 'roles/cloudfunctions.admin' },
    { resource: R, permission: 'run.services.setIamPolicy', role: 'roles/run.admin' },
    { resource: `serviceAccounts/${SA}`, permission: 'iam.serviceAccounts.actAs', role: 'roles/iam.serviceAccountUser' },
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
        [`serviceAccounts/${SA}`]: ['iam.serviceAccounts.actAs']
      },
      [ALL_MISSING[5]]
    ]
  ])('%s → PreflightError listing each missing permission with its role, nothing else called', async (_, held, missing) => {
    const f = fakeClients(held)
    const e = await preflight(f.g, fullPlan(), P).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PreflightError)
    const pe = e as PreflightError
    expect(pe.missing.map(key).sort()).toEqual(missing.map(key).sort())
    for (const m of missing) {
      expect(pe.message).toContain(m.permission)
      expect(pe.message).toContain(m.role)
    }
    expect(pe.message).not.toContain('\n')
    expect(f.writes).toEqual([])
  })

  it('everything held → resolves, one test per resource, nothing written', async () => {
    const f = fakeClients({
      [`projects/${P}`]: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'],
      [FN1]: ['cloudfunctions.functions.setIamPolicy'],
      [R]: ['run.services.setIamPolicy'],
      [`serviceAccounts/${SA}`]: ['iam.serviceAccounts.actAs'],
      [`serviceAccounts/${SA2}`]: ['iam.serviceAccounts.actAs']
    })
    await expect(preflight(f.g, fullPlan(), P)).resolves.toBeUndefined()
    expect(f.writes).toEqual([])
    const resources = f.tested.map(t => t.resource)
    expect(new Set(resources).size).toBe(resources.length)
    expect(resources.sort()).toEqual([`projects/${P}`, FN1, R, `serviceAccounts/${SA}`, `serviceAccounts/${SA2}`].sort())
  })

  it('patches only → requires jobs.update and actAs, not the setIamPolicy permissions it does not need', async () => {
    const f = fakeClients({})
    const p = { ...fullPlan(), grants: [] }
    const e = (await preflight(f.g, p, P).catch((x: unknown) => x)) as PreflightError
    expect(e.missing.map(m => m.permission).sort()).toEqual(['cloudscheduler.jobs.update', 'iam.serviceAccounts.actAs', 'iam.serviceAccounts.actAs'])
    // The project's write permissions are tested together (the probe asks once per resource); only the needed ones count.
    expect(f.tested.map(t => t.resource).sort()).toEqual([`projects/${P}`, `serviceAccounts/${SA}`, `serviceAccounts/${SA2}`].sort())
  })

  it('an empty plan needs nothing', async () => {
    const f = fakeClients({})
    await expect(preflight(f.g, { jobs: [], changes: [], patches: [], grants: [] }, P)).resolves.toBeUndefined()
    expect(f.tested).toEqual([])
  })
})

describe('applyPlan', () => {
  it('one patch per job with its mask, one read-modify-write per policy', async () => {
    const f = fakeClients({})
    const p = fullPlan()
    const known: Record<string, Policy> = { [R]: { etag: 'known', bindings: [{ role: 'roles/viewer', members: ['user:v@example.com'] }] } }
    const a = await applyPlan(f.g, p, known)
    expect(a.patched.sort()).toEqual([JOB('j1'), JOB('j2'), JOB('j3')])
    expect(f.patched).toContainEqual({
      name: JOB('j3'),
      body: { httpTarget: { oidcToken: p.patches[2].oidcToken } },
      mask: ['httpTarget.oidcToken.serviceAccountEmail']
    })
    for (const x of f.patched) expect(Object.keys((x.body as { httpTarget: object }).httpTarget)).toEqual(['oidcToken'])
    const sets = f.writes.filter(w => w.startsWith('setIamPolicy'))
    expect(sets.sort()).toEqual([`setIamPolicy ${FN1}`, `setIamPolicy ${R}`, `setIamPolicy projects/${P}`].sort())
    expect(f.writes).not.toContain(`getIamPolicy ${R}`) // known policy used
    expect(f.policies[R].bindings).toEqual([
      { role: 'roles/viewer', members: ['user:v@example.com'] },
      { role: ROLE, members: [`serviceAccount:${SA}`] }
    ])
    expect(a.granted).toContainEqual({ resource: `projects/${P}`, role: 'roles/cloudscheduler.serviceAgent', members: [AGENT] })
    expect(typeof a.at).toBe('number')
    expect(a.failed).toEqual([])
  })

  it('a write that fails does not hide the ones that landed: each is recorded, and the error says both', async () => {
    const f = fakeClients({}, [R, JOB('j2')])
    const a = await applyPlan(f.g, fullPlan(), {})
    expect(a.patched.sort()).toEqual([JOB('j1'), JOB('j3')])
    expect(a.granted.map(g => g.resource).sort()).toEqual([FN1, `projects/${P}`].sort())
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
    const f = fakeClients({})
    const probe = new PermissionProbe(f.g)
    await Promise.all([probe.held('project', `projects/${P}`), probe.held('project', `projects/${P}`), probe.held('serviceAccount', SA)])
    expect(f.tested).toHaveLength(2)
    await preflight(f.g, { ...fullPlan(), grants: [] }, P, probe).catch(() => undefined)
    // Only SA2 was not probed yet.
    expect(f.tested.map(t => t.resource).sort()).toEqual([`projects/${P}`, `serviceAccounts/${SA}`, `serviceAccounts/${SA2}`].sort())
  })
})
