/**
 * Every request the bundled action sends matches Google's own description of the API: the
 * clients gcloud generates from the Discovery documents (discovery.ts). Representative runs of
 * dist/index.js against fresh stand-ins, then each recorded request is matched to a described
 * method (verb + path template) and its query, update mask and body checked against it; the
 * stand-in's answers are checked against the response messages; and the shapes the action
 * declares for what it reads (src/google/types.ts) against the messages of the methods that
 * return them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp, type RequestRecord } from '../../fake-gcp'
import { GITHUB_OIDC_PATH } from '../../fake-gcp/github-oidc'
import { binding, cloudRunJob, oauthJob, policy, runJobUri, sa, workflow, workflowExecutionsUri, type Scenario } from '../../fake-gcp/scenario'
import { act, closeAll, DEPLOYER, fn, healthy, INVOKER, job, OTHER_SA, P, R, service, WIF_PROVIDER, world, type Run } from '../integration/world'
import { Conformance, declaredAgainst, label, methodName, type Violation } from './check'
import { readDeclared, type Shape } from './declared'
import { loadApi, ships, type ApiDescription, type Method } from './discovery'

/** Every API the action calls (src/google/endpoints.ts APIS), at the versions it calls. */
const APIS: [string, string][] = [
  ['cloudscheduler', 'v1'],
  ['cloudfunctions', 'v1'],
  ['cloudfunctions', 'v2'],
  ['run', 'v1'],
  ['run', 'v2'],
  ['cloudresourcemanager', 'v1'],
  ['cloudresourcemanager', 'v3'],
  ['iam', 'v1'],
  ['iam', 'v2'],
  ['policytroubleshooter', 'v3'],
  ['iamcredentials', 'v1'],
  ['logging', 'v2'],
  ['workflows', 'v1'],
  ['workflowexecutions', 'v1']
]
/** The STS token exchange (RFC 8693, form-encoded); checked against sts/v1 when gcloud ships it. */
const STS_TOKEN = { method: 'POST', path: '/v1/token', message: 'GoogleIdentityStsV1ExchangeTokenRequest' }

/** The stand-in's own endpoints and the runner's token URL: not Google APIs. */
const notGoogle = (r: RequestRecord): boolean => r.path.startsWith(`/${GITHUB_OIDC_PATH.split('/')[0]}/`) || r.path === '/oauth2/v3/certs'

// --- worlds: the integration suite's, broken one thing per target kind --------------------------------

const fix = (jobId: string, extra: Record<string, string> = {}) => ({ mode: 'fix', job: jobId, region: R, project_id: P, ...extra })
const verify = (jobId: string, extra: Record<string, string> = {}) => ({ ...fix(jobId, extra), mode: 'verify' })
const runJobName = (id: string): string => `projects/${P}/locations/${R}/jobs/${id}`

/** The healthy world plus a Cloud Run job and a workflow (as __tests__/integration/api-targets.test.ts builds it). */
function apiWorld(edit: (s: Scenario) => void = () => {}): Scenario {
  const s = healthy()
  s.projects[0].iamPolicy!.bindings!.push(binding('roles/workflows.invoker', sa(INVOKER)), binding('roles/workflows.viewer', DEPLOYER))
  s.cloudRunJobs = [
    cloudRunJob(P, R, 'etl', { iamPolicy: policy(binding('roles/run.invoker', sa(INVOKER))) }),
    cloudRunJob(P, R, 'other-etl', { iamPolicy: policy() })
  ]
  s.workflows = [workflow(P, R, 'sync')]
  s.jobs!.push(
    oauthJob(P, R, 'etl-job', runJobUri(P, R, 'etl'), INVOKER, { body: '{}' }),
    oauthJob(P, R, 'sync-job', workflowExecutionsUri(P, R, 'sync'), INVOKER, { body: '{"argument":"{}"}' })
  )
  edit(s)
  return s
}
const runJob = (s: Scenario, id: string) => s.cloudRunJobs!.find(j => j.name === runJobName(id))!

