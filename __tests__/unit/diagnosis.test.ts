/**
 * The deep diagnosis, without a network: account health, recreated accounts, inherited grants,
 * deny rules, Cloud Run's front door, what the caller could not read, and when Policy
 * Troubleshooter is asked.
 */
import { describe, expect, it } from '@jest/globals'
import { denyingRules, v2Permission } from '../../src/engine/deny'
import type { DenyPolicies, Hierarchy } from '../../src/engine/hierarchy'
import { readHierarchy } from '../../src/engine/hierarchy'
import { observe, type AccountRead, type Observed } from '../../src/engine/observe'
import { plan, remedyProse, type Check, type CheckId, type JobPlan } from '../../src/engine/plan'
import { explainRefusals, unexplained } from '../../src/engine/troubleshoot'
import { ApiError } from '../../src/google/http'
import type { Binding, DenyPolicy, DenyRule, Job, Policy } from '../../src/google/types'
import { readSettings, type Settings } from '../../src/settings'
import type { Target } from '../../src/targets'
import type { AttemptResult } from '../../src/engine/testrun'
import { MemoryGoogle, policyKey } from '../fixtures/google'
import { AGENT, FN, FN_URL, JOB, L, MEMBER, NUM, P, R, RUN_HASH_URL, SA as SA_OF, SVC } from '../fixtures/names'
import { gen1Target, iamPolicy, serviceTarget } from '../fixtures/targets'

const SA = SA_OF()
const M = MEMBER(SA)
const CF_INVOKER = 'roles/cloudfunctions.invoker'
const RUN_INVOKER = 'roles/run.invoker'
const AGENT_ROLE = 'roles/cloudscheduler.serviceAgent'
const FN1 = FN('fn1')
const FN1_URL = FN_URL('fn1')
const SVC1 = SVC('svc')
const bind = (role: string, ...members: string[]): Binding => ({ role, members })
const projectPolicy = (): Policy => iamPolicy(bind(AGENT_ROLE, MEMBER(AGENT)))
const none: Hierarchy = { ancestors: [], deny: [], notes: [] }

const job = (uri: string, sa: string | undefined = SA, aud: string = uri): Job => ({
  name: JOB('j1'),
  state: 'ENABLED',
  httpTarget: { uri, httpMethod: 'POST', ...(sa ? { oidcToken: { serviceAccountEmail: sa, audience: aud } } : {}) }
})
const settings = (extra: Record<string, string> = {}): Settings => {
  const inputs: Record<string, string> = { job: 'j1', project_id: P, region: R, ...extra }
  return readSettings(n => inputs[n] ?? '', {})
}
function world(t: Target, j: Job, around: { hierarchy?: Hierarchy; accounts?: Record<string, AccountRead>; projectPolicy?: Policy } = {}): Observed {
  return {
    project: { id: P, number: NUM },
    projectPolicy: around.projectPolicy ?? projectPolicy(),
    jobs: [{ name: j.name, job: j, target: t.name }],
    targets: { [t.name]: t },
    hierarchy: around.hierarchy ?? none,
    accounts: around.accounts ?? { [SA]: { account: { email: SA, projectId: P, disabled: false } } }
  }
}
const byId = (j: JobPlan): Partial<Record<CheckId, Check>> => Object.fromEntries(j.checks.map(c => [c.id, c]))
const gen1 = (p: Policy = iamPolicy(bind(CF_INVOKER, M))): Target => gen1Target({ name: FN1, policy: p })
const deny = (resource: string, ...rules: DenyRule[]): DenyPolicies => ({
  resource,
  policies: [
    {
      name: `policies/cloudresourcemanager.googleapis.com%2F${resource.replace('/', '%2F')}/denypolicies/no-invoke`,
      displayName: 'No invoke',
      rules: rules.map(denyRule => ({ denyRule }))
    }
  ]
})
const SA_PRINCIPAL = `principal://iam.googleapis.com/projects/-/serviceAccounts/${SA}`

