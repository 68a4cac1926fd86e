/** The command line's pure parts: arguments → inputs, the terminal report, the progress line, gcloud's configuration. */
import { describe, expect, it } from '@jest/globals'
import { OPTIONS, optionLabel, parseCommandLine, UsageError } from '../../src/cli/args'
import { iniValue } from '../../src/cli/credentials'
import { Progress } from '../../src/cli/progress'
import { changeLines, renderText, term } from '../../src/cli/text'
import type { Outcome } from '../../src/engine/outcome'
import type { Check, JobPlan } from '../../src/engine/plan'
import { readSettings, type Settings } from '../../src/settings'

const run = (argv: string[]) => {
  const p = parseCommandLine(argv)
  if (p.kind !== 'run') throw new Error(`not a run: ${p.kind}`)
  return p
}
const settings = (argv: string[]): Settings => readSettings(run(argv).getInput, {}, optionLabel)
const usage = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)
  }
  throw new Error('accepted')
}

describe('parseCommandLine', () => {
  it('maps the options onto the inputs readSettings reads', () => {
    const s = settings([
      'fix',
      '--job',
      'a,b',
      '--job',
      'c',
      '--service',
      'api',
      '--project',
      'my-proj',
      '--region',
      'europe-west1',
      '--location',
      'europe-west3',
      '--invoker-service-account',
      'inv@my-proj.iam.gserviceaccount.com',
      '--audience',
      'https://api.example.com',
      '--no-check-service-agent',
      '--expected-status',
      '204',
      '--timeout',
      '60',
      '--await-execution',
      '--universe',
      'example.com'
    ])
    expect(s).toMatchObject({
      mode: 'fix',
      jobs: { kind: 'named', ids: ['a', 'b', 'c'] },
      target: { input: 'service', id: 'api' },
      project: 'my-proj',
      region: 'europe-west1',
      location: 'europe-west3',
      invokerServiceAccount: 'inv@my-proj.iam.gserviceaccount.com',
      audience: 'https://api.example.com',
      checkServiceAgent: false,
      testRun: true,
      awaitExecution: true,
      expectedStatus: 204,
      timeoutSeconds: 60,
      universe: 'example.com'
    })
  })

  it('defaults: the inputs’ own', () => {
    expect(settings(['verify', '--job', 'a', '--project', 'my-proj', '--region', 'us-central1'])).toMatchObject({
      mode: 'verify',
      checkServiceAgent: true,
      testRun: true,
      awaitExecution: false,
      expectedStatus: 200,
      timeoutSeconds: 180,
      universe: 'googleapis.com'
    })
    expect(run(['verify', '--job', 'a'])).toMatchObject({ format: 'text', yes: false })
  })

  it.each([
    [['--job', 'a'], true],
    [['--function', 'f'], true],
    [['--job', '*'], false],
    [['--job', '*', '--test-run', 'true'], true],
    [['--job', 'a', '--test-run', 'false'], false],
    [['--job', 'a', '--test-run', 'AUTO'], true]
  ])('--test-run auto: %j tests %s', (args, tested) => {
    expect(settings(['verify', '--project', 'my-proj', '--region', 'us-central1', ...args]).testRun).toBe(tested)
  })

  it('help and version win over everything else', () => {
    expect(parseCommandLine(['fix', '--job', 'a', '--help'])).toEqual({ kind: 'help' })
    expect(parseCommandLine(['-h'])).toEqual({ kind: 'help' })
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' })
  })

  it.each([
    [['verify', '--nope'], "UsageError: Unknown option '--nope'. See scheduler-oidc-doctor --help."],
    [['verify', '--job'], "UsageError: Option '--job <value>' argument missing"],
    [['verify', '--job', '--region', 'x'], "UsageError: Option '--job' argument is ambiguous."],
    [['verify', '--format', 'yaml'], 'UsageError: Invalid --format "yaml": expected text, json or markdown.'],
    [['verify', '--test-run', 'yes'], 'UsageError: Invalid --test-run "yes": expected auto, true or false.'],
    [['check'], "UsageError: Unknown command 'check': expected verify or fix."],
    [['verify', 'a', 'b'], "UsageError: Unexpected argument 'a': options start with --, and several jobs are given as --job a --job b or --job a,b."]
  ])('%j → %s', (argv, message) => {
    expect(usage(() => parseCommandLine(argv))).toBe(message)
  })

  it('errors from readSettings name the option, not the input', () => {
    expect(usage(() => settings(['verify', '--job', 'a', '--project', 'my-proj', '--region', 'us-central1', '--invoker-service-account', 'me']))).toBe(
      'InputError: Invalid --invoker-service-account "me": expected a service account email (NAME@PROJECT.iam.gserviceaccount.com).'
    )
    expect(usage(() => settings(['verify', '--job', '*', '--function', 'f', '--project', 'my-proj', '--region', 'us-central1']))).toMatch(
      /^InputError: Invalid --job "\*": .* does not combine with --function; leave --job empty/
    )
    expect(usage(() => settings(['verify', '--project', 'P', '--job', 'a']))).toBe(
      'InputError: Invalid --project "P": expected a project id such as my-project-123.'
    )
    // The action's own names are untouched without a label.
    expect(usage(() => readSettings(run(['verify', '--job', 'a', '--project', 'P']).getInput, {}))).toMatch(/^InputError: Invalid 'project_id' "P"/)
  })

  it('every input-backed option has a label; the negated flag is named as given', () => {
    for (const [name, o] of Object.entries(OPTIONS)) if (o.input) expect(optionLabel(o.input)).toBe(`--${name}`)
    expect(optionLabel('check_service_agent')).toBe('--no-check-service-agent')
    expect(optionLabel('workload_identity_provider')).toBeUndefined()
  })

  it('throws UsageError, so the caller exits 2', () => {
    expect(() => parseCommandLine([])).toThrow(UsageError)
  })
})