/** Verify (with its test run), then fix on the same stand-in: the reads, the writes and the proofs. */
async function verifyThenFix(s: Scenario, jobId: string, extra: Record<string, string> = {}): Promise<Run[]> {
  const before = await act(s, verify(jobId, extra))
  const after = await act(before.fake, fix(jobId, extra))
  return [before, after]
}

interface Case {
  name: string
  run: () => Promise<Run[]>
  /** what each run must end in, so a run that stopped early cannot pass for conformance */
  expect: string[]
}

const CASES: Case[] = [
  {
    name: 'gen 1 function: invoker role missing, wrong audience',
    run: () =>
      verifyThenFix(
        world(s => {
          fn(s, 'legacy').iamPolicy = policy(binding('roles/cloudfunctions.viewer', sa(OTHER_SA)))
          job(s, 'legacy-job').httpTarget!.oidcToken!.audience = 'https://example.com/legacy'
        }),
        'legacy-job'
      ),
    expect: ['failed', 'fixed']
  },
  {
    name: 'gen 2 function: no token, the role on the function instead of the service',
    run: () =>
      verifyThenFix(
        world(s => {
          delete job(s, 'nightly-job').httpTarget!.oidcToken
          service(s, 'nightly').iamPolicy = policy()
          fn(s, 'nightly').iamPolicy = policy(binding('roles/cloudfunctions.invoker', sa(INVOKER)))
        }),
        'nightly-job',
        { invoker_service_account: INVOKER }
      ),
    expect: ['failed', 'fixed']
  },
  {
    name: 'Cloud Run service: an OAuth token where OIDC is needed, the role missing, the Scheduler agent role lost',
    run: () =>
      verifyThenFix(
        world(s => {
          const h = job(s, 'api-job').httpTarget!
          delete h.oidcToken
          h.oauthToken = { serviceAccountEmail: INVOKER, scope: 'https://www.googleapis.com/auth/cloud-platform' }
          service(s, 'api').iamPolicy = policy(binding('roles/run.viewer', sa(OTHER_SA)))
          s.projects[0].iamPolicy!.bindings = s.projects[0].iamPolicy!.bindings!.filter(b => b.role !== 'roles/cloudscheduler.serviceAgent')
        }),
        'api-job'
      ),
    expect: ['failed', 'fixed']
  },
  {
    name: 'Cloud Run service by service input (several jobs, one policy write)',
    run: async () => [
      await act(
        world(s => (service(s, 'api').iamPolicy = policy())),
        { mode: 'fix', service: 'api', region: R, project_id: P }
      )
    ],
    expect: ['fixed']
  },
  {
    name: 'Cloud Run job (cloud_run_job, await_execution): an OIDC token, the role missing on the job',
    run: () =>
      verifyThenFix(
        apiWorld(s => {
          const h = s.jobs!.find(j => j.name.endsWith('/etl-job'))!.httpTarget!
          delete h.oauthToken
          h.oidcToken = { serviceAccountEmail: INVOKER, audience: runJobUri(P, R, 'etl') }
          runJob(s, 'etl').iamPolicy = policy(binding('roles/run.viewer', sa(INVOKER)))
          // still running when first listed: the action follows it with executions.get
          runJob(s, 'etl').timeline = { pendingMs: 200, runMs: 2500 }
        }),
        '',
        { cloud_run_job: 'etl', await_execution: 'true' }
      ),
    expect: ['failed', 'fixed']
  },
  {
    name: 'workflow (await_execution): roles/workflows.invoker missing on the project',
    run: () =>
      verifyThenFix(
        apiWorld(s => {
          s.projects[0].iamPolicy!.bindings!.find(b => b.role === 'roles/workflows.invoker')!.members = []
          s.workflows![0].timeline = { runMs: 2500 }
        }),
        'sync-job',
        { await_execution: 'true' }
      ),
    expect: ['failed', 'fixed']
  },
  {
    name: 'executions that end in failure (Cloud Run job and workflow, await_execution)',
    run: async () => {
      const s = apiWorld(s => {
        runJob(s, 'etl').timeline = { pendingMs: 100, runMs: 1500, outcome: 'FAILED', error: 'Task etl-abc-0 failed: exit code 3' }
        s.workflows![0].timeline = { runMs: 1500, outcome: 'FAILED', error: { payload: '{"message":"boom"}', context: 'step: main' } }
      })
      return [await act(s, verify('etl-job,sync-job', { await_execution: 'true' }))]
    },
    expect: ['failed']
  },
  {
    name: "job: '*' audit of a location (every target kind), verify then fix",
    run: async () => {
      const s = apiWorld(s => (service(s, 'nightly').iamPolicy = policy()))
      const a = await act(s, { mode: 'verify', job: '*', location: R, project_id: P, test_run: 'false' })
      const b = await act(a.fake, { mode: 'fix', job: '*', location: R, project_id: P, test_run: 'true' })
      return [a, b]
    },
    expect: ['drift', 'fixed']
  },
  {
    name: 'deep diagnosis: folders and organization read, deny policies listed and read, a custom domain, an unexplained 403 troubleshot',
    run: async () => {
      const rule = (principal: string) => ({
        id: 'freeze',
        rules: [{ denyRule: { deniedPrincipals: [principal], deniedPermissions: ['run.googleapis.com/routes.invoke'] } }]
      })
      const s = world(s => {
        s.organization = { id: '7', denyPolicies: [rule(`principal://iam.googleapis.com/projects/-/serviceAccounts/${INVOKER}`)] }
        s.folders = [
          {
            id: '42',
            parent: 'organizations/7',
            iamPolicy: policy(binding('roles/iam.securityReviewer', DEPLOYER), binding('roles/iam.denyReviewer', DEPLOYER))
          }
        ]
        s.projects[0].parent = 'folders/42'
        s.projects[0].denyPolicies = [rule('principalSet://goog/group/contractors@acme.example')]
        s.projects[0].iamPolicy!.bindings!.push(binding('roles/iam.denyReviewer', DEPLOYER))
        s.domainMappings = [{ project: P, region: R, domain: 'api.acme.example', service: 'api' }]
        job(s, 'api-job').httpTarget!.uri = 'https://api.acme.example/tasks'
      })
      return [await act(s, verify('api-job'))]
    },
    expect: ['failed']
  },
  {
    name: 'workload identity inside the action (STS exchange, impersonation)',
    run: async () => {
      const fake = await startFakeGcp(healthy())
      const env = fake.actionEnv(mkdtempSync(join(tmpdir(), 'conf-wif-')), { adc: false })
      const deployer = DEPLOYER.replace(/^serviceAccount:/, '')
      return [await act(fake, { mode: 'verify', job: 'legacy-job', region: R, workload_identity_provider: WIF_PROVIDER, service_account: deployer }, env)]
    },
    expect: ['ok']
  }
]

