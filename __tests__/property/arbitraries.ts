/**
 * Generators for the property tests: whole worlds for the in-memory Google (__tests__/fixtures/google.ts).
 * Every world holds the same resources — two gen 1 functions, a gen 2 function on its Cloud Run
 * service, two plain services (one with invoker IAM disabled), two Cloud Run jobs, two workflows —
 * and generates what varies: each binding resource's policy (conditional bindings, deleted
 * members, users and groups, allUsers on public targets), the project's policy (with or without
 * the Scheduler service agent's role), and 1–7 Scheduler jobs calling any of them by any of their
 * URL forms, with an OIDC, OAuth or no token, right, wrong or no audience, a few accounts shared
 * among the jobs.
 */
import fc from 'fast-check'
import type { Binding, CloudFunction, Job, Policy, RunService } from '../../src/google/types'
import { originOf } from '../../src/names'
import { RUN_JOB, RUN_JOB_URL, RUN_JOB_V1_URL, WF, WF_URL } from '../fixtures/api-targets'
import { policyKey, type MemoryWorld } from '../fixtures/google'
import { AGENT, FN, FN_URL, JOB, MEMBER, P, R, RUN_HASH_URL, RUN_URL, SA, SVC } from '../fixtures/names'

export const PROJECT = `projects/${P}`
export const AGENT_MEMBER = MEMBER(AGENT)
export const SERVICE_AGENT_ROLE = 'roles/cloudscheduler.serviceAgent'
export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

/** The invoker accounts jobs sign as: several jobs share one. */
export const ACCOUNTS = [SA('invoker'), SA('batch'), SA('reports'), SA('ext', 'other-proj-1')]

export type Kind = 'gen1' | 'gen2' | 'service' | 'runJob' | 'workflow'

/** A target of the fixed pool: its kind, id, and the policy key (surface + resource) its invoker role is bound at. */
export interface PoolTarget {
  kind: Kind
  id: string
  /** Where its invoker role is bound: the key into MemoryWorld.policies. */
  policy: string
  /** The URLs a job may call it by. */
  urls: string[]
  /** OIDC audiences the target accepts (empty for Google API targets, which take OAuth). */
  audiences: string[]
  invokerIamDisabled?: boolean
}

const runPolicy = (name: string): string => policyKey('run.v2', name)
const svcUrls = (id: string): string[] => [RUN_HASH_URL(id), `${RUN_URL(id)}/tasks/run`]

export const POOL: PoolTarget[] = [
  { kind: 'gen1', id: 'g1a', policy: policyKey('cloudfunctions.v1', FN('g1a')), urls: [FN_URL('g1a')], audiences: [FN_URL('g1a')] },
  { kind: 'gen1', id: 'g1b', policy: policyKey('cloudfunctions.v1', FN('g1b')), urls: [`${FN_URL('g1b')}?full=1`], audiences: [FN_URL('g1b')] },
  {
    kind: 'gen2',
    id: 'g2a',
    policy: runPolicy(SVC('g2a')),
    urls: [FN_URL('g2a'), `${RUN_HASH_URL('g2a')}/run`],
    audiences: [FN_URL('g2a'), originOf(RUN_HASH_URL('g2a'))]
  },
  {
    kind: 'service',
    id: 'svca',
    policy: runPolicy(SVC('svca')),
    urls: svcUrls('svca'),
    audiences: [originOf(RUN_HASH_URL('svca')), originOf(RUN_URL('svca'))]
  },
  {
    kind: 'service',
    id: 'svcb',
    policy: runPolicy(SVC('svcb')),
    urls: svcUrls('svcb'),
    audiences: [originOf(RUN_HASH_URL('svcb')), originOf(RUN_URL('svcb'))],
    invokerIamDisabled: true
  },
  { kind: 'runJob', id: 'etl', policy: runPolicy(RUN_JOB('etl')), urls: [RUN_JOB_URL('etl'), RUN_JOB_V1_URL('etl')], audiences: [] },
  { kind: 'runJob', id: 'etl2', policy: runPolicy(RUN_JOB('etl2')), urls: [RUN_JOB_URL('etl2')], audiences: [] },
  { kind: 'workflow', id: 'nightly', policy: policyKey('cloudresourcemanager.v1', PROJECT), urls: [WF_URL('nightly')], audiences: [] },
  { kind: 'workflow', id: 'weekly', policy: policyKey('cloudresourcemanager.v1', PROJECT), urls: [WF_URL('weekly')], audiences: [] }
]

/** The invoker roles the contract lets fix mode add, by where they are bound. */
export const INVOKER_ROLES: Record<Kind, string[]> = {
  gen1: ['roles/cloudfunctions.invoker'],
  gen2: ['roles/run.invoker'],
  service: ['roles/run.invoker'],
  runJob: ['roles/run.invoker', 'roles/run.jobsExecutorWithOverrides'],
  workflow: ['roles/workflows.invoker']
}