describe('invoker account health', () => {
  it('a healthy account is one passing row', () => {
    const p = plan(world(gen1(), job(FN1_URL)), settings())
    expect(byId(p.jobs[0])['account.health']).toMatchObject({ severity: 'ok', found: `enabled, in project ${P}` })
  })

  it('an account that does not exist → blocker naming the input and the create command; nothing planned', () => {
    const p = plan(world(gen1(iamPolicy()), job(FN1_URL), { accounts: { [SA]: { missing: true } } }), settings())
    const c = byId(p.jobs[0])['account.health']!
    expect(c).toMatchObject({ severity: 'error', blocker: true, found: `${SA} does not exist (deleted, or never created)` })
    expect(c.remedy).toContain("'invoker_service_account'")
    expect(c.command).toBe(`gcloud iam service-accounts create scheduler-invoker --project ${P}`)
    expect(p.changes).toEqual([])
  })

  it('a disabled account → blocker with the enable command; the action never enables it', () => {
    const p = plan(world(gen1(), job(FN1_URL), { accounts: { [SA]: { account: { email: SA, projectId: P, disabled: true } } } }), settings())
    const c = byId(p.jobs[0])['account.health']!
    expect(c).toMatchObject({ severity: 'error', blocker: true, found: `${SA} is disabled` })
    expect(c.command).toBe(`gcloud iam service-accounts enable ${SA} --project ${P}`)
    expect(p.changes).toEqual([])
  })

  it('the Scheduler service agent as the job account → blocker, even when its token and role look right', () => {
    const t = gen1(iamPolicy(bind(CF_INVOKER, MEMBER(AGENT))))
    const p = plan(world(t, job(FN1_URL, AGENT), { accounts: { [AGENT]: { account: { email: AGENT, disabled: false } } } }), settings())
    expect(byId(p.jobs[0])['account.health']).toMatchObject({ severity: 'error', blocker: true, found: `${AGENT} is the Cloud Scheduler service agent` })
    expect(p.changes).toEqual([])
  })

  it('invoker_service_account of another project with a drifted job: the drift is shown, nothing is written (Google would refuse the update)', () => {
    const other = SA_OF('invoker', 'shared-proj')
    const p = plan(
      world(gen1(iamPolicy()), job(FN1_URL), { accounts: { [other]: { account: { email: other, projectId: 'shared-proj' } } } }),
      settings({ invoker_service_account: other })
    )
    expect(byId(p.jobs[0])['account.health']).toMatchObject({ blocker: true, found: `${other} belongs to project shared-proj` })
    expect(byId(p.jobs[0])['iam.invoker']).toMatchObject({ severity: 'error', fixedBy: 'iam.invoker' })
    expect(p.changes).toEqual([])
  })

  it('an account the caller may not read: no health row, a note with the permission', () => {
    const p = plan(
      world(gen1(), job(FN1_URL), { accounts: { [SA]: { unreadable: 'the caller lacks iam.serviceAccounts.get (roles/iam.serviceAccountViewer)' } } }),
      settings()
    )
    expect(byId(p.jobs[0])['account.health']).toBeUndefined()
    expect(p.notes).toEqual([expect.stringContaining(`Service account ${SA} was not read (the caller lacks iam.serviceAccounts.get`)])
  })
})

describe('recreated accounts and inherited grants', () => {
  it('a binding held only by the deleted predecessor is explained, and fix grants the live account without removing it', () => {
    const dead = `deleted:${M}?uid=123456789`
    const p = plan(world(gen1(iamPolicy(bind(CF_INVOKER, dead))), job(FN1_URL)), settings({ mode: 'fix' }))
    const c = byId(p.jobs[0])['iam.invoker']!
    expect(c.found).toContain(`bound only as ${dead}: the account was deleted and recreated`)
    expect(p.changes).toEqual([{ job: JOB('j1'), resource: FN1, kind: 'iam.invoker', before: null, after: { role: CF_INVOKER, member: M } }])
  })

  it('a grant on a folder counts: no redundant grant', () => {
    const hierarchy: Hierarchy = {
      ancestors: [
        { resource: 'folders/42', policy: iamPolicy(bind(CF_INVOKER, M)) },
        { resource: 'organizations/7', policy: iamPolicy() }
      ],
      deny: [],
      notes: []
    }
    const p = plan(world(gen1(iamPolicy()), job(FN1_URL), { hierarchy }), settings())
    expect(byId(p.jobs[0])['iam.invoker']).toMatchObject({ severity: 'ok', found: `${CF_INVOKER} on folders/42 (inherited)` })
    expect(p.changes).toEqual([])
  })

  it('the service agent role granted on the organization counts', () => {
    const hierarchy: Hierarchy = { ancestors: [{ resource: 'organizations/7', policy: iamPolicy(bind(AGENT_ROLE, MEMBER(AGENT))) }], deny: [], notes: [] }
    const p = plan(world(gen1(), job(FN1_URL), { hierarchy, projectPolicy: iamPolicy() }), settings())
    expect(byId(p.jobs[0])['iam.service_agent']).toMatchObject({ severity: 'ok', found: `${AGENT_ROLE} on organizations/7 (inherited)` })
    expect(p.changes).toEqual([])
  })

  it('an ancestor the caller cannot read: the missing role names it, and the note names the permission', () => {
    const hierarchy: Hierarchy = {
      ancestors: [{ resource: 'folders/42', unreadable: 'the caller lacks resourcemanager.folders.getIamPolicy (roles/iam.securityReviewer)' }],
      deny: [],
      notes: [
        'The allow policy of folders/42 was not read (the caller lacks resourcemanager.folders.getIamPolicy (roles/iam.securityReviewer)): a grant inherited from there is not seen.'
      ]
    }
    const p = plan(world(gen1(iamPolicy()), job(FN1_URL), { hierarchy }), settings())
    expect(byId(p.jobs[0])['iam.invoker']!.found).toBe('missing; not seen: a grant on folders/42 (policy not readable)')
    expect(p.notes[0]).toContain('resourcemanager.folders.getIamPolicy')
    // Still a repair: the caller's blind spot is not a reason to leave the job broken.
    expect(p.changes.map(c => c.kind)).toEqual(['iam.invoker'])
  })
})