// --- the check ----------------------------------------------------------------------------------------

let apis: ApiDescription[]
let conformance: Conformance
const runs: { name: string; runs: Run[] }[] = []
const fakes = new Set<FakeGcp>()

beforeAll(async () => {
  apis = APIS.map(([a, v]) => loadApi(a, v))
  conformance = new Conformance(apis)
  const results = await Promise.all(CASES.map(async c => ({ name: c.name, runs: await c.run() })))
  for (const r of results) {
    runs.push(r)
    for (const x of r.runs) fakes.add(x.fake)
  }
}, 120_000)
afterAll(closeAll)

/** Each stand-in's log once (verify and fix of one case share it). */
const records = (): { rec: RequestRecord; scenario: string }[] => {
  const seen = new Set<FakeGcp>()
  return runs.flatMap(r =>
    r.runs.flatMap(x => {
      if (seen.has(x.fake)) return []
      seen.add(x.fake)
      return x.fake.requests.map(rec => ({ rec, scenario: r.name }))
    })
  )
}

const format = (vs: (Violation & { scenario?: string })[]): string =>
  vs
    .map(
      (v, i) =>
        `${i + 1}. ${v.request}\n   method: ${v.method}\n   wrong: ${v.what}\n   described: ${v.description}${v.scenario ? `\n   in: ${v.scenario}` : ''}`
    )
    .join('\n')