const CONDITION = { expression: 'request.time < timestamp("2030-01-01T00:00:00Z")', title: 'until 2030' }
const OTHER_ROLES = ['roles/viewer', 'roles/run.developer', 'roles/cloudfunctions.viewer', 'roles/editor']
/** Members a policy may hold: the accounts, their deleted predecessors, people, groups and the agent. */
const MEMBERS = [
  ...ACCOUNTS.map(MEMBER),
  ...ACCOUNTS.slice(0, 2).map((a, i) => `deleted:${MEMBER(a)}?uid=${123 + i}`),
  'user:alice@example.com',
  'group:devs@example.com',
  'domain:example.com',
  AGENT_MEMBER
]

/** Bindings as IAM keeps them: one per (role, condition), members unique. */
function normalise(bindings: Binding[]): Binding[] {
  const byKey = new Map<string, Binding>()
  for (const b of bindings) {
    const key = `${b.role} ${JSON.stringify(b.condition ?? null)}`
    const have = byKey.get(key)
    if (have) have.members = [...new Set([...(have.members ?? []), ...(b.members ?? [])])]
    else byKey.set(key, { ...b, members: [...new Set(b.members ?? [])] })
  }
  return [...byKey.values()].filter(b => b.members!.length)
}

const bindingArb = (roles: string[]): fc.Arbitrary<Binding> =>
  fc
    .record({
      role: fc.constantFrom(...roles),
      members: fc.subarray(MEMBERS, { minLength: 1, maxLength: 4 }),
      conditional: fc.boolean()
    })
    .map(({ role, members, conditional }) => (conditional ? { role, members, condition: CONDITION } : { role, members }))

/** A policy of a binding resource: its invoker roles and others, members of every kind; public (allUsers) sometimes. */
function policyArb(invokerRoles: string[], canBePublic: boolean): fc.Arbitrary<Policy | undefined> {
  return fc.option(
    fc
      .record({
        bindings: fc.array(bindingArb([...invokerRoles, ...OTHER_ROLES]), { maxLength: 5 }),
        publicRole: canBePublic ? fc.option(fc.constantFrom('allUsers', 'allAuthenticatedUsers')) : fc.constant(null)
      })
      .map(({ bindings, publicRole }) => ({
        version: 3,
        etag: 'BwX1',
        bindings: normalise([...bindings, ...(publicRole ? [{ role: invokerRoles[0], members: [publicRole] }] : [])])
      })),
    { freq: 4 }
  )
}

/** The project's policy: the agent's role or not, project-level invoker roles, owners. */
const projectPolicyArb: fc.Arbitrary<Policy> = fc
  .record({
    agent: fc.constantFrom<'bound' | 'conditional' | 'absent' | 'other'>('bound', 'conditional', 'absent', 'other'),
    bindings: fc.array(bindingArb(['roles/workflows.invoker', 'roles/run.invoker', 'roles/cloudfunctions.invoker', 'roles/viewer', 'roles/owner']), {
      maxLength: 4
    })
  })
  .map(({ agent, bindings }) => {
    const agentBindings: Binding[] =
      agent === 'bound'
        ? [{ role: SERVICE_AGENT_ROLE, members: [AGENT_MEMBER] }]
        : agent === 'conditional'
          ? [{ role: SERVICE_AGENT_ROLE, members: [AGENT_MEMBER], condition: CONDITION }]
          : agent === 'other'
            ? [{ role: SERVICE_AGENT_ROLE, members: [MEMBER(ACCOUNTS[0])] }]
            : []
    return { version: 1, etag: 'BwP1', bindings: normalise([...agentBindings, ...bindings.filter(b => b.role !== SERVICE_AGENT_ROLE)]) }
  })

export interface JobSpec {
  target: number
  url: number
  token: 'oidc' | 'oauth' | 'none'
  account: number
  audience: 'right' | 'uri' | 'wrong' | 'none'
  scope: 'platform' | 'pubsub' | 'none'
  overrides: boolean
  method: 'POST' | 'GET'
}

export interface WorldSpec {
  jobs: JobSpec[]
  policies: Record<string, Policy | undefined>
  projectPolicy: Policy
  /** The `invoker_service_account` input, as an index into ACCOUNTS. */
  invokerInput?: number
  checkServiceAgent: boolean
}

const jobArb: fc.Arbitrary<JobSpec> = fc.record({
  target: fc.nat(POOL.length - 1),
  url: fc.nat(1),
  token: fc.constantFrom<JobSpec['token']>('oidc', 'oidc', 'oauth', 'none'),
  account: fc.nat(ACCOUNTS.length - 1),
  audience: fc.constantFrom<JobSpec['audience']>('right', 'uri', 'wrong', 'none'),
  scope: fc.constantFrom<JobSpec['scope']>('platform', 'pubsub', 'none'),
  overrides: fc.boolean(),
  method: fc.constantFrom<JobSpec['method']>('POST', 'POST', 'GET')
})

/** Distinct binding resources' policy keys, with the kind whose roles they take (workflows share the project's). */
const bindingKeys = [...new Map(POOL.filter(t => t.kind !== 'workflow').map(t => [t.policy, t])).values()]

/** A gen 2 function's own policy: read only to explain a grant made there by mistake; fix never writes it. */
export const LOOKALIKE = policyKey('cloudfunctions.v2', FN('g2a'))

