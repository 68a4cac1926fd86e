import { describe, expect, it } from '@jest/globals'
import { explainingFinding, type JobOutcome, type Outcome, type Result } from '../../src/engine/outcome'
import type { Change, ChangeKind, Check, JobPlan } from '../../src/engine/plan'
import type { AttemptResult } from '../../src/engine/testrun'
import { schedulerRemedies } from '../../src/remedies'
import { renderMarkdown, testLine } from '../../src/render/markdown'
import { service } from '../../src/targets/service'
import { block, parseBlocks } from '../fixtures/markdown'
import { AGENT, FN, JOB, MEMBER, P, R, RUN_HASH_URL, SA, SVC } from '../fixtures/names'
import { serviceTarget } from '../fixtures/targets'

const FN1 = FN('fn1')
const SVC_URL = RUN_HASH_URL('svc')
const jobRef = (id: string) => ({ project: P, location: R, id })
const TABLE_HEAD = '| | Check | Found | Expected | Action |'

// The checks as the plan makes them: a remedy in words, ending with the command, and the command alone.
const SET_OIDC = schedulerRemedies.setOidc(jobRef('j1'), SA(), SVC_URL)
const OPEN_INGRESS = service.openIngressCommand!(serviceTarget({ name: SVC('svc') }))
const RESUME_J2 = schedulerRemedies.resume(jobRef('j2'))
const GRANT_AGENT = schedulerRemedies.grantOnProject(P, MEMBER(AGENT), 'roles/cloudscheduler.serviceAgent')

const ok = (id: Check['id'], title: string): Check => ({ id, title, severity: 'ok', found: 'fine', expected: 'fine' })
const audienceDrift: Check = {
  id: 'job.audience',
  title: 'OIDC audience',
  severity: 'error',
  found: `${SVC_URL}/tasks`,
  expected: SVC_URL,
  fixedBy: 'job.oidc',
  remedy: `Cloud Run accepts only its URL origin (no path or query) or a custom audience (401 otherwise). ${SET_OIDC}`,
  command: SET_OIDC
}
const AUDIENCE_WHY = 'Cloud Run accepts only its URL origin (no path or query) or a custom audience (401 otherwise).'
/** The account check of the same job: the same command repairs both. */
const accountDrift: Check = {
  id: 'job.service_account',
  title: 'Invoker account',
  severity: 'error',
  found: SA('old'),
  expected: SA(),
  fixedBy: 'job.oidc',
  remedy: SET_OIDC,
  command: SET_OIDC
}
const ingressBlocker: Check = {
  id: 'target.ingress',
  title: 'Ingress',
  severity: 'error',
  found: 'INGRESS_TRAFFIC_NONE',
  expected: 'INGRESS_TRAFFIC_ALL',
  blocker: true,
  remedy: `The service accepts no traffic at all. Allow ingress (IAM stays the gate): ${OPEN_INGRESS}`,
  command: OPEN_INGRESS
}
const paused: Check = {
  id: 'job.state',
  title: 'Job state',
  severity: 'warning',
  found: 'PAUSED',
  expected: 'ENABLED',
  remedy: `The job will not run on schedule until resumed: ${RESUME_J2}`,
  command: RESUME_J2
}
const agentMissing: Check = {
  id: 'iam.service_agent',
  title: 'Scheduler service agent',
  severity: 'error',
  found: 'missing',
  expected: `roles/cloudscheduler.serviceAgent for ${MEMBER(AGENT)} on projects/${P}`,
  fixedBy: 'iam.service_agent',
  remedy: `Without it Cloud Scheduler cannot mint OIDC tokens for any job. ${GRANT_AGENT}`,
  command: GRANT_AGENT
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
  return { mode: 'verify', result: 'drift', jobs, changes: jobs.flatMap(j => j.changes), applied: false, expectedStatus: 200, notes: [], ...over }
}
const jo = (p: JobPlan, result: Result, a?: AttemptResult, changes: Change[] = [], explanation?: string, writeFailed: ChangeKind[] = []): JobOutcome => ({
  writeFailed,
  plan: p,
  attempt: a,
  changes,
  result,
  explanation,
  // As buildOutcome derives it: the finding the attempt is put down to.
  cause: a && explainingFinding(p, a, false)?.id
})