interface Tally {
  google: number
  checked: number
  methods: Map<string, number>
  violations: (Violation & { scenario: string })[]
  responses: number
  responseViolations: (Violation & { scenario: string })[]
  unchecked: string[]
  matched: { rec: RequestRecord; method: Method }[]
  /** requests whose verb and path match methods of more than one API (they share the stand-in's address) */
  ambiguous: Map<string, number>
}

let tally: Tally | undefined
function check(): Tally {
  if (tally) return tally
  const t: Tally = {
    google: 0,
    checked: 0,
    methods: new Map(),
    violations: [],
    responses: 0,
    responseViolations: [],
    unchecked: [],
    matched: [],
    ambiguous: new Map()
  }
  const sts = ships('sts', 'v1') ? loadApi('sts', 'v1') : undefined
  const stsCheck = sts ? new Conformance([sts]) : undefined
  let stsUnchecked = 0
  for (const { rec, scenario } of records()) {
    if (notGoogle(rec)) continue
    t.google++
    if (rec.method === STS_TOKEN.method && rec.path === STS_TOKEN.path) {
      if (!stsCheck) {
        stsUnchecked++
        continue
      }
      const m = stsCheck.candidates(rec.method, rec.path)[0]
      if (!m) {
        t.violations.push({ request: label(rec), method: '(none)', what: 'no sts/v1 method for this path', description: 'sts/v1', scenario })
        continue
      }
      t.checked++
      t.methods.set(methodName(m), (t.methods.get(methodName(m)) ?? 0) + 1)
      t.violations.push(...stsCheck.checkForm(rec, m).map(v => ({ ...v, scenario })))
      continue
    }
    t.checked++
    const cands = conformance.candidates(rec.method, rec.path)
    if (cands.length > 1) {
      const key = cands.map(methodName).join(' | ')
      t.ambiguous.set(key, (t.ambiguous.get(key) ?? 0) + 1)
    }
    const c = conformance.checkRequest(rec)
    t.violations.push(...c.violations.map(v => ({ ...v, scenario })))
    if (!c.method) continue
    t.methods.set(methodName(c.method), (t.methods.get(methodName(c.method)) ?? 0) + 1)
    t.matched.push({ rec, method: c.method })
    if (rec.status >= 200 && rec.status < 300) {
      t.responses++
      t.responseViolations.push(...conformance.checkResponse(rec, c.method).map(v => ({ ...v, scenario })))
    }
  }
  if (stsUnchecked)
    t.unchecked.push(
      `${stsUnchecked} STS token exchanges (POST /v1/token, form-encoded): gcloud ships no sts/v1 client, so there is no ${STS_TOKEN.message} to check them against`
    )
  tally = t
  return t
}

