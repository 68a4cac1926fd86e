import { describe, expect, it } from '@jest/globals'
import { outputs } from '../../src/action/publish'
import {
  buildOutcome,
  explainFailure,
  failureLine,
  jobResult,
  overallResult,
  wasRepaired,
  type JobOutcome,
  type Outcome,
  type Result
} from '../../src/engine/outcome'
import type { Change, Check, CheckId, JobPlan, Plan } from '../../src/engine/plan'
import type { AttemptResult } from '../../src/engine/testrun'
import { renderMarkdown } from '../../src/render/markdown'
import type { Mode, Settings } from '../../src/settings'
import { FN, FN_URL, JOB, MEMBER, P, SA as SA_OF } from '../fixtures/names'

const FN1 = FN('fn1')
const FN1_URL = FN_URL('fn1')
const SA = SA_OF()

const TITLE: Record<CheckId, string> = {
  'job.read': 'Job exists',
  'job.type': 'HTTP target',
  'job.scope': 'OAuth scope',
  'job.method': 'HTTP method',
  'job.state': 'Job state',
  'job.uri': 'URI target',
  'target.ingress': 'Ingress',
  'job.token': 'Token type',
  'job.service_account': 'Invoker account',
  'job.audience': 'OIDC audience',
  'iam.invoker': 'Invoker role',
  'iam.service_agent': 'Scheduler service agent',
  'account.health': 'Invoker account health',
  'iam.deny': 'Deny policies',
  'target.url': 'Default URL',
  'target.iap': 'Identity-Aware Proxy',
  'iam.troubleshooter': 'Policy Troubleshooter'
}
const FIXED_BY: Partial<Record<CheckId, Check['fixedBy']>> = {
  'job.token': 'job.oidc',
  'job.service_account': 'job.oidc',
  'job.audience': 'job.oidc',
  'iam.invoker': 'iam.invoker',
  'iam.service_agent': 'iam.service_agent'
}

const okc = (id: CheckId): Check => ({ id, title: TITLE[id], severity: 'ok', found: 'fine', expected: 'fine' })
const drift = (id: CheckId): Check => ({ id, title: TITLE[id], severity: 'error', found: `bad ${id}`, expected: `good ${id}`, fixedBy: FIXED_BY[id] })
const blocker = (id: CheckId): Check => ({ id, title: TITLE[id], severity: 'error', found: `blocked ${id}`, expected: `good ${id}`, blocker: true })
const warning = (id: CheckId): Check => ({ id, title: TITLE[id], severity: 'warning', found: 'PAUSED', expected: 'ENABLED' })

const ALL: CheckId[] = [
  'job.type',
  'job.state',
  'job.uri',
  'target.ingress',
  'job.token',
  'job.service_account',
  'job.audience',
  'iam.invoker',
  'iam.service_agent'
]
/** Every check ok except the ones given. */
function jobPlan(...special: Check[]): JobPlan {
  const checks = ALL.map(id => special.find(c => c.id === id) ?? okc(id))
  return {
    job: JOB(),
    target: FN1,
    bindingResource: FN1,
    audience: FN1_URL,
    invoker: SA,
    checks
  }
}

const attempt = (httpStatus: number | undefined, passed: boolean, extra: Partial<AttemptResult> = {}): AttemptResult => ({
  job: JOB(),
  httpStatus,
  inferred: false,
  runs: 1,
  passed,
  ...extra
})
const oidcChange: Change = { job: JOB(), resource: JOB(), kind: 'job.oidc', before: null, after: { serviceAccountEmail: SA, audience: 'x' } }