/** The section of the markdown about one job: from its heading to the next. */
const section = (md: string, id: string): string => {
  const start = md.indexOf(`### \`${id}\``)
  expect(start).toBeGreaterThanOrEqual(0)
  const next = md.indexOf('\n### ', start + 1)
  return md.slice(start, next < 0 ? undefined : next)
}
const rowOf = (md: string, title: string): string | undefined => md.split('\n').find(l => l.startsWith('| ') && l.includes(`| ${title} |`))
const count = (md: string, s: string): number => md.split(s).length - 1

describe('renderMarkdown', () => {
  it('one table per job, holding only its failing checks; its passes fold into one line', () => {
    const md = renderMarkdown(
      outcome([
        jo(plan('j1', audienceDrift), 'drift', attempt(), [change]),
        jo(plan('j2', paused), 'ok', attempt({ job: JOB('j2') })),
        jo(
          plan('j3', ingressBlocker),
          'failed',
          attempt({ job: JOB('j3'), httpStatus: 403, passed: false }),
          [],
          'Ingress: INGRESS_TRAFFIC_NONE (expected INGRESS_TRAFFIC_ALL)'
        )
      ])
    )
    expect(count(md, TABLE_HEAD)).toBe(3)
    for (const id of ['j1', 'j2', 'j3']) {
      expect(count(section(md, id), TABLE_HEAD)).toBe(1)
      // The passing check is not a row of the findings table: it is named in the one folded line under it.
      expect(rowOf(section(md, id), 'HTTP target')?.startsWith('| ❌') || rowOf(section(md, id), 'HTTP target')?.startsWith('| ⚠️')).toBeFalsy()
      expect(section(md, id)).toContain('\n<details><summary>✅ 1 more checks pass: HTTP target.</summary>\n')
    }
    expect(section(md, 'j1')).toContain('| ❌ | OIDC audience |')
    expect(section(md, 'j1')).not.toContain('INGRESS_TRAFFIC')
    expect(section(md, 'j2')).toMatch(/⚠️ \| Job state \| PAUSED/)
    expect(section(md, 'j3')).toContain('| ❌ | Ingress | INGRESS\\_TRAFFIC\\_NONE | INGRESS\\_TRAFFIC\\_ALL |')
    // The cause is a finding of the table: named, not repeated.
    expect(section(md, 'j3')).toContain('Cause: Ingress (above).')
    expect(section(md, 'j3').split('INGRESS\\_TRAFFIC\\_NONE')).toHaveLength(2)
    expect(section(md, 'j1').split('\n')[0]).toBe(`### \`j1\` → \`${FN1}\` · ⚠️ drift`)
    expect(section(md, 'j2').split('\n')[0]).toBe(`### \`j2\` → \`${FN1}\` · ✅ ok`)
    expect(section(md, 'j3').split('\n')[0]).toBe(`### \`j3\` → \`${FN1}\` · ❌ failed`)
  })

  it('a job whose checks all pass has no table: one line names them', () => {
    const md = renderMarkdown(
      outcome([jo({ ...plan('j1'), checks: [ok('job.type', 'HTTP target'), ok('job.audience', 'OIDC audience')] }, 'ok', attempt())], { result: 'ok' })
    )
    expect(md).not.toContain(TABLE_HEAD)
    expect(md).toContain('\n<details><summary>✅ All 2 checks pass: HTTP target, OIDC audience.</summary>\n')
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
    ['Scheduler debugInfo', { httpStatus: 401, passed: false, debugInfo: 'URL_ERROR-ERROR_AUTHENTICATION' }, [/`URL_ERROR-ERROR_AUTHENTICATION`/, /❌/], []],
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

  // The action column says what happens to the finding, then why in words; the command is in the block below.
  it.each<[string, Partial<Outcome>, Check, Change[], ChangeKind[], string]>([
    ['verify mode: what fix would do', { mode: 'verify' }, audienceDrift, [change], [], `\`mode: fix\` repairs it: ${AUDIENCE_WHY}`],
    ['fix mode, applied', { mode: 'fix', applied: true, result: 'fixed' }, audienceDrift, [change], [], 'fixed'],
    ['fix mode, applied, nothing of this kind needed', { mode: 'fix', applied: true, result: 'ok' }, audienceDrift, [], [], 'already in place'],
    ['fix mode, nothing written', { mode: 'fix', applied: false, result: 'failed' }, audienceDrift, [], [], `not fixed (nothing written): ${AUDIENCE_WHY}`],
    [
      'fix mode, its write failed',
      { mode: 'fix', applied: true, result: 'failed' },
      audienceDrift,
      [],
      ['job.oidc'],
      `not fixed (the job.oidc write failed): ${AUDIENCE_WHY}`
    ],
    [
      'a blocker',
      { mode: 'fix', applied: true },
      ingressBlocker,
      [],
      [],
      'by hand (see the commands): The service accepts no traffic at all. Allow ingress (IAM stays the gate)'
    ],
    ['a warning', { mode: 'verify' }, paused, [], [], 'a warning: the run does not fail on it: The job will not run on schedule until resumed']
  ])('action column: %s', (_, over, check, changes, writeFailed, action) => {
    const md = renderMarkdown(outcome([jo(plan('j1', check), 'drift', undefined, changes, undefined, writeFailed)], over))
    const row = rowOf(md, check.title)
    expect(row).toBeDefined()
    expect(row!.endsWith(`| ${action} |`)).toBe(true)
    // The command is said once, in the block (or not at all once repaired), never in the row.
    expect(row).not.toContain('gcloud')
  })

  it('escapes pipes and newlines in cells', () => {
    const weird: Check = { ...audienceDrift, found: 'a|b\nc' }
    const md = renderMarkdown(outcome([jo(plan('j1', weird), 'drift')]))
    expect(md).toContain('| a\\|b c |')
  })

  it.each<[Outcome['mode'], string]>([
    ['verify', '### Changes `mode: fix` would make'],
    ['fix', '### Changes made']
  ])('lists the changes as a diff (%s): only the fields that change, no JSON', (mode, heading) => {
    const account: Change = {
      ...change,
      before: { serviceAccountEmail: SA('old'), audience: SVC_URL },
      after: { serviceAccountEmail: SA(), audience: SVC_URL }
    }
    const grant: Change = {
      job: JOB('j2'),
      resource: FN1,
      kind: 'iam.invoker',
      before: null,
      after: { role: 'roles/cloudfunctions.invoker', member: MEMBER(SA()) }
    }
    const md = renderMarkdown(
      outcome([jo(plan('j1', audienceDrift), 'drift', undefined, [change, account]), jo(plan('j2'), 'drift', undefined, [grant])], {
        mode,
        applied: mode === 'fix'
      })
    )
    expect(md).toContain(`${heading}\n\n\`\`\`diff\n`)
    expect(block(md, 'diff').lines).toEqual([
      `  j1  job.oidc  ${JOB('j1')}`,
      '- audience: (none)',
      `+ audience: ${SVC_URL}`,
      `  j1  job.oidc  ${JOB('j1')}`,
      `- serviceAccountEmail: ${SA('old')}`,
      `+ serviceAccountEmail: ${SA()}`,
      `  fn1  iam.invoker  ${FN1}`,
      `+ roles/cloudfunctions.invoker: ${MEMBER(SA())}`
    ])
    expect(md).not.toMatch(/[{}"]/)
  })

  it('no changes → no changes section', () => {
    const md = renderMarkdown(outcome([jo(plan('j1'), 'ok', attempt())], { result: 'ok' }))
    expect(md).not.toContain('### Changes')
    expect(md).not.toContain('```diff')
  })

  it('every command to paste is in one sh block, each once, under its job and check; none in the table', () => {
    const md = renderMarkdown(
      outcome([
        jo(plan('j1', audienceDrift, accountDrift, agentMissing), 'drift'),
        jo(plan('j2', paused, agentMissing), 'drift'),
        jo(plan('j3', ingressBlocker), 'failed')
      ])
    )
    expect(md).toContain('\n### To fix by hand (or run with `mode: fix`)\n\n```sh\n')
    expect(block(md, 'sh').lines).toEqual([
      '# j1: OIDC audience',
      SET_OIDC,
      '# j1: Scheduler service agent',
      GRANT_AGENT,
      '# j2: Job state',
      RESUME_J2,
      '# j3: Ingress',
      OPEN_INGRESS
    ])
    // Two checks repaired by one command, and one project grant two jobs need: each command once in the whole report.
    for (const cmd of [SET_OIDC, GRANT_AGENT, RESUME_J2, OPEN_INGRESS]) {
      expect(count(md, cmd)).toBe(1)
      expect(cmd).toContain(`--project ${P}`)
    }
    // Commands live only in the block: no fold of hand fixes any more (the passes' fold holds no command).
    expect(md).not.toContain('How to fix by hand')
    expect(parseBlocks(md).blocks.every(b => b.closed)).toBe(true)
  })

  it('no command to paste → no command block', () => {
    const md = renderMarkdown(outcome([jo(plan('j1', { ...audienceDrift, remedy: undefined, command: undefined }), 'drift')]))
    expect(md).not.toContain('### To fix by hand')
    expect(md).not.toContain('```sh')
  })

  it('after a repair, the block lists only what the action could not repair', () => {
    const md = renderMarkdown(outcome([jo(plan('j1', audienceDrift, paused), 'fixed', attempt(), [change])], { mode: 'fix', applied: true, result: 'fixed' }))
    expect(md).toContain('\n### To fix by hand\n\n```sh\n')
    expect(block(md, 'sh').lines).toEqual(['# j1: Job state', RESUME_J2])
    expect(md).not.toContain(SET_OIDC)
    expect(rowOf(md, 'OIDC audience')).toBe(`| 🔧 | OIDC audience | ${SVC_URL}/tasks | ${SVC_URL} | fixed |`)
    expect(md).toMatch(/\| ⚠️ \| Job state \|/)
  })

  // The first line is the verdict and, when it is not ok, the cause that matters most and what to do.
  it.each<[string, JobOutcome[], Partial<Outcome>, string | RegExp]>([
    ['ok, not tested', [jo(plan('j1'), 'ok')], { result: 'ok' }, '## ✅ ok: every job is set up right'],
    ['ok, tested', [jo(plan('j1'), 'ok', attempt())], { result: 'ok' }, '## ✅ ok: every job is set up right and its test attempt passed'],
    [
      'fixed',
      [jo(plan('j1', audienceDrift), 'fixed', attempt(), [change])],
      { mode: 'fix', applied: true, result: 'fixed' },
      '## 🔧 fixed: 1 change(s) repaired the drift; every test attempt passed'
    ],
    [
      'drift: the finding, and how to repair it',
      [jo(plan('j1', audienceDrift), 'drift', undefined, [change])],
      { result: 'drift' },
      `## ⚠️ drift: \`j1\`: OIDC audience — ${SVC_URL}/tasks; run with \`mode: fix\`, or paste the commands below`
    ],
    [
      'failed on a blocker: the blocker, even after a drifting job, fixed by hand',
      [jo(plan('j1', audienceDrift), 'drift', undefined, [change]), jo(plan('j3', ingressBlocker), 'failed')],
      { result: 'failed' },
      '## ❌ failed: `j3`: Ingress — INGRESS\\_TRAFFIC\\_NONE; fix it by hand (command below)'
    ],
    [
      'failed on a test attempt: its status and the check that explains it',
      [jo(plan('j1', audienceDrift), 'failed', attempt({ httpStatus: 401, passed: false }), [change], `OIDC audience: ${SVC_URL}/tasks (expected ${SVC_URL})`)],
      { result: 'failed' },
      /^## ❌ failed: `j1` got HTTP 401 — oidc audience; run with `mode: fix`, or paste the commands below$/i
    ],
    [
      'failed without a test: says it was not tested, and why',
      [jo(plan('j1'), 'failed', attempt({ httpStatus: undefined, passed: false, error: 'no attempt seen within the 180 s timeout' }))],
      { result: 'failed' },
      /^## ❌ failed: `j1` was not tested; /
    ],
    [
      'failed on a run error: the error',
      [jo(plan('j1'), 'failed')],
      { result: 'failed', error: 'Fix mode wrote nothing: the caller lacks 1 permission(s)' },
      '## ❌ failed: Fix mode wrote nothing: the caller lacks 1 permission(s)'
    ]
  ])('verdict line: %s', (_, jobs, over, line) => {
    const first = renderMarkdown(outcome(jobs, over)).split('\n')[0]
    if (typeof line === 'string') expect(first).toBe(line)
    else expect(first).toMatch(line)
  })

  it('names the mode and the number of jobs under the verdict', () => {
    expect(renderMarkdown(outcome([], { mode: 'fix', result: 'ok' })).split('\n')[2]).toBe('Cloud Scheduler auth check, `mode: fix`, 0 job(s).')
    expect(renderMarkdown(outcome([jo(plan('j1'), 'ok')], { result: 'ok' })).split('\n')[2]).toBe('Cloud Scheduler auth check, `mode: verify`, 1 job(s).')
  })
})