describe("the bundled action's requests against gcloud's descriptions of the APIs", () => {
  it('every run ended as its world says (so the log holds the whole flow)', () => {
    for (const [i, c] of CASES.entries()) expect([c.name, runs[i].runs.map(r => r.outputs.result)]).toEqual([c.name, c.expect])
  })

  it('every request: a described method, allowed query parameters, a resolvable update mask, a body the request message describes', () => {
    const t = check()
    const declared = declaredReads()
    console.log(
      [
        `Conformance against gcloud's generated clients (${apis.map(a => `${a.api}/${a.version}`).join(', ')}):`,
        `  ${runs.reduce((n, r) => n + r.runs.length, 0)} action runs in ${CASES.length} worlds; ${t.google} Google API requests, ${t.checked} checked, ${t.methods.size} distinct methods`,
        ...[...t.methods].sort().map(([m, n]) => `    ${String(n).padStart(4)}  ${m}`),
        ...[...t.ambiguous].map(([k, n]) => `  ${n} requests match several methods (accepted when one accepts them whole): ${k}`),
        `  ${t.responses} answers checked against their response messages`,
        `  ${declared.fields} fields declared in src/google/types.ts checked against ${declared.pairs} (shape, response message) pairs`,
        `  violations: ${t.violations.length} in requests, ${t.responseViolations.length} in answers, ${declared.problems.length} in declared reads`,
        ...[...t.unchecked, ...declared.unchecked].map(u => `  unchecked: ${u}`)
      ].join('\n')
    )
    expect(t.checked).toBeGreaterThan(0)
    if (t.violations.length) throw new Error(`${t.violations.length} requests do not match Google's description:\n${format(t.violations)}`)
  })

  it("every answer of the stand-in: only fields the method's response message has, with their types and enum values", () => {
    const t = check()
    expect(t.responses).toBeGreaterThan(0)
    if (t.responseViolations.length)
      throw new Error(`${t.responseViolations.length} answers do not match Google's description:\n${format(t.responseViolations)}`)
  })

  it('the methods the worlds must exercise were exercised', () => {
    const seen = new Set(check().methods.keys())
    const needed = [
      'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.get',
      'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.list',
      'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.patch',
      'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.run',
      'cloudfunctions/v1 cloudfunctions.projects.locations.functions.setIamPolicy',
      'cloudfunctions/v2 cloudfunctions.projects.locations.functions.get',
      'run/v2 run.projects.locations.services.setIamPolicy',
      'run/v2 run.projects.locations.jobs.setIamPolicy',
      'run/v2 run.projects.locations.jobs.executions.get',
      'cloudresourcemanager/v1 cloudresourcemanager.projects.setIamPolicy',
      'workflowexecutions/v1 workflowexecutions.projects.locations.workflows.executions.list',
      'logging/v2 logging.entries.list',
      'iamcredentials/v1 iamcredentials.projects.serviceAccounts.generateAccessToken'
    ]
    expect(needed.filter(m => !seen.has(m))).toEqual([])
  })
})

/**
 * Where the action reads each shape of src/google/types.ts: the method (as `api/version id`) and
 * the path in its response (`jobs[]`: each item of the list field). Every method named here must
 * have been called in the runs above.
 */
const READS: Record<string, { method: string; at?: string }[]> = {
  Job: [
    { method: 'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.get' },
    { method: 'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.patch' },
    { method: 'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.run' },
    { method: 'cloudscheduler/v1 cloudscheduler.projects.locations.jobs.list', at: 'jobs' }
  ],
  Policy: [
    { method: 'cloudfunctions/v1 cloudfunctions.projects.locations.functions.getIamPolicy' },
    { method: 'cloudfunctions/v1 cloudfunctions.projects.locations.functions.setIamPolicy' },
    { method: 'run/v2 run.projects.locations.services.getIamPolicy' },
    { method: 'run/v2 run.projects.locations.services.setIamPolicy' },
    { method: 'run/v2 run.projects.locations.jobs.getIamPolicy' },
    { method: 'run/v2 run.projects.locations.jobs.setIamPolicy' },
    { method: 'cloudresourcemanager/v1 cloudresourcemanager.projects.getIamPolicy' },
    { method: 'cloudresourcemanager/v1 cloudresourcemanager.projects.setIamPolicy' }
  ],
  CloudFunction: [
    { method: 'cloudfunctions/v2 cloudfunctions.projects.locations.functions.get' },
    { method: 'cloudfunctions/v2 cloudfunctions.projects.locations.functions.list', at: 'functions' }
  ],
  RunService: [{ method: 'run/v2 run.projects.locations.services.get' }, { method: 'run/v2 run.projects.locations.services.list', at: 'services' }],
  Project: [{ method: 'cloudresourcemanager/v1 cloudresourcemanager.projects.get' }],
  LogEntry: [{ method: 'logging/v2 logging.entries.list', at: 'entries' }],
  RunJob: [{ method: 'run/v2 run.projects.locations.jobs.get' }],
  RunExecution: [
    { method: 'run/v2 run.projects.locations.jobs.executions.get' },
    { method: 'run/v2 run.projects.locations.jobs.executions.list', at: 'executions' }
  ],
  Workflow: [{ method: 'workflows/v1 workflows.projects.locations.workflows.get' }],
  WorkflowExecution: [
    { method: 'workflowexecutions/v1 workflowexecutions.projects.locations.workflows.executions.get' },
    { method: 'workflowexecutions/v1 workflowexecutions.projects.locations.workflows.executions.list', at: 'executions' }
  ]
}

