/**
 * The bundled command line (dist/cli.js) as a child process against the stand-in, as a person
 * runs it in a terminal: pipes, or a pseudo-terminal (util-linux `script`) to answer its prompt.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp, type Scenario } from '../../fake-gcp'
import { DEMO_INVOKER, DEMO_PROJECT, DEMO_REGION, demo } from '../../fake-gcp/scenarios/demo'
import { runCli, type CliOptions, type CliRun } from '../../scripts/lib/run-cli'
import { act, closeAll, healthy, INVOKER, job, members, P, R, world, writes } from './world'

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
const fakes: FakeGcp[] = []
afterAll(async () => {
  await Promise.all(fakes.splice(0).map(f => f.close()))
  await closeAll()
})

const tmp = (): string => mkdtempSync(join(tmpdir(), 'cli-it-'))

/** A fresh stand-in and a terminal's environment for it: endpoint overrides and ADC, HOME of its own. */
async function stand(scenario: Scenario): Promise<{ fake: FakeGcp; env: Record<string, string> }> {
  const fake = await startFakeGcp(scenario)
  fakes.push(fake)
  const dir = tmp()
  const env = Object.fromEntries(Object.entries(fake.actionEnv(dir)).filter(([k]) => !k.startsWith('ACTIONS_')))
  return { fake, env: { ...env, HOME: dir } }
}

const DEMO_ARGS = ['--job', 'nightly-report', '--function', 'nightly-report', '--region', DEMO_REGION, '--invoker-service-account', DEMO_INVOKER]

async function cli(fake: FakeGcp, args: string[], env: Record<string, string>, opts: CliOptions = {}): Promise<CliRun> {
  const r = await runCli(args, { env, timeoutMs: 90000, ...opts })
  await fake.idle()
  return r
}

const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
const json = (r: CliRun) =>
  JSON.parse(r.stdout) as { result: string; changes: { kind: string }[]; http_status: number | string | null; jobs: Record<string, unknown>[] }