describe('jobResult: failed > drift > fixed > ok', () => {
  type Row = [string, Mode, JobPlan, Change[], AttemptResult | undefined, boolean, Result]
  it.each<Row>([
    ['all ok, test passed', 'verify', jobPlan(), [], attempt(200, true), false, 'ok'],
    ['all ok, no test run', 'verify', jobPlan(), [], undefined, false, 'ok'],
    ['paused job is a warning only', 'verify', jobPlan(warning('job.state')), [], attempt(200, true), false, 'ok'],
    ['paused job in fix mode is a warning only', 'fix', jobPlan(warning('job.state')), [], attempt(200, true), false, 'ok'],
    ['paused job whose test failed', 'verify', jobPlan(warning('job.state')), [], attempt(500, false), false, 'failed'],
    ['verify mode with drift → drift', 'verify', jobPlan(drift('job.audience')), [oidcChange], attempt(200, true), false, 'drift'],
    ['verify mode with drift, no test run → drift', 'verify', jobPlan(drift('iam.invoker')), [], undefined, false, 'drift'],
    ['verify mode with drift and a failing test → failed', 'verify', jobPlan(drift('job.audience')), [oidcChange], attempt(401, false), false, 'failed'],
    ['a blocker → failed', 'verify', jobPlan(blocker('target.ingress')), [], undefined, false, 'failed'],
    ['a blocker beats drift', 'verify', jobPlan(blocker('target.ingress'), drift('iam.invoker')), [], attempt(200, true), false, 'failed'],
    ['a blocker in fix mode', 'fix', jobPlan(blocker('job.uri'), drift('job.audience')), [oidcChange], attempt(200, true), true, 'failed'],
    ['fix mode, repaired, test passed → fixed', 'fix', jobPlan(drift('job.audience')), [oidcChange], attempt(200, true), true, 'fixed'],
    ['fix mode, repaired, no test run → fixed', 'fix', jobPlan(drift('job.audience')), [oidcChange], undefined, true, 'fixed'],
    ['fix mode, repaired, test failed → failed', 'fix', jobPlan(drift('job.audience')), [oidcChange], attempt(403, false), true, 'failed'],
    ['fix mode, nothing written although drift (preflight failed) → failed', 'fix', jobPlan(drift('iam.invoker')), [], undefined, false, 'failed'],
    ['fix mode, nothing to fix → ok', 'fix', jobPlan(), [], attempt(200, true), false, 'ok'],
    [
      'fix mode, test error (no attempt seen) → failed',
      'fix',
      jobPlan(),
      [],
      attempt(undefined, false, { error: 'no attempt seen within the 180 s timeout' }),
      false,
      'failed'
    ]
  ])('%s', (_, mode, plan, changes, a, applied, expected) => {
    expect(jobResult(mode, plan, changes, a, applied)).toBe(expected)
  })
})

describe('overallResult', () => {
  const jobs = (...results: Result[]): JobOutcome[] => results.map(result => ({ plan: jobPlan(), changes: [], result, writeFailed: [] }))
  it.each<[string, JobOutcome[], string | undefined, Mode, boolean, Result]>([
    ['every job ok', jobs('ok', 'ok'), undefined, 'verify', false, 'ok'],
    ['one drift', jobs('ok', 'drift'), undefined, 'verify', true, 'drift'],
    ['failed beats drift', jobs('drift', 'failed', 'ok'), undefined, 'verify', true, 'failed'],
    ['fixed', jobs('fixed', 'ok'), undefined, 'fix', true, 'fixed'],
    ['failed beats fixed', jobs('fixed', 'failed'), undefined, 'fix', true, 'failed'],
    ['a project-level change alone is fixed', jobs('ok', 'ok'), undefined, 'fix', true, 'fixed'],
    ['fix mode, nothing changed', jobs('ok'), undefined, 'fix', false, 'ok'],
    ['a run error fails everything', jobs('ok'), `Failed to read project ${P}: (403) PERMISSION_DENIED`, 'verify', false, 'failed'],
    ['a run error with no jobs', [], 'No Cloud Scheduler job to check', 'fix', false, 'failed']
  ])('%s', (_, js, error, mode, anyChange, expected) => {
    expect(overallResult(js, error, mode, anyChange)).toBe(expected)
  })
})