interface DeclaredReads {
  problems: string[]
  unchecked: string[]
  /** declared fields (nested ones counted) over all shapes */
  fields: number
  /** (shape, method) pairs checked */
  pairs: number
}

let declaredTally: DeclaredReads | undefined
/** Each shape of src/google/types.ts against the response message of every method READS names for it. */
function declaredReads(): DeclaredReads {
  if (declaredTally) return declaredTally
  const declared = readDeclared(join(process.cwd(), 'src/google/types.ts'))
  const seen = new Set(check().methods.keys())
  const t: DeclaredReads = { problems: [], unchecked: [], fields: 0, pairs: 0 }
  const unchecked: string[] = []
  for (const [iface, uses] of Object.entries(READS)) {
    const shape = declared.get(iface)
    if (!shape) {
      t.problems.push(`${iface}: not declared in src/google/types.ts any more (update READS)`)
      continue
    }
    t.fields += countFields(shape)
    for (const u of uses) {
      const [apiVersion, id] = u.method.split(' ')
      const d = apis.find(a => `${a.api}/${a.version}` === apiVersion)!
      const m = d.methods.find(x => x.id === id)
      if (!m) {
        t.problems.push(`${iface} via ${u.method}: no such method in the description`)
        continue
      }
      if (!seen.has(u.method)) t.problems.push(`${iface} via ${u.method}: the runs never called it (READS is stale, or a world is missing)`)
      let message = m.responseType
      if (u.at) {
        const f = d.messages.get(message)?.fields.get(u.at)
        if (!f?.repeated || f.kind !== 'message') {
          t.problems.push(`${iface} via ${u.method}: ${message}.${u.at} is not a repeated message`)
          continue
        }
        message = f.type!
      }
      t.pairs++
      const out = declaredAgainst(d, shape, message, iface, unchecked)
      t.problems.push(...out.map(o => `${iface} (read from ${u.method}${u.at ? ` ${u.at}[]` : ''} → ${message}): ${o.what} — ${o.description}`))
    }
  }
  t.unchecked = [...new Set(unchecked)]
  declaredTally = t
  return t
}

describe('what the action reads (src/google/types.ts) is in the response messages', () => {
  it('every declared field exists in the response message, with a matching JSON type and enum values', () => {
    const t = declaredReads()
    expect(t.fields).toBeGreaterThan(0)
    if (t.problems.length)
      throw new Error(`${t.problems.length} declared reads do not match the response messages:\n${t.problems.map((p, i) => `${i + 1}. ${p}`).join('\n')}`)
  })
})

function countFields(s: ReturnType<typeof readDeclared> extends Map<string, infer T> ? T : never): number {
  if (s.kind === 'object') return [...s.props.values()].reduce((n, v) => n + 1 + countFields(v), 0)
  if (s.kind === 'array') return countFields(s.of)
  if (s.kind === 'map') return 1 + [...(s.props?.values() ?? [])].reduce((n, v) => n + 1 + countFields(v), 0)
  return 0
}