describe('deny rules', () => {
  const permission = 'cloudfunctions.functions.invoke'
  const rule = (r: Partial<DenyRule>): DenyRule => ({ deniedPrincipals: [SA_PRINCIPAL], deniedPermissions: [v2Permission(permission)], ...r })

  it('names permissions in the v2 form', () => {
    expect(v2Permission('run.routes.invoke')).toBe('run.googleapis.com/routes.invoke')
    expect(v2Permission('workflows.executions.create')).toBe('workflows.googleapis.com/executions.create')
  })

  it.each<[string, Partial<DenyRule>, boolean | undefined]>([
    ['the account itself', {}, true],
    ['everyone', { deniedPrincipals: ['principalSet://goog/public:all'] }, true],
    ['a wildcard permission group', { deniedPermissions: ['cloudfunctions.googleapis.com/*'] }, true],
    ['another account', { deniedPrincipals: ['principal://iam.googleapis.com/projects/-/serviceAccounts/x@my-proj.iam.gserviceaccount.com'] }, undefined],
    ['another permission', { deniedPermissions: ['run.googleapis.com/routes.invoke'] }, undefined],
    ['the account excepted', { deniedPrincipals: ['principalSet://goog/public:all'], exceptionPrincipals: [SA_PRINCIPAL] }, undefined],
    ['the permission excepted', { deniedPermissions: ['cloudfunctions.googleapis.com/*'], exceptionPermissions: [v2Permission(permission)] }, undefined],
    ['a group (membership unknown)', { deniedPrincipals: ['principalSet://goog/group/ops@example.com'] }, false],
    ['a condition', { denialCondition: { expression: "resource.matchTag('env', 'prod')" } }, false],
    [
      'everyone but a group',
      { deniedPrincipals: ['principalSet://goog/public:all'], exceptionPrincipals: ['principalSet://goog/group/ops@example.com'] },
      false
    ]
  ])('a rule naming %s', (_, r, certain) => {
    const matches = denyingRules([deny(`projects/${P}`, rule(r))], SA, permission)
    expect(matches[0]?.certain).toBe(certain)
  })

  it('a certain rule is a blocker naming the policy and rule, with the command to read it', () => {
    const hierarchy: Hierarchy = { ancestors: [], deny: [deny('folders/42', rule({}))], notes: [] }
    const p = plan(world(gen1(), job(FN1_URL), { hierarchy }), settings())
    const c = byId(p.jobs[0])['iam.deny']!
    expect(c).toMatchObject({ severity: 'error', blocker: true })
    expect(c.found).toBe('denied by policies/cloudresourcemanager.googleapis.com%2Ffolders%2F42/denypolicies/no-invoke ("No invoke") rule 1')
    expect(c.command).toBe(
      `gcloud iam policies get no-invoke --project ${P} --attachment-point cloudresourcemanager.googleapis.com/folders/42 --kind denypolicies`
    )
  })

  it('an uncertain rule is a warning ("may apply"), and does not fail the run by itself', () => {
    const hierarchy: Hierarchy = {
      ancestors: [],
      deny: [deny(`projects/${P}`, rule({ deniedPrincipals: ['principalSet://goog/group/ops@example.com'] }))],
      notes: []
    }
    const c = byId(plan(world(gen1(), job(FN1_URL), { hierarchy }), settings()).jobs[0])['iam.deny']!
    expect(c.severity).toBe('warning')
    expect(c.found).toMatch(/^may apply: .*principalSet:\/\/goog\/group\/ops@example\.com, whose members the action cannot list/)
  })

  it('deny policies that do not apply: one passing row; none at all: no row', () => {
    const other: Hierarchy = { ancestors: [], deny: [deny(`projects/${P}`, rule({ deniedPermissions: ['run.googleapis.com/jobs.run'] }))], notes: [] }
    expect(byId(plan(world(gen1(), job(FN1_URL), { hierarchy: other }), settings()).jobs[0])['iam.deny']).toMatchObject({
      severity: 'ok',
      found: `none of 1 deny policy denies ${permission}`
    })
    expect(byId(plan(world(gen1(), job(FN1_URL)), settings()).jobs[0])['iam.deny']).toBeUndefined()
  })
})