describe('the command line: help, version, bad options', () => {
  it('--version prints the package version; --help every option with its default and an example per use', async () => {
    const v = await runCli(['--version'])
    expect(v).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' })
    const h = await runCli(['--help'])
    expect(h.code).toBe(0)
    for (const option of [
      'job',
      'function',
      'service',
      'cloud-run-job',
      'workflow',
      'project',
      'region',
      'location',
      'invoker-service-account',
      'audience',
      'no-check-service-agent',
      'test-run auto|true|false',
      'expected-status',
      'timeout',
      'await-execution',
      'universe',
      'format text|json|markdown',
      'yes',
      'help',
      'version'
    ])
      expect(h.stdout).toContain(`--${option}`)
    expect(h.stdout.match(/Default: /g)!.length).toBeGreaterThanOrEqual(18)
    expect(h.stdout).toMatch(/\n {2}scheduler-oidc-doctor verify --job /)
    expect(h.stdout).toMatch(/\n {2}scheduler-oidc-doctor fix --service /)
    expect(h.stdout).toMatch(/--cloud-run-job export-orders .*--await-execution/)
    expect(h.stdout).toMatch(/--format json/)
  })

  it.each([
    [['verify', '--jobs', 'x'], /Unknown option '--jobs'/],
    [['verify', '--job'], /--job <value>' argument missing/],
    [['verify', '--job', 'x', '--yes=1'], /--yes' does not take an argument/],
    [['verify', '--job', 'x', '--format', 'yaml'], /Invalid --format "yaml": expected text, json or markdown/],
    [['verify', '--job', 'x', '--test-run', 'maybe'], /Invalid --test-run "maybe": expected auto, true or false/],
    [
      ['verify', '--job', 'x', '--region', R, '--invoker-service-account', 'not-an-email'],
      /Invalid --invoker-service-account "not-an-email": expected a service account email/
    ],
    [['verify', '--job', 'x', '--region', R, '--timeout', '0'], /Invalid --timeout "0": expected a whole number from 1 to 3600/],
    [['verify', '--job', 'x', '--function', 'f', '--service', 's'], /Invalid --function and --service: both are set/],
    [['verify', '--region', R], /Invalid --job "": nothing to act on; set --job .*--function\/--service/],
    [['verify', '--job', 'x', '--region', 'Moon'], /Invalid --region "Moon"/],
    [['repair', '--job', 'x'], /Unknown command 'repair': expected verify or fix/],
    [['verify', 'x'], /Unexpected argument 'x'/],
    [[], /No command/]
  ])('%j: one line naming it, exit 2, no request', async (args, message) => {
    const { fake, env } = await stand(healthy())
    const r = await cli(fake, args, env)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(fake.requests).toEqual([])
  })

  it('no project anywhere: says how to set one, exit 2', async () => {
    const { fake, env } = await stand(healthy())
    delete env.GOOGLE_CLOUD_PROJECT
    delete env.GOOGLE_APPLICATION_CREDENTIALS // its impersonated account names a project too
    const r = await cli(fake, ['verify', '--job', 'x', '--region', R], { ...env, CLOUDSDK_CONFIG: tmp(), PATH: tmp() })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/No project known: pass --project, .*gcloud config set project PROJECT_ID\n$/)
    expect(fake.requests).toEqual([])
  })
})

describe('the command line: credentials and project', () => {
  it('no credentials at all: the one command to run, exit 2, no request', async () => {
    const { fake, env } = await stand(healthy())
    delete env.GOOGLE_APPLICATION_CREDENTIALS
    // No gcloud on PATH either.
    const r = await cli(fake, ['verify', '--job', 'api-job', '--region', R], { ...env, CLOUDSDK_CONFIG: tmp(), PATH: tmp() })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('scheduler-oidc-doctor: No Google credentials found. Run: gcloud auth application-default login\n')
    expect(fake.requests).toEqual([])
  })

  it("gcloud's application-default file in CLOUDSDK_CONFIG is ADC", async () => {
    const { fake, env } = await stand(healthy())
    const config = tmp()
    writeFileSync(join(config, 'application_default_credentials.json'), JSON.stringify(JSON.parse(readFileSync(env.GOOGLE_APPLICATION_CREDENTIALS, 'utf8'))))
    delete env.GOOGLE_APPLICATION_CREDENTIALS
    const r = await cli(fake, ['verify', '--job', 'api-job', '--region', R, '--test-run', 'false'], { ...env, CLOUDSDK_CONFIG: config })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`application default credentials (${join(config, 'application_default_credentials.json')})`)
  })

  it("CLOUDSDK_AUTH_ACCESS_TOKEN_FILE, as gcloud uses it, and gcloud's configured project", async () => {
    const fake = await startFakeGcp(healthy())
    fakes.push(fake)
    const dir = tmp()
    const env = fake.gcloudEnv(dir)
    delete (env as Record<string, string>).CLOUDSDK_CORE_PROJECT
    mkdirSync(join(env.CLOUDSDK_CONFIG, 'configurations'), { recursive: true })
    writeFileSync(join(env.CLOUDSDK_CONFIG, 'active_config'), 'work')
    writeFileSync(join(env.CLOUDSDK_CONFIG, 'configurations', 'config_work'), `[core]\naccount = me@example.com\nproject = ${P}\n`)
    const r = await cli(fake, ['verify', '--job', 'api-job', '--region', R, '--format', 'json'], { ...env, HOME: dir })
    expect(r.code).toBe(0)
    expect(json(r)).toMatchObject({ result: 'ok', http_status: 200 })
    expect(fake.requests.some(q => q.path === `/v1/projects/${P}/locations/${R}/jobs/api-job`)).toBe(true)
  })

  it('neither ADC nor a token file: the token of gcloud auth print-access-token, and gcloud config get-value project', async () => {
    const fake = await startFakeGcp(healthy())
    fakes.push(fake)
    const dir = tmp()
    const { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: _file, CLOUDSDK_CORE_PROJECT: _project, CLOUDSDK_CONFIG: _config, ...env } = fake.gcloudEnv(dir)
    // A stand-in gcloud on PATH; no configuration directory, so the project comes from running it.
    const bin = join(dir, 'bin')
    mkdirSync(bin)
    const calls = join(dir, 'calls')
    writeFileSync(
      join(bin, 'gcloud'),
      `#!/bin/sh\necho "$*" >> ${calls}\ncase "$*" in\n  "auth print-access-token"*) echo ${fake.tokenFor(healthy().caller)} ;;\n  "config get-value project"*) echo ${P} ;;\n  *) exit 1 ;;\nesac\n`
    )
    chmodSync(join(bin, 'gcloud'), 0o755)
    const r = await cli(fake, ['verify', '--job', 'api-job', '--region', R, '--test-run', 'false'], {
      ...env,
      HOME: dir,
      CLOUDSDK_CONFIG: join(dir, 'none'),
      PATH: `${bin}:/usr/bin:/bin`
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^✓ ok: every job is set up right\n/)
    expect(r.stdout).toContain(`project ${P}, location ${R} · gcloud auth print-access-token`)
    expect(readFileSync(calls, 'utf8')).toBe('config get-value project --quiet\nauth print-access-token --quiet\n')
  })

  it('gcloud installed but not logged in: the command to run, exit 2', async () => {
    const { fake, env } = await stand(healthy())
    delete env.GOOGLE_APPLICATION_CREDENTIALS
    const bin = tmp()
    writeFileSync(
      join(bin, 'gcloud'),
      '#!/bin/sh\necho "ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected." >&2\nexit 1\n'
    )
    chmodSync(join(bin, 'gcloud'), 0o755)
    const r = await cli(fake, ['verify', '--job', 'api-job', '--region', R], { ...env, CLOUDSDK_CONFIG: tmp(), PATH: `${bin}:/usr/bin:/bin` })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /gcloud auth print-access-token: no access token \(ERROR: .*active account selected\.\)\. Run: gcloud auth application-default login\n$/
    )
    expect(fake.requests).toEqual([])
  })
})

