import { describe, expect, it } from '@jest/globals'
import type { JobOutcome, Outcome, Result } from '../../src/engine/outcome'
import type { Change, ChangeKind, Check, JobPlan } from '../../src/engine/plan'
import type { AttemptResult } from '../../src/engine/testrun'
import { schedulerRemedies } from '../../src/remedies'
import { renderMarkdown, testLine } from '../../src/render/markdown'
import { service } from '../../src/targets/service'
import { FN, JOB, P, R, RUN_HASH_URL, SA, SVC } from '../fixtures/names'
import { serviceTarget } from '../fixtures/targets'

const FN1 = FN('fn1')
const SVC_URL = RUN_HASH_URL('svc')
const jobRef = (id: string) => ({ project: P, location: R, id })
const TABLE_HEAD = '| | Check | Found | Expected | Action |'

const ok = (id: Check['id'], title: string): Check => ({ id, title, severity: 'ok', found: 'fine', expected: 'fine' })
const audienceDrift: Check = {
  id: 'job.audience',
  title: 'OIDC audience',
  severity: 'error',
  found: `${SVC_URL}/tasks`,
  expected: SVC_URL,
  fixedBy: 'job.oidc',
  remedy: schedulerRemedies.setOidc(jobRef('j1'), SA(), SVC_URL)
}
const ingressBlocker: Check = {
  id: 'target.ingress',
  title: 'Ingress',
  severity: 'error',
  found: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  expected: 'INGRESS_TRAFFIC_ALL',
  blocker: true,
  remedy: service.openIngressCommand!(serviceTarget({ name: SVC('svc') }))
}
const paused: Check = {
  id: 'job.state',
  title: 'Job state',
  severity: 'warning',
  found: 'PAUSED',
  expected: 'ENABLED',
  remedy: schedulerRemedies.resume(jobRef('j2'))
}

const plan = (id: string, ...checks: Check[]): JobPlan => ({
  job: JOB(id),
  target: FN1,
  bindingResource: FN1,
  checks: [ok('job.type', 'HTTP target'), ...checks]
})
const attempt = (over: Partial<AttemptResult> = {}): AttemptResult => ({
  job: JOB('j1'),
  httpStatus: 200,
  inferred: false,
  runs: 1,
  passed: true,
  latencyMs: 4200,
  ...over
})
const change: Change = {
  job: JOB('j1'),
  resource: JOB('j1'),
  kind: 'job.oidc',
  before: { serviceAccountEmail: SA('a'), audience: null },
  after: { serviceAccountEmail: SA('a'), audience: SVC_URL }
}

function outcome(jobs: JobOutcome[], over: Partial<Outcome> = {}): Outcome {
  return { mode: 'verify', result: 'drift', jobs, changes: jobs.flatMap(j => j.changes), applied: false, expectedStatus: 200, ...over }
}
const jo = (p: JobPlan, result: Result, a?: AttemptResult, changes: Change[] = [], explanation?: string, writeFailed: ChangeKind[] = []): JobOutcome => ({
  writeFailed,
  plan: p,
  attempt: a,
  changes,
  result,
  explanation
})

/** The section of the markdown about one job: from its heading to the next. */
const section = (md: string, id: string): string => {
  const start = md.indexOf(`### \`${id}\``)
  expect(start).toBeGreaterThanOrEqual(0)
  const next = md.indexOf('\n### ', start + 1)
  return md.slice(start, next < 0 ? undefined : next)
}