describe("Cloud Run's front door", () => {
  it('defaultUriDisabled with a run.app URI → blocker with the command that enables it again', () => {
    const t: Target = { ...serviceTarget({ name: SVC1, policy: iamPolicy(bind(RUN_INVOKER, M)) }), defaultUriDisabled: true }
    const uri = RUN_HASH_URL('svc')
    const c = byId(plan(world(t, job(uri)), settings()).jobs[0])['target.url']!
    expect(c).toMatchObject({ severity: 'error', blocker: true })
    expect(c.command).toBe(`gcloud beta run services update svc --project ${P} --region ${R} --default-url`)
  })

  it('a custom domain mapped to the service is called by the job; its audience stays the run.app URL', () => {
    const t: Target = {
      ...serviceTarget({ name: SVC1, policy: iamPolicy(bind(RUN_INVOKER, M)) }),
      defaultUriDisabled: true,
      aliases: ['https://api.example.com']
    }
    const p = plan(world(t, job('https://api.example.com/tick', SA, 'https://api.example.com')), settings())
    const checks = byId(p.jobs[0])
    expect(checks['job.uri']!.severity).toBe('ok')
    expect(checks['target.url']).toBeUndefined()
    expect(checks['job.audience']).toMatchObject({ severity: 'error', expected: new URL(RUN_HASH_URL('svc')).origin })
  })

  it('IAP on the service → a warning with the IAP grant command', () => {
    const t: Target = { ...serviceTarget({ name: SVC1, policy: iamPolicy(bind(RUN_INVOKER, M)) }), iapEnabled: true }
    const c = byId(plan(world(t, job(RUN_HASH_URL('svc'), SA, new URL(RUN_HASH_URL('svc')).origin)), settings()).jobs[0])['target.iap']!
    expect(c.severity).toBe('warning')
    expect(c.command).toContain('gcloud beta iap web add-iam-policy-binding --project my-proj --resource-type cloud-run --service svc --region us-central1')
  })
})