const JOB = 'projects/my-proj/locations/us-central1/jobs/nightly'
const check = (c: Partial<Check>): Check => ({ id: 'job.token', title: 'Token type', severity: 'error', found: 'no token', expected: 'OIDC token', ...c })
const outcome = (o: Partial<Outcome>, checks: Check[], extra: Partial<Outcome['jobs'][number]> = {}): Outcome => {
  const plan: JobPlan = { job: JOB, target: 'projects/my-proj/locations/us-central1/functions/nightly', checks }
  return {
    mode: 'verify',
    result: 'drift',
    changes: [],
    applied: false,
    expectedStatus: 200,
    notes: [],
    jobs: [{ plan, changes: [], result: o.result ?? 'drift', writeFailed: [], ...extra }],
    ...o
  }
}

describe('renderText', () => {
  const cmd =
    "gcloud scheduler jobs update http nightly --project my-proj --location us-central1 --oidc-service-account-email a@my-proj.iam.gserviceaccount.com --oidc-token-audience 'https://x/;y'"
  const drift = outcome({}, [
    check({ fixedBy: 'job.oidc', remedy: `Without a token the target answers 403. ${cmd}`, command: cmd }),
    check({ id: 'job.state', title: 'Job state', severity: 'ok', found: 'ENABLED', expected: 'ENABLED' })
  ])

  it('the verdict and main cause first, then the failing check, folded passes, the test line and the commands', () => {
    const text = renderText(drift, { color: false, context: 'project my-proj' })
    expect(text.split('\n').slice(0, 3)).toEqual([
      '! drift: nightly: token type: no token; run scheduler-oidc-doctor fix, or paste the commands below',
      'verify · 1 job(s) · project my-proj',
      ''
    ])
    expect(text).toContain(
      '  ✗ Token type: no token (expected OIDC token) — scheduler-oidc-doctor fix repairs it\n      Without a token the target answers 403.\n'
    )
    expect(text).toContain('  ✓ 1 more checks pass: Job state\n  test run: not run\n')
    expect(text).toContain(`To fix by hand (or run scheduler-oidc-doctor fix):\n  # nightly: Token type\n  ${cmd}\n`)
    expect(text).not.toMatch(/\x1b/)
  })

  it('colour only when asked', () => {
    expect(renderText(drift, { color: true })).toMatch(/\x1b\[1m\x1b\[33m! drift\x1b\[39m\x1b\[22m/)
  })

  it('relabels the inputs a remedy or error quotes; says when the plan was declined', () => {
    const o = outcome({ result: 'failed' }, [
      check({
        id: 'job.service_account',
        title: 'Invoker account',
        blocker: true,
        remedy: "The job has no token account: set 'invoker_service_account' to the account."
      })
    ])
    const text = renderText(o, { color: false, label: n => (n === 'invoker_service_account' ? '--invoker-service-account' : undefined), declined: true })
    expect(text).toContain('set --invoker-service-account to the account.')
    expect(text).toContain('\nNothing written: the changes were declined.\n')
    expect(text.split('\n')[0]).toBe('✗ failed: nightly: invoker account: no token; fix it by hand (command below)')
    const err = renderText(
      { ...outcome({ result: 'failed' }, []), jobs: [], error: "No Cloud Scheduler job to check; check 'job' and 'location'." },
      { color: false, label: n => `--${n}` }
    )
    expect(err.split('\n')[0]).toBe('✗ failed: No Cloud Scheduler job to check; check --job and --location.')
  })

  it('text from Google cannot drive the terminal', () => {
    const o = outcome({}, [check({ found: 'evil\x1b]0;pwned\x07\x1b[2J\nnext line', fixedBy: 'job.oidc' })])
    const text = renderText(o, { color: false })
    expect(text).not.toMatch(/\x1b|\x07/)
    expect(text).toContain('evil\ufffd]0;pwned\ufffd\ufffd[2J next line')
    expect(term('a\r\nb\u2028c\u009bd')).toBe('a b c\ufffdd')
  })

  it('changes read as a diff', () => {
    expect(
      changeLines({
        job: JOB,
        resource: JOB,
        kind: 'job.oidc',
        before: { serviceAccountEmail: 'a@my-proj.iam.gserviceaccount.com', audience: null },
        after: { serviceAccountEmail: 'a@my-proj.iam.gserviceaccount.com', audience: 'https://x' }
      })
    ).toEqual([`nightly job.oidc ${JOB}`, '  audience: (none) → https://x'])
    expect(
      changeLines({
        job: JOB,
        resource: 'projects/p/locations/r/services/s',
        kind: 'iam.invoker',
        before: null,
        after: { role: 'roles/run.invoker', member: 'serviceAccount:a@p.iam.gserviceaccount.com' }
      })
    ).toEqual(['s iam.invoker projects/p/locations/r/services/s', '  + roles/run.invoker: serviceAccount:a@p.iam.gserviceaccount.com'])
  })
})

describe('Progress', () => {
  it('shows a wait only after a second, the finest and oldest one, with how long so far; erases itself at the end', () => {
    let now = 0
    const written: string[] = []
    const p = new Progress({ write: s => written.push(s) > 0, columns: 200 }, () => now)
    const endPhase = p.begin('Test run', true)
    const endA = p.begin('a: waiting for the attempt')
    expect(p.line()).toBeUndefined()
    now = 900
    const endB = p.begin('b: waiting for the attempt')
    now = 1500
    expect(p.line()).toBe('a: waiting for the attempt… 1 s')
    now = 2600
    expect(p.line()).toBe('a: waiting for the attempt (+1 more)… 2 s')
    endA()
    endB()
    expect(p.line()).toBe('Test run… 2 s')
    p.draw()
    expect(written.at(-1)).toMatch(/^\r\x1b\[2K. Test run… 2 s$/)
    endPhase()
    expect(written.at(-1)).toBe('\r\x1b[2K')
  })
})

describe("gcloud's configuration", () => {
  it('reads [core] project', () => {
    expect(iniValue('[core]\naccount = me@x.com\nproject = my-proj\n\n[compute]\nregion = x\n', 'core', 'project')).toBe('my-proj')
    expect(iniValue('[compute]\nproject = other\n', 'core', 'project')).toBeUndefined()
    expect(iniValue('[core]\nproject =\n', 'core', 'project')).toBeUndefined()
  })
})