describe('the check itself: each kind of violation is caught (so a clean run means something)', () => {
  const J = `/v1/projects/${P}/locations/${R}/jobs/j`
  const rec = (method: string, path: string, query = '', body?: unknown, response?: unknown): RequestRecord => ({
    method,
    path,
    query,
    body,
    status: 200,
    time: 0,
    response
  })
  const whats = (r: RequestRecord): string[] => conformance.checkRequest(r).violations.map(v => `${v.what} | ${v.description}`)

  it.each([
    ['an unknown custom verb', rec('POST', `${J}:frobnicate`), /no described method/],
    ['a verb the path does not take', rec('DELETE', '/v2/entries:list'), /no described method.*POST v2\/entries:list/],
    ['a query parameter the method does not take', rec('GET', J, 'alt=json&updateMask=name'), /query parameter updateMask is not allowed/],
    ['a path parameter sent in the query', rec('GET', J, 'name=x'), /query parameter name \(a path parameter\) is not allowed/],
    ['an update mask naming no field', rec('PATCH', J, 'updateMask=httpTarget.oidcToken.audiense', {}), /audiense is not a field of OidcToken/],
    ['an update mask in snake case', rec('PATCH', J, 'updateMask=http_target.oidc_token.audience', {}), /http_target is not a field of Job/],
    [
      'a body field in snake case',
      rec('PATCH', J, 'updateMask=httpTarget', { httpTarget: { oidc_token: {} } }),
      /unknown field httpTarget\.oidc_token \| OidcToken|unknown field httpTarget\.oidc_token/
    ],
    [
      'a number where a string is described',
      rec('PATCH', J, 'updateMask=httpTarget', { httpTarget: { oidcToken: { audience: 3 } } }),
      /httpTarget\.oidcToken\.audience is a number/
    ],
    [
      'an enum value not described',
      rec('PATCH', J, 'updateMask=httpTarget', { httpTarget: { httpMethod: 'FETCH' } }),
      /FETCH" is not a value of HttpTarget\.HttpMethodValueValuesEnum/
    ],
    ['an array where one message is described', rec('PATCH', J, 'updateMask=httpTarget', { httpTarget: [] }), /httpTarget is an array/],
    ['a body on a method without one', rec('GET', J, '', { a: 1 }), /takes no request body/],
    ['a system parameter with a bad value', rec('GET', J, 'alt=xml&prettyPrint=yes'), /alt=xml is not a value[\s\S]*prettyPrint=yes/],
    [
      'a query integer that is not one',
      rec('GET', `/v1/projects/${P}/locations/${R}/functions/f:getIamPolicy`, 'options.requestedPolicyVersion=three'),
      /options\.requestedPolicyVersion=three/
    ],
    [
      'a body integer that is not one',
      rec('POST', `/v1/projects/${P}:getIamPolicy`, '', { options: { requestedPolicyVersion: 'three' } }),
      /requestedPolicyVersion is a string/
    ]
  ])('%s', (_, r, re) => {
    expect(whats(r).join('\n')).toMatch(re)
  })

  it('a conforming request passes (the positive control)', () => {
    expect(
      whats(
        rec('PATCH', J, 'alt=json&updateMask=httpTarget.oidcToken.audience,httpTarget.oauthToken', {
          httpTarget: { oidcToken: { audience: 'https://x' }, oauthToken: null }
        })
      )
    ).toEqual([])
    expect(whats(rec('POST', `${J}:run`, 'alt=json', {}))).toEqual([])
  })

  it('an answer with a field or enum value the response message does not have', () => {
    const r = rec('GET', J, '', undefined, { name: 'j', state: 'RUNNING', nextRun: 'soon', httpTarget: { headers: { 'X-A': 1 } } })
    const m = conformance.checkRequest(r).method!
    const out = conformance
      .checkResponse(r, m)
      .map(v => v.what)
      .join('\n')
    expect(out).toMatch(/state = "RUNNING" is not a value of Job\.StateValueValuesEnum/)
    expect(out).toMatch(/unknown field nextRun/)
    expect(out).toMatch(/httpTarget\.headers\.X-A is a number/)
  })

  it('a declared read that the response message lacks, or types differently', () => {
    const d = apis.find(a => a.api === 'cloudresourcemanager')!
    const shape = {
      kind: 'object' as const,
      props: new Map<string, Shape>([
        ['projectId', { kind: 'string' }],
        ['projectNumber', { kind: 'number' }],
        ['displayName', { kind: 'string' }],
        ['lifecycleState', { kind: 'literals', values: ['ACTIVE', 'GONE'] }]
      ])
    }
    const out = declaredAgainst(d, shape, 'Project', 'Project', [])
      .map(o => `${o.what} | ${o.description}`)
      .join('\n')
    expect(out).toMatch(/projectNumber is declared number \| .*64-bit integers are strings/)
    expect(out).toMatch(/Project\.displayName is not in Project/)
    expect(out).toMatch(/lifecycleState declares GONE/)
  })
})