describe('observe reads the surroundings in parallel, only as far as allowed', () => {
  it('ancestry in one call, each ancestor policy and deny listing once; refusals become notes', async () => {
    const g = new MemoryGoogle({ ancestry: ['folders/42', 'organizations/7'] })
    g.world.policies[policyKey('ancestors', 'folders/42')] = iamPolicy(bind(CF_INVOKER, M))
    g.fail.set('ancestors.getIamPolicy', r =>
      r === 'organizations/7' ? new ApiError('(403) PERMISSION_DENIED', 403, 'PERMISSION_DENIED', 'organizations/7') : undefined
    )
    g.fail.set('iam.listDenyPolicies', a =>
      String(a).endsWith('organizations/7') ? new ApiError('(403) PERMISSION_DENIED', 403, 'PERMISSION_DENIED', String(a)) : undefined
    )
    const h = await readHierarchy(g, P)
    expect(g.callsTo('projects.getAncestry')).toEqual([P])
    expect(h.ancestors.map(a => [a.resource, !!a.policy])).toEqual([
      ['folders/42', true],
      ['organizations/7', false]
    ])
    expect(g.callsTo('iam.listDenyPolicies')).toEqual([`projects/${P}`, 'folders/42', 'organizations/7'].map(r => `cloudresourcemanager.googleapis.com/${r}`))
    expect(h.notes).toEqual([
      'The allow policy of organizations/7 was not read (the caller lacks resourcemanager.organizations.getIamPolicy (roles/iam.securityReviewer)): a grant inherited from there is not seen.',
      'The deny policies of organizations/7 were not read (the caller lacks iam.denypolicies.list and iam.denypolicies.get (roles/iam.denyReviewer)): a deny rule there is not seen.'
    ])
  })

  it('deny policies are listed without rules and each read for them', async () => {
    const policy: DenyPolicy = {
      name: 'policies/x/denypolicies/p1',
      rules: [{ denyRule: { deniedPrincipals: [SA_PRINCIPAL], deniedPermissions: ['cloudfunctions.googleapis.com/functions.invoke'] } }]
    }
    const g = new MemoryGoogle({ denyPolicies: { [`cloudresourcemanager.googleapis.com/projects/${P}`]: [policy] } })
    const h = await readHierarchy(g, P)
    expect(g.callsTo('iam.getDenyPolicy')).toEqual(['policies/x/denypolicies/p1'])
    expect(h.deny[0].policies[0].rules).toHaveLength(1)
  })

  it('a custom domain resolves through the region’s domain mappings (one listing for every job)', async () => {
    const j1 = { ...job('https://api.example.com/a'), name: JOB('j1') }
    const j2 = { ...job('https://api.example.com/b'), name: JOB('j2') }
    const g = new MemoryGoogle({
      project: { projectId: P, projectNumber: NUM },
      jobs: [j1, j2],
      services: [{ name: SVC1, uri: RUN_HASH_URL('svc'), urls: [RUN_HASH_URL('svc')] }],
      domainMappings: { [L]: [{ metadata: { name: 'api.example.com' }, spec: { routeName: 'svc' } }] }
    })
    const o = await observe(g, settings({ job: 'j1,j2' }))
    expect(o.jobs.map(j => j.target)).toEqual([SVC1, SVC1])
    expect(o.targets[SVC1].aliases).toEqual(['https://api.example.com'])
    expect(g.callsTo('run.listDomainMappings')).toEqual([L])
  })

  it('mappings the caller may not list: a named job says which permission; an audit leaves the host outside Google Cloud', async () => {
    const refuse = (g: MemoryGoogle) => g.fail.set('run.listDomainMappings', () => new ApiError('(403) PERMISSION_DENIED', 403, 'PERMISSION_DENIED', L))
    const named = new MemoryGoogle({ jobs: [job('https://api.example.com/a')] })
    refuse(named)
    const o = await observe(named, settings({ job: 'j1' }))
    expect(o.jobs[0].targetError).toBe(
      `api.example.com is no Cloud Functions or Cloud Run URL, and the domain mappings of ${L} that could route it were not read: the caller lacks run.domainmappings.list (roles/run.viewer)`
    )
    const audit = new MemoryGoogle({ jobs: [job('https://api.example.com/a')] })
    refuse(audit)
    const a = await observe(audit, settings({ job: '*' }))
    expect([a.jobs[0].target, a.jobs[0].targetError]).toEqual([undefined, undefined])
  })

  it('a host no mapping knows stays outside Google Cloud', async () => {
    const g = new MemoryGoogle({ jobs: [job('https://hooks.example.org/x')] })
    const o = await observe(g, settings({ job: '*' }))
    expect(o.jobs[0].target).toBeUndefined()
  })

  it('each invoker account is read once, however many jobs name it', async () => {
    const g = new MemoryGoogle({ jobs: [job(FN1_URL), { ...job(FN1_URL), name: JOB('j2') }], serviceAccounts: [{ email: SA, projectId: P, disabled: true }] })
    const o = await observe(g, settings({ job: 'j1,j2' }))
    expect(g.callsTo('iam.getServiceAccount')).toEqual([SA])
    expect(o.accounts[SA].account?.disabled).toBe(true)
  })
})