export const worldArb: fc.Arbitrary<WorldSpec> = fc.record({
  jobs: fc.array(jobArb, { minLength: 1, maxLength: 7 }),
  policies: fc.record(
    Object.fromEntries([
      ...bindingKeys.map(t => [t.policy, policyArb(INVOKER_ROLES[t.kind], t.kind === 'gen1' || t.kind === 'gen2' || t.kind === 'service')]),
      [LOOKALIKE, policyArb(['roles/cloudfunctions.invoker', 'roles/run.invoker'], true)]
    ]) as Record<string, fc.Arbitrary<Policy | undefined>>
  ),
  projectPolicy: projectPolicyArb,
  invokerInput: fc.option(fc.nat(ACCOUNTS.length - 1), { freq: 5, nil: undefined }),
  checkServiceAgent: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })
})

export const jobId = (i: number): string => `sj${i}`

/** The Scheduler job a spec describes. */
export function schedulerJob(spec: JobSpec, i: number): Job {
  const t = POOL[spec.target]
  const uri = t.urls[spec.url % t.urls.length]
  const account = ACCOUNTS[spec.account]
  const audience =
    spec.audience === 'right' ? t.audiences[0] : spec.audience === 'uri' ? uri : spec.audience === 'wrong' ? 'https://wrong.example.com' : undefined
  const body = spec.overrides ? Buffer.from(JSON.stringify({ overrides: { taskCount: 2 } })).toString('base64') : undefined
  return {
    name: JOB(jobId(i)),
    schedule: '0 3 * * *',
    state: 'ENABLED',
    httpTarget: {
      uri,
      httpMethod: spec.method,
      ...(body && { body }),
      ...(spec.token === 'oidc' && { oidcToken: { serviceAccountEmail: account, ...(audience && { audience }) } }),
      ...(spec.token === 'oauth' && {
        oauthToken: {
          serviceAccountEmail: account,
          ...(spec.scope !== 'none' && { scope: spec.scope === 'platform' ? CLOUD_PLATFORM : 'https://www.googleapis.com/auth/pubsub' })
        }
      })
    }
  }
}

/** Every permission fix mode may need, held everywhere: the properties are about what is written, not who may. */
const ALL_PERMISSIONS = [
  'cloudfunctions.functions.setIamPolicy',
  'run.services.setIamPolicy',
  'run.jobs.setIamPolicy',
  'resourcemanager.projects.setIamPolicy',
  'cloudscheduler.jobs.update',
  'iam.serviceAccounts.actAs'
]

/** The MemoryWorld a spec describes (a fresh copy each call). */
export function memoryWorld(spec: WorldSpec): MemoryWorld {
  const functions: CloudFunction[] = [
    { name: FN('g1a'), environment: 'GEN_1', url: FN_URL('g1a'), serviceConfig: { ingressSettings: 'ALLOW_ALL' } },
    { name: FN('g1b'), environment: 'GEN_1', url: FN_URL('g1b'), serviceConfig: { ingressSettings: 'ALLOW_ALL' } },
    { name: FN('g2a'), environment: 'GEN_2', url: FN_URL('g2a'), serviceConfig: { service: SVC('g2a'), ingressSettings: 'ALLOW_ALL' } }
  ]
  const service = (id: string, extra: Partial<RunService> = {}): RunService => ({
    name: SVC(id),
    uri: RUN_HASH_URL(id),
    urls: [RUN_HASH_URL(id), RUN_URL(id)],
    ingress: 'INGRESS_TRAFFIC_ALL',
    ...extra
  })
  const policies: Record<string, Policy> = {}
  for (const [key, p] of Object.entries(spec.policies)) if (p) policies[key] = structuredClone(p)
  policies[policyKey('cloudresourcemanager.v1', PROJECT)] = structuredClone(spec.projectPolicy)
  const resources = [...functions.map(f => f.name), SVC('g2a'), SVC('svca'), SVC('svcb'), RUN_JOB('etl'), RUN_JOB('etl2'), PROJECT, ...ACCOUNTS]
  return {
    jobs: spec.jobs.map(schedulerJob),
    functions,
    services: [service('g2a'), service('svca'), service('svcb', { invokerIamDisabled: true })],
    runJobs: [{ name: RUN_JOB('etl') }, { name: RUN_JOB('etl2') }],
    workflows: [
      { name: WF('nightly'), state: 'ACTIVE' },
      { name: WF('weekly'), state: 'ACTIVE' }
    ],
    policies,
    permissions: Object.fromEntries(resources.map(r => [r, [...ALL_PERMISSIONS]]))
  }
}

/** The action's inputs for a spec (no test run: the properties are about observe, plan and apply). */
export function inputs(spec: WorldSpec, mode: 'verify' | 'fix'): Record<string, string> {
  return {
    mode,
    job: spec.jobs.map((_, i) => jobId(i)).join(','),
    project_id: P,
    region: R,
    test_run: 'false',
    check_service_agent: String(spec.checkServiceAgent),
    ...(spec.invokerInput !== undefined && { invoker_service_account: ACCOUNTS[spec.invokerInput] })
  }
}