describe('renderMarkdown', () => {
  it('one table per job, each with its own checks', () => {
    const md = renderMarkdown(
      outcome([
        jo(plan('j1', audienceDrift), 'drift', attempt(), [change]),
        jo(plan('j2', paused), 'ok', attempt({ job: JOB('j2') })),
        jo(
          plan('j3', ingressBlocker),
          'failed',
          attempt({ job: JOB('j3'), httpStatus: 403, passed: false }),
          [],
          'Ingress: INGRESS_TRAFFIC_INTERNAL_ONLY (expected INGRESS_TRAFFIC_ALL)'
        )
      ])
    )
    expect(md.split(TABLE_HEAD).length - 1).toBe(3)
    for (const id of ['j1', 'j2', 'j3']) expect(section(md, id).split(TABLE_HEAD).length - 1).toBe(1)
    expect(section(md, 'j1')).toContain('OIDC audience')
    expect(section(md, 'j1')).not.toContain('INGRESS_TRAFFIC_INTERNAL_ONLY')
    expect(section(md, 'j2')).toMatch(/⚠️ \| Job state \| PAUSED/)
    expect(section(md, 'j3')).toMatch(/❌ \| Ingress \| INGRESS_TRAFFIC_INTERNAL_ONLY/)
    expect(section(md, 'j3')).toContain('Cause: Ingress: INGRESS_TRAFFIC_INTERNAL_ONLY')
    expect(section(md, 'j1')).toContain('(drift)')
    expect(section(md, 'j3')).toContain('(failed)')
  })

  it.each<[string, Partial<AttemptResult>, RegExp[], RegExp[]]>([
    ['inferred status says inferred', { inferred: true, httpStatus: 403, passed: false, rpcCode: 7 }, [/HTTP 403/, /inferred/], [/from the execution log/]],
    ['exact status says where it came from', { inferred: false, httpStatus: 200 }, [/HTTP 200/, /from the execution log/, /✅/], [/inferred/]],
    [
      'unknown status names the job status',
      { inferred: true, httpStatus: undefined, passed: false, rpcCode: 2 },
      [/status unknown/, /UNKNOWN/, /inferred/],
      []
    ],
    ['several runs and propagation', { runs: 3, propagationMs: 45_300 }, [/3 runs/, /IAM propagation took 45\.3 s/], []],
    ['Scheduler debugInfo', { httpStatus: 401, passed: false, debugInfo: 'URL_ERROR-ERROR_AUTHENTICATION' }, [/URL_ERROR-ERROR_AUTHENTICATION/, /❌/], []],
    ['an error instead of a status', { error: 'no attempt seen within the 180 s timeout', httpStatus: undefined, passed: false }, [/no attempt seen/], [/HTTP/]]
  ])('test line: %s', (_, over, has, hasNot) => {
    const j = jo(plan('j1'), 'ok', attempt(over))
    const line = testLine(j, 200)
    for (const r of has) expect(line).toMatch(r)
    for (const r of hasNot) expect(line).not.toMatch(r)
    expect(renderMarkdown(outcome([j]))).toContain(line)
  })

  it('test line when not run', () => {
    expect(testLine(jo(plan('j1'), 'ok'), 200)).toBe('Test run: not run.')
  })

  it.each<[string, Partial<Outcome>, Check, Change[], string]>([
    ['verify mode: what fix would do', { mode: 'verify' }, audienceDrift, [change], 'mode: fix would repair (job.oidc)'],
    ['fix mode, applied', { mode: 'fix', applied: true, result: 'fixed' }, audienceDrift, [change], 'fixed (job.oidc)'],
    ['fix mode, nothing written', { mode: 'fix', applied: false, result: 'failed' }, audienceDrift, [], 'not fixed (nothing written)'],
    ['a blocker', { mode: 'fix', applied: true }, ingressBlocker, [], 'cannot be fixed by the action'],
    ['a warning', { mode: 'verify' }, paused, [], '—']
  ])('action column: %s', (_, over, check, changes, action) => {
    const md = renderMarkdown(outcome([jo(plan('j1', check), 'drift', undefined, changes)], over))
    const row = md.split('\n').find(l => l.includes(`| ${check.title} |`))
    expect(row).toBeDefined()
    expect(row!.endsWith(`| ${action} |`)).toBe(true)
  })

  it('escapes pipes and newlines in cells', () => {
    const weird: Check = { ...audienceDrift, found: 'a|b\nc' }
    const md = renderMarkdown(outcome([jo(plan('j1', weird), 'drift')]))
    expect(md).toContain('| a\\|b c |')
  })

  it.each<[Outcome['mode'], string]>([
    ['verify', '### Changes `mode: fix` would make'],
    ['fix', '### Changes made']
  ])('lists the changes (%s)', (mode, heading) => {
    const md = renderMarkdown(outcome([jo(plan('j1', audienceDrift), 'drift', undefined, [change])], { mode, applied: mode === 'fix' }))
    expect(md).toContain(heading)
    expect(md).toContain(`\`job.oidc\` on \`${JOB('j1')}\``)
    expect(md).toContain(`"audience":"${SVC_URL}"`)
  })

  it('no changes → no changes section', () => {
    const md = renderMarkdown(outcome([jo(plan('j1'), 'ok', attempt())], { result: 'ok' }))
    expect(md).not.toContain('### Changes')
  })

  it('remedies go into a details block', () => {
    const md = renderMarkdown(outcome([jo(plan('j1', audienceDrift, paused), 'drift')]))
    expect(md).toContain('<details><summary>How to fix by hand</summary>')
    expect(md).toContain(`- **OIDC audience**: ${audienceDrift.remedy}`)
    expect(md).toContain(`- **Job state**: ${paused.remedy}`)
  })

  it('after a repair, the hand fixes list only what the action could not repair', () => {
    const md = renderMarkdown(outcome([jo(plan('j1', audienceDrift, paused), 'fixed', attempt(), [change])], { mode: 'fix', applied: true, result: 'fixed' }))
    expect(md).toContain(`- **Job state**: ${paused.remedy}`)
    expect(md).not.toContain(`- **OIDC audience**:`)
    expect(md).toMatch(/\| 🔧 \| OIDC audience \|/)
    expect(md).toMatch(/\| ⚠️ \| Job state \|/)
  })

  it.each<[Result, string | undefined, RegExp]>([
    ['ok', undefined, /\*\*ok\*\*/],
    ['fixed', undefined, /\*\*fixed\*\*/],
    ['drift', undefined, /\*\*drift\*\*.*mode: fix/],
    ['failed', 'Fix mode wrote nothing: the caller lacks 1 permission(s)', /\*\*failed\*\* Fix mode wrote nothing/]
  ])('result line for %s', (result, error, line) => {
    const md = renderMarkdown(outcome([jo(plan('j1'), result)], { result, error }))
    expect(md.split('\n')[2]).toMatch(line)
  })

  it('names the mode in the title', () => {
    expect(renderMarkdown(outcome([], { mode: 'fix', result: 'ok' })).split('\n')[0]).toBe('## Cloud Scheduler OIDC check (fix)')
  })
})