describe('the command line: verify and fix', () => {
  it('verify: the verdict and cause first, failing checks, the diff fix would make, the test result, commands to paste; exit 1, no writes', async () => {
    const { fake, env } = await stand(demo())
    const r = await cli(fake, ['verify', ...DEMO_ARGS], env)
    expect(r.code).toBe(1)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toBe('✗ failed: nightly-report got HTTP 403 — invoker role; run scheduler-oidc-doctor fix, or paste the commands below')
    expect(lines[1]).toMatch(/^verify · 1 job\(s\) · project demo-proj, location us-central1 · application default credentials/)
    expect(r.stdout).toMatch(/ {2}✗ Token type: no token \(expected OIDC token\) — scheduler-oidc-doctor fix repairs it\n/)
    expect(r.stdout).toMatch(/ {2}✓ 6 more checks pass: /)
    expect(r.stdout).toMatch(/test run: ✗ HTTP 403 \(from the execution log\), expected 200/)
    // The cause is the finding listed above: named, not repeated.
    expect(r.stdout).toContain('    cause: Invoker role (above)\n')
    expect(r.stdout).toContain('Changes scheduler-oidc-doctor fix would make:')
    expect(r.stdout).toContain(`audience: (none) → https://${DEMO_REGION}-${DEMO_PROJECT}.cloudfunctions.net/nightly-report`)
    expect(r.stdout).toContain(`+ roles/run.invoker: serviceAccount:${DEMO_INVOKER}`)
    expect(r.stdout).toMatch(
      /To fix by hand \(or run scheduler-oidc-doctor fix\):\n {2}# nightly-report: Token type\n {2}gcloud scheduler jobs update http nightly-report --project demo-proj/
    )
    expect(r.stdout).toContain(`gcloud run services add-iam-policy-binding nightly-report --project demo-proj --region us-central1 --role roles/run.invoker`)
    expect(r.stdout).not.toMatch(/\x1b\[/) // not a terminal: no colour
    expect(r.stderr).toBe('') // not a terminal: no progress line
    expect(writes(fake)).toEqual([])
  })

  it('verify --test-run false on drift: exit 1, result drift; --format json is the outputs, parsed', async () => {
    const { fake, env } = await stand(demo())
    const r = await cli(fake, ['verify', ...DEMO_ARGS, '--test-run', 'false', '--format', 'json'], env)
    expect(r.code).toBe(1)
    const o = json(r)
    expect(o.result).toBe('drift')
    expect(o.http_status).toBeNull()
    expect(o.changes.map(c => c.kind).sort()).toEqual(['iam.invoker', 'job.oidc'])
    expect(o.jobs).toHaveLength(1)
    expect(o.jobs[0]).toMatchObject({ job: `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/jobs/nightly-report`, http_status: null, result: 'drift' })
    expect(fake.requests.some(q => q.path.endsWith(':run'))).toBe(false)
    expect(writes(fake)).toEqual([])
  })

  it('a healthy world: exit 0; --format markdown is the job summary', async () => {
    const { fake, env } = await stand(healthy())
    const r = await cli(fake, ['verify', '--job', 'api-job,nightly-job', '--region', R, '--format', 'markdown'], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^## .*\n/)
    expect(r.stdout).toMatch(/✅ .*ok.*: every job is set up right/)
    expect(r.stdout).toMatch(/### `nightly-job` → `projects\/acme-prod\/locations\/us-central1\/functions\/nightly`/)
  })

  it("--job '*' with --test-run auto audits without firing any job", async () => {
    const { fake, env } = await stand(healthy())
    const r = await cli(fake, ['verify', '--job', '*', '--location', R, '--format', 'json'], env)
    expect(r.code).toBe(0)
    expect(json(r).jobs).toHaveLength(3)
    expect(fake.requests.some(q => q.path.endsWith(':run'))).toBe(false)
  })

  it('a run that fails as a whole: exit 1; with --format json its reason on stderr', async () => {
    const { fake, env } = await stand(healthy())
    const r = await cli(fake, ['verify', '--service', 'gone', '--region', R, '--format', 'json'], env)
    expect(r.code).toBe(1)
    expect(json(r)).toEqual({ result: 'failed', changes: [], http_status: null, jobs: [] })
    expect(r.stderr).toMatch(/^scheduler-oidc-doctor: Failed to read .*services\/gone: \(404\) NOT_FOUND .*Check the --service and --region inputs .*\n$/)
    const t = await cli(fake, ['verify', '--service', 'gone', '--region', R], env)
    expect(t.code).toBe(1)
    expect(t.stdout).toMatch(/^✗ failed: Failed to read .*services\/gone: \(404\)/)
  })

  it('fix --yes: applied without asking, proven by the test run; exit 0', async () => {
    const { fake, env } = await stand(demo())
    const r = await cli(fake, ['fix', '--yes', ...DEMO_ARGS], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^✓ fixed: 2 change\(s\) repaired the drift; every test attempt passed\n/)
    expect(r.stdout).toContain('Changes made:')
    expect(r.stdout).toMatch(/test run: ✓ HTTP 200/)
    expect(r.stdout).not.toContain('Apply')
    const j = fake.getJob(`projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/jobs/nightly-report`)
    expect(j.httpTarget!.oidcToken).toEqual({
      serviceAccountEmail: DEMO_INVOKER,
      audience: `https://${DEMO_REGION}-${DEMO_PROJECT}.cloudfunctions.net/nightly-report`
    })
    expect(members(fake, `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/services/nightly-report`, 'roles/run.invoker')).toEqual([
      `serviceAccount:${DEMO_INVOKER}`
    ])
  })

  it('fix without a terminal and without --yes: refused before any call, exit 2, nothing written', async () => {
    const { fake, env } = await stand(demo())
    const r = await cli(fake, ['fix', ...DEMO_ARGS], env)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^scheduler-oidc-doctor: fix asks before it writes, and stdin is not a terminal: pass --yes .*Nothing was written\.\n$/)
    expect(fake.requests).toEqual([])
  })

  it('fix on a terminal shows the plan and asks; y applies it', async () => {
    const { fake, env } = await stand(demo())
    const r = await cli(fake, ['fix', ...DEMO_ARGS], env, { tty: { answers: [[/Apply 2 change\(s\)\? \[y\/N\] /, 'y\n']] } })
    const out = plain(r.stdout)
    expect(r.code).toBe(0)
    expect(out).toMatch(/Plan: 2 change\(s\)\r?\n {2}nightly-report job\.oidc .*\r?\n {4}serviceAccountEmail: \(none\) → /)
    expect(out.indexOf('Apply 2 change(s)? [y/N]')).toBeGreaterThan(out.indexOf('Plan: 2 change(s)'))
    expect(out).toMatch(/✓ fixed: 2 change\(s\) repaired the drift/)
    expect(r.stdout).toMatch(/\x1b\[32m/) // a terminal, NO_COLOR unset: colour
    expect(writes(fake).length).toBeGreaterThan(0)
  })

  it('fix on a terminal answered n: nothing written, no test run, the drift reported; exit 1', async () => {
    const { fake, env } = await stand(demo())
    const r = await cli(fake, ['fix', ...DEMO_ARGS], { ...env, NO_COLOR: '1' }, { tty: { answers: [[/\[y\/N\] /, 'n\n']] } })
    const out = plain(r.stdout)
    expect(r.code).toBe(1)
    expect(out).toMatch(/! drift: nightly-report: token type: no token; run scheduler-oidc-doctor fix, or paste the commands below/)
    expect(out).toContain('Nothing written: the changes were declined.')
    expect(out).toContain('test run: not run')
    expect(r.stdout).not.toMatch(/\x1b\[3\dm/) // NO_COLOR: no colour
    expect(writes(fake)).toEqual([])
    expect(fake.requests.some(q => q.path.endsWith(':run'))).toBe(false)
  })

  it('a progress line on a terminal while a wait lasts over a second; none with --format json', async () => {
    const slow = (): Scenario => world(s => (s.settings = { attemptDelayMs: 100, logIngestionDelayMs: 2500 }))
    const a = await stand(slow())
    const text = await cli(a.fake, ['verify', '--job', 'api-job', '--region', R], a.env, { tty: { answers: [] } })
    expect(text.code).toBe(0)
    expect(plain(text.stdout)).toMatch(/api-job: waiting for the execution log entry… 1 s/)
    const b = await stand(slow())
    const j = await cli(b.fake, ['verify', '--job', 'api-job', '--region', R, '--format', 'json'], b.env, { tty: { answers: [] } })
    expect(j.code).toBe(0)
    expect(j.stdout).not.toContain('waiting for')
    expect(JSON.parse(j.stdout.slice(j.stdout.indexOf('{')))).toMatchObject({ result: 'ok', http_status: 200 })
  })
})

describe('the action and the command line are one engine', () => {
  it.each([
    ['verify', demo, { job: 'nightly-report', function: 'nightly-report', region: DEMO_REGION, invoker_service_account: DEMO_INVOKER }, DEMO_ARGS],
    ['fix', demo, { job: 'nightly-report', function: 'nightly-report', region: DEMO_REGION, invoker_service_account: DEMO_INVOKER }, DEMO_ARGS],
    [
      'fix',
      () =>
        world(s => {
          delete job(s, 'nightly-job').httpTarget!.oidcToken
        }),
      { job: 'nightly-job,api-job', region: R, project_id: P, invoker_service_account: INVOKER },
      ['--job', 'nightly-job', '--job', 'api-job', '--region', R, '--project', P, '--invoker-service-account', INVOKER]
    ]
  ])('%s: the same result, changes and jobs for the same world', async (mode, scenario, inputs, args) => {
    const action = await act(scenario(), { mode, ...inputs })
    const { fake, env } = await stand(scenario())
    const r = await cli(fake, [mode, ...(mode === 'fix' ? ['--yes'] : []), ...args, '--format', 'json'], env)
    const o = json(r)
    expect(action.outputs.result).toBe(o.result)
    expect(action.changes).toEqual(o.changes)
    expect(action.jobs).toEqual(o.jobs)
    expect(action.code === 0).toBe(r.code === 0)
    if (mode === 'fix') expect(o.result).toBe('fixed')
  })
})