describe('Policy Troubleshooter: asked only about a refusal nothing explains', () => {
  const attempt = (httpStatus: number): AttemptResult => ({ job: JOB('j1'), inferred: false, runs: 1, passed: false, httpStatus })
  const healthy = (): JobPlan => plan(world(gen1(), job(FN1_URL)), settings()).jobs[0]

  it('a 403 on a healthy-looking job is unexplained; a 500, a pass or a job with a finding is not', () => {
    expect(unexplained(healthy(), attempt(403))).toBe(true)
    expect(unexplained(healthy(), attempt(401))).toBe(true)
    expect(unexplained(healthy(), attempt(500))).toBe(false)
    expect(unexplained(healthy(), { ...attempt(200), passed: true })).toBe(false)
    const drifted = plan(world(gen1(iamPolicy()), job(FN1_URL)), settings()).jobs[0]
    expect(unexplained(drifted, attempt(403))).toBe(false)
    // IAP answers before IAM: its warning explains a refusal, so the Troubleshooter is not asked.
    const behindIap: Target = { ...serviceTarget({ name: SVC1, policy: iamPolicy(bind(RUN_INVOKER, M)) }), iapEnabled: true }
    const origin = new URL(RUN_HASH_URL('svc')).origin
    expect(unexplained(plan(world(behindIap, job(RUN_HASH_URL('svc'), SA, origin)), settings()).jobs[0], attempt(403))).toBe(false)
  })

  it('its verdict becomes a finding quoting the state and the denying policy', async () => {
    const g = new MemoryGoogle({
      troubleshoot: () => ({
        overallAccessState: 'CANNOT_ACCESS',
        allowPolicyExplanation: {
          allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED',
          explainedPolicies: [{ allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED', fullResourceName: `//cloudfunctions.googleapis.com/${FN1}` }]
        },
        denyPolicyExplanation: {
          denyAccessState: 'DENY_ACCESS_STATE_DENIED',
          explainedResources: [
            {
              fullResourceName: '//cloudresourcemanager.googleapis.com/folders/42',
              explainedPolicies: [{ denyAccessState: 'DENY_ACCESS_STATE_DENIED', policy: { name: 'policies/f/denypolicies/d1' } }]
            }
          ]
        }
      })
    })
    const j = healthy()
    const t = gen1()
    await explainRefusals(g, [j], [attempt(403)], () => ({ t, job: job(FN1_URL) }))
    expect(g.callsTo('troubleshooter.troubleshoot')).toEqual([
      { principal: SA, fullResourceName: `//cloudfunctions.googleapis.com/${FN1}`, permission: 'cloudfunctions.functions.invoke' }
    ])
    expect(byId(j)['iam.troubleshooter']).toMatchObject({
      severity: 'error',
      found: `CANNOT_ACCESS; allow: ALLOW_ACCESS_STATE_GRANTED (granted on //cloudfunctions.googleapis.com/${FN1}); deny: DENY_ACCESS_STATE_DENIED (by policies/f/denypolicies/d1)`
    })
  })

  it('a refusal is one warning naming roles/iam.securityReviewer; an explained job is never asked about', async () => {
    const g = new MemoryGoogle({})
    const j = healthy()
    const drifted = plan(world(gen1(iamPolicy()), job(FN1_URL)), settings()).jobs[0]
    await explainRefusals(g, [j, drifted], [attempt(403)], () => ({ t: gen1(), job: job(FN1_URL) }))
    expect(g.callsTo('troubleshooter.troubleshoot')).toHaveLength(1)
    expect(byId(j)['iam.troubleshooter']).toMatchObject({
      severity: 'warning',
      found: 'not asked: the caller lacks roles/iam.securityReviewer (Policy Troubleshooter refused)'
    })
  })
})

describe('remedyProse: the remedy a report shows beside the command it prints apart', () => {
  it('drops the command at the end with its colon, and keeps a remedy without one whole', () => {
    const command = `gcloud iam service-accounts enable ${SA} --project ${P}`
    expect(remedyProse({ remedy: `Enable it: ${command}`, command })).toBe('Enable it')
    expect(remedyProse({ remedy: 'Nothing to paste.' })).toBe('Nothing to paste.')
  })

  it('every check of an unreadable job reads as a sentence once its command is taken out', () => {
    const p = plan({ ...world(gen1(), job(FN1_URL)), jobs: [{ name: JOB('j1'), error: '(404) NOT_FOUND' }] }, settings())
    const c = byId(p.jobs[0])['job.read']!
    expect(remedyProse(c)).toBe('Check the job id and location, and that the caller has roles/cloudscheduler.viewer; the jobs there')
    expect(c.command).toBe(`gcloud scheduler jobs list --project ${P} --location ${R}`)
  })
})