describe('explainFailure picks the check that explains the status', () => {
  type Row = [string, JobPlan, AttemptResult, boolean, RegExp | undefined]
  it.each<Row>([
    ['a passing attempt needs no explanation', jobPlan(drift('job.audience')), attempt(200, true), false, undefined],
    [
      '401 → the audience, not the invoker role',
      jobPlan(drift('iam.invoker'), drift('job.audience')),
      attempt(401, false),
      false,
      /^OIDC audience: bad job\.audience \(expected good job\.audience\)$/
    ],
    ['401 → an OAuth token first', jobPlan(drift('iam.invoker'), drift('job.audience'), drift('job.token')), attempt(401, false), false, /^Token type:/],
    [
      '401 → the account when only it is wrong',
      jobPlan(drift('iam.service_agent'), drift('job.service_account')),
      attempt(401, false),
      false,
      /^Invoker account:/
    ],
    ['403 → the invoker role, not the audience', jobPlan(drift('job.audience'), drift('iam.invoker')), attempt(403, false), false, /^Invoker role:/],
    ['403 → ingress before the invoker role', jobPlan(drift('iam.invoker'), blocker('target.ingress')), attempt(403, false), false, /^Ingress:/],
    ['403 → the service agent when only it is missing', jobPlan(drift('iam.service_agent')), attempt(403, false), false, /^Scheduler service agent:/],
    ['500 with nothing wrong → the target itself', jobPlan(), attempt(500, false), false, /target itself answered 500/],
    ['503 with nothing wrong → the target itself', jobPlan(warning('job.state')), attempt(503, false), false, /target itself answered 503/],
    ['500 is not blamed on an auth finding (auth passed)', jobPlan(drift('iam.service_agent')), attempt(500, false), false, /target itself answered 500/],
    ['500 is not blamed on an audience finding', jobPlan(drift('job.audience')), attempt(500, false), false, /target itself answered 500/],
    ['401 after a fix with no blocker → propagation', jobPlan(drift('job.audience'), drift('iam.invoker')), attempt(401, false), true, /propagated/],
    ['403 after a fix, a blocker still explains it', jobPlan(drift('iam.invoker'), blocker('target.ingress')), attempt(403, false), true, /^Ingress:/],
    ['403 with nothing found and nothing fixed', jobPlan(), attempt(403, false), false, /no check explains it/],
    ['404 → the URI blocker', jobPlan(blocker('job.uri')), attempt(404, false), false, /^URI target:/]
  ])('%s', (_, plan, a, applied, expected) => {
    const e = explainFailure(plan, a, applied)
    if (expected) expect(e).toMatch(expected)
    else expect(e).toBeUndefined()
  })
})

describe('outputs', () => {
  const outcome = (attempts: (AttemptResult | undefined)[]): Outcome => ({
    notes: [],
    mode: 'verify',
    result: 'drift',
    applied: false,
    expectedStatus: 200,
    changes: [oidcChange],
    jobs: attempts.map((a, i) => ({
      plan: { ...jobPlan(i === 0 ? drift('job.audience') : okc('job.audience')), job: JOB(`j${i + 1}`) },
      attempt: a && { ...a, job: JOB(`j${i + 1}`) },
      changes: i === 0 ? [oidcChange] : [],
      writeFailed: [],
      result: i === 0 ? 'drift' : 'ok'
    }))
  })

  it('result, changes, http_status of the first job and one jobs entry per job', () => {
    const o = outputs(outcome([attempt(401, false), attempt(200, true)]))
    expect(o.result).toBe('drift')
    expect(JSON.parse(o.changes)).toEqual([oidcChange])
    expect(o.http_status).toBe('401')
    const jobs = JSON.parse(o.jobs) as Record<string, unknown>[]
    expect(jobs).toHaveLength(2)
    expect(jobs[0]).toEqual({
      job: JOB('j1'),
      target: FN1,
      audience: FN1_URL,
      invoker_service_account: SA,
      findings: [{ check: 'job.audience', severity: 'error', found: 'bad job.audience', expected: 'good job.audience', remedy: null, fixable: true }],
      http_status: 401,
      result: 'drift'
    })
    expect(jobs[1]).toMatchObject({ job: JOB('j2'), findings: [], http_status: 200, result: 'ok' })
  })

  it('http_status is empty when the test was not run', () => {
    const o = outputs(outcome([undefined, attempt(200, true)]))
    expect(o.http_status).toBe('')
    expect((JSON.parse(o.jobs) as { http_status: unknown }[])[0].http_status).toBeNull()
  })
})

describe('buildOutcome after writes that failed in part', () => {
  const oidc: Change = { job: JOB(), resource: JOB(), kind: 'job.oidc', before: null, after: { serviceAccountEmail: SA, audience: 'https://x' } }
  const grant: Change = {
    job: JOB(),
    resource: FN1,
    kind: 'iam.invoker',
    before: null,
    after: { role: 'roles/cloudfunctions.invoker', member: MEMBER(SA) }
  }
  const audience = drift('job.audience')
  const invoker = drift('iam.invoker')
  const p: Plan = { jobs: [jobPlan(audience, invoker)], changes: [oidc, grant], notes: [] }
  const o = buildOutcome(
    { mode: 'fix', expectedStatus: 200 } as Settings,
    p,
    { landed: [oidc], failed: [{ resource: FN1, error: 'refused' }], at: 0 },
    [],
    'Fix mode stopped'
  )
  const [j] = o.jobs

  it('lists only what landed, and fails the job whose write failed', () => {
    expect(o.changes).toEqual([oidc])
    expect(j.writeFailed).toEqual(['iam.invoker'])
    expect(j.result).toBe('failed')
    expect(o.result).toBe('failed')
  })

  it('the failed repair stays an error for a person to fix; the landed one is repaired', () => {
    expect(wasRepaired(o, j, audience)).toBe(true)
    expect(wasRepaired(o, j, invoker)).toBe(false)
    const md = renderMarkdown(o)
    expect(md).toContain('| ❌ | Invoker role | bad iam.invoker | good iam.invoker | not fixed (the iam.invoker write failed) |')
    expect(md).toContain('| 🔧 | OIDC audience | bad job.audience | good job.audience | fixed |')
    // The verdict names the run's error first; the landed change is listed as made.
    expect(md.split('\n')[0]).toBe('## ❌ failed: Fix mode stopped')
    expect(md).toContain('### Changes made\n\n```diff\n')
    expect(md).toContain('\n+ audience: https://x\n')
  })
})

describe('failureLine: why the step failed, in one line', () => {
  const base = { mode: 'fix' as const, changes: [], applied: false, expectedStatus: 200, notes: [] }
  const job = (checks: Check[], attempt?: AttemptResult): JobOutcome => ({
    plan: { job: 'projects/p/locations/l/jobs/j', checks },
    attempt,
    changes: [],
    result: 'failed',
    writeFailed: []
  })
  const blocker: Check = {
    id: 'account.health',
    title: 'Invoker account health',
    severity: 'error',
    found: 'a@p.iam.gserviceaccount.com is disabled',
    expected: 'enabled',
    blocker: true
  }

  it('the run error first', () => {
    expect(failureLine({ ...base, result: 'failed', jobs: [], error: 'boom' })).toBe('boom')
  })

  it('a blocker without a test run names the finding, not a test run', () => {
    expect(failureLine({ ...base, result: 'failed', jobs: [job([blocker])] })).toBe(
      'projects/p/locations/l/jobs/j: Invoker account health: a@p.iam.gserviceaccount.com is disabled; fix mode cannot repair this (see the job summary for the fix).'
    )
  })

  it('a failed attempt names its status and cause', () => {
    const a: AttemptResult = { job: 'projects/p/locations/l/jobs/j', httpStatus: 403, inferred: false, runs: 1, passed: false }
    expect(failureLine({ ...base, result: 'failed', jobs: [{ ...job([]), attempt: a, explanation: 'Deny policies: denied' }] })).toBe(
      'projects/p/locations/l/jobs/j failed its test attempt (HTTP 403): Deny policies: denied; see the job summary for the fix.'
    )
  })
})
