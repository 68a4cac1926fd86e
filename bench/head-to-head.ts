/**
 * Head to head on one broken job, a fresh stand-in per repetition so each starts broken:
 * (a) the manual fix (a script of real gcloud commands), (b) the action in fix mode, (c) the
 * action in verify mode on the state (b) repaired, and (d) the same without the test run (the
 * check alone). Sides alternate within a repetition. A `Case` names the job: its world, the
 * action's inputs, the manual script and the end state both sides must leave; `GEN2` is the
 * demo's broken gen 2 job, `RUN_JOB` a broken scheduled Cloud Run job.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp, type Scenario, type Settings } from '../fake-gcp'
import { runAction } from '../scripts/lib/run-action'
import { FLOORS, RUN_JOB_FLOORS, type Floor, type Mode } from './floor'
import { beforeFirstRun, criticalPath, isAuth, maxPerMinute, track, type Call, type CriticalPath } from './requests'
import {
  brokenOne,
  brokenRunJob,
  CLOUD_PLATFORM,
  DEMO_INVOKER,
  DEMO_PROJECT,
  DEMO_REGION,
  ONE_FUNCTION,
  ONE_JOB,
  ONE_RUN_JOB,
  ONE_RUN_JOB_TRIGGER
} from './scenarios'
import { median } from './stats'

export interface Case {
  id: 'gen2' | 'run-job'
  /** e.g. "one broken gen 2 job" */
  title: string
  scenario: (settings: Settings) => Scenario
  /** the action's inputs, without `mode` and `test_run` */
  inputs: Record<string, string>
  /** the manual side: a bash script and its arguments; it prints `HTTP <status>` of the attempt last */
  manual: { script: string; args: string[] }
  /** whether the end state is the repaired one (checked after (a) and after (b)) */
  repaired: (fake: FakeGcp) => boolean
  floors: Record<Mode, Floor>
}

const AUDIENCE = `https://${DEMO_REGION}-${DEMO_PROJECT}.cloudfunctions.net/${ONE_FUNCTION}`
const JOB = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/jobs/${ONE_JOB}`
const SERVICE = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/services/${ONE_FUNCTION}`
export const ACTION_INPUTS = { job: ONE_JOB, function: ONE_FUNCTION, region: DEMO_REGION, invoker_service_account: DEMO_INVOKER, timeout: '120' }

const hasInvoker = (fake: FakeGcp, resource: string): boolean =>
  (fake.getPolicy(resource).bindings ?? []).some(b => b.role === 'roles/run.invoker' && !b.condition && b.members.includes(`serviceAccount:${DEMO_INVOKER}`))

/** The demo's gen 2 job: an OIDC token for the invoker with the function's URL, roles/run.invoker on the service. */
export const GEN2: Case = {
  id: 'gen2',
  title: 'one broken gen 2 job',
  scenario: brokenOne,
  inputs: ACTION_INPUTS,
  manual: { script: 'bench/manual-fix.sh', args: [ONE_JOB, ONE_FUNCTION, DEMO_REGION, DEMO_INVOKER, AUDIENCE] },
  repaired(fake) {
    const token = fake.getJob(JOB).httpTarget?.oidcToken
    return token?.serviceAccountEmail === DEMO_INVOKER && token.audience === AUDIENCE && hasInvoker(fake, SERVICE)
  },
  floors: FLOORS
}

const RUN_TRIGGER = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/jobs/${ONE_RUN_JOB_TRIGGER}`
const RUN_JOB_NAME = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/jobs/${ONE_RUN_JOB}`

/**
 * A scheduled Cloud Run job: an OAuth token for the invoker with the cloud-platform scope and no
 * OIDC token left, roles/run.invoker on the Cloud Run job, and an execution the 200 created.
 */
export const RUN_JOB: Case = {
  id: 'run-job',
  title: 'one broken scheduled Cloud Run job',
  scenario: brokenRunJob,
  inputs: { job: ONE_RUN_JOB_TRIGGER, cloud_run_job: ONE_RUN_JOB, region: DEMO_REGION, timeout: '120' },
  manual: { script: 'bench/manual-fix-run-job.sh', args: [ONE_RUN_JOB_TRIGGER, ONE_RUN_JOB, DEMO_REGION, DEMO_INVOKER, CLOUD_PLATFORM] },
  repaired(fake) {
    const target = fake.getJob(RUN_TRIGGER).httpTarget
    const token = target?.oauthToken
    const executions = fake.state.runJobs.get(RUN_JOB_NAME)?.executions.length ?? 0
    return (
      !target?.oidcToken && token?.serviceAccountEmail === DEMO_INVOKER && token.scope === CLOUD_PLATFORM && hasInvoker(fake, RUN_JOB_NAME) && executions > 0
    )
  },
  floors: RUN_JOB_FLOORS
}

export interface SideRun {
  ms: number
  calls: number
  /** calls to Google APIs, without the token exchange (GitHub OIDC, STS, generateAccessToken) */
  apiCalls: number
  writes: number
  /** from the start of jobs.run to the end of the last call (the test-run phase as the API sees it) */
  afterRunMs: number
  /** Logging entries:list calls in the busiest 60 s window */
  loggingReadsPeakMinute: number
  ok: boolean
  detail: string
}

export interface Side {
  label: string
  runs: SideRun[]
  medianMs: number
  medianCalls: number
  medianApiCalls: number
  writes: number
  medianAfterRunMs: number
  /** the most Logging reads in any minute, over every repetition */
  loggingReadsPeakMinute: number
  allOk: boolean
}

export interface Paths {
  /** from the first call (the token exchange) to jobs.run */
  withAuth: CriticalPath
  /** after the token exchange */
  api: CriticalPath
}

export interface HeadToHead {
  /** which Case (`gen2`, `run-job`) */
  case: Case['id']
  title: string
  reps: number
  manual: Side
  fix: Side
  verify: Side
  check: Side
  /** the least jobs.run → done can take: the run call, the attempt delay, the log delay, one log read */
  afterRunFloorMs: number
  ratio: number
  /** critical paths of the last repetition */
  fixPath: Paths
  verifyPath: Paths
  /** the findings fix mode reported (and repaired) on the broken job */
  checks: string[]
}

function afterRun(calls: Call[]): number {
  const run = calls.find(c => c.name === 'scheduler.jobs.run')
  return run ? Math.max(...calls.map(c => c.end)) - run.start : NaN
}

const writes = (calls: Call[]): number => calls.filter(c => c.method === 'PATCH' || c.name.endsWith('.setIamPolicy')).length

function paths(calls: Call[]): Paths {
  const before = beforeFirstRun(calls)
  return { withAuth: criticalPath(before), api: criticalPath(before.filter(c => !isAuth(c))) }
}

const loggingReads = (calls: Call[]): number => maxPerMinute(calls, c => c.name === 'logging.entries.list')

async function manualOnce(c: Case, settings: Settings): Promise<SideRun> {
  const fake = await startFakeGcp(c.scenario(settings))
  const t = track(fake)
  try {
    const env = { ...process.env, ...fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'bench-gcloud-'))) }
    const started = Date.now()
    // async spawn: the stand-in answers from this process's event loop
    const child = spawn('bash', [c.manual.script, ...c.manual.args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (out += d))
    const code = await new Promise<number>(r => child.on('close', c => r(c ?? -1)))
    const ms = Date.now() - started
    await fake.idle()
    const calls = t.calls()
    const ok = code === 0 && /HTTP 200/.test(out) && c.repaired(fake)
    return {
      ms,
      calls: calls.length,
      apiCalls: calls.filter(x => !isAuth(x)).length,
      writes: writes(calls),
      afterRunMs: afterRun(calls),
      loggingReadsPeakMinute: loggingReads(calls),
      ok,
      detail: out.trim().split('\n').pop() ?? ''
    }
  } finally {
    await fake.close()
  }
}

async function actionOnce(
  c: Case,
  settings: Settings
): Promise<{ fix: SideRun; verify: SideRun; check: SideRun; fixCalls: Call[]; verifyCalls: Call[]; checks: string[] }> {
  const fake = await startFakeGcp(c.scenario(settings))
  const t = track(fake)
  try {
    const env = fake.actionEnv(mkdtempSync(join(tmpdir(), 'bench-action-')))
    const fixRun = await runAction({ ...c.inputs, mode: 'fix' }, { env })
    await fake.idle()
    const fixCalls = t.calls()
    const fixOk = fixRun.code === 0 && fixRun.outputs.result === 'fixed' && fixRun.outputs.http_status === '200' && c.repaired(fake)
    const mark = fake.requests.length
    const verifyRun = await runAction({ ...c.inputs, mode: 'verify' }, { env })
    await fake.idle()
    const verifyCalls = t.calls(mark)
    const verifyOk = verifyRun.code === 0 && verifyRun.outputs.result === 'ok' && verifyRun.outputs.http_status === '200'
    const mark2 = fake.requests.length
    const checkRun = await runAction({ ...c.inputs, mode: 'verify', test_run: 'false' }, { env })
    const checkCalls = t.calls(mark2)
    const checkOk = checkRun.code === 0 && checkRun.outputs.result === 'ok' && checkRun.outputs.http_status === ''
    // what fix found wrong (the manual script checks nothing: it applies the same fix blindly)
    const jobs = JSON.parse(fixRun.outputs.jobs || '[]') as { findings?: { check: string; found: string }[] }[]
    const side = (r: typeof fixRun, calls: Call[], ok: boolean): SideRun => ({
      ms: r.ms,
      calls: calls.length,
      apiCalls: calls.filter(x => !isAuth(x)).length,
      writes: writes(calls),
      afterRunMs: afterRun(calls),
      loggingReadsPeakMinute: loggingReads(calls),
      ok,
      detail: `result=${r.outputs.result} http_status=${r.outputs.http_status}${ok ? '' : ` exit=${r.code} ${r.stderr.slice(-300)} ${r.stdout.slice(-500)}`}`
    })
    return {
      fix: side(fixRun, fixCalls, fixOk),
      verify: side(verifyRun, verifyCalls, verifyOk),
      check: side(checkRun, checkCalls, checkOk),
      fixCalls,
      verifyCalls,
      checks: (jobs[0]?.findings ?? []).map(f => `${f.check}: ${f.found}`)
    }
  } finally {
    await fake.close()
  }
}

function summarize(label: string, runs: SideRun[]): Side {
  return {
    label,
    runs,
    medianMs: median(runs.map(r => r.ms)),
    medianCalls: median(runs.map(r => r.calls)),
    medianApiCalls: median(runs.map(r => r.apiCalls)),
    writes: median(runs.map(r => r.writes)),
    medianAfterRunMs: median(runs.map(r => r.afterRunMs)),
    loggingReadsPeakMinute: Math.max(...runs.map(r => r.loggingReadsPeakMinute)),
    allOk: runs.every(r => r.ok)
  }
}

export async function headToHead(c: Case, reps: number, settings: Settings, log: (m: string) => void): Promise<HeadToHead> {
  const manual: SideRun[] = []
  const fix: SideRun[] = []
  const verify: SideRun[] = []
  const check: SideRun[] = []
  let last: Awaited<ReturnType<typeof actionOnce>> | undefined
  for (let i = 0; i < reps; i++) {
    // alternate which side goes first, so neither always runs on a warmer machine
    const m = i % 2 === 0 ? await manualOnce(c, settings) : undefined
    last = await actionOnce(c, settings)
    const m2 = m ?? (await manualOnce(c, settings))
    manual.push(m2)
    fix.push(last.fix)
    verify.push(last.verify)
    check.push(last.check)
    log(
      `  rep ${i + 1}/${reps}: manual ${m2.ms} ms (${m2.calls} calls)${m2.ok ? '' : ' ✗ ' + m2.detail}, ` +
        `fix ${last.fix.ms} ms (${last.fix.calls})${last.fix.ok ? '' : ' ✗ ' + last.fix.detail}, ` +
        `verify ${last.verify.ms} ms (${last.verify.calls})${last.verify.ok ? '' : ' ✗ ' + last.verify.detail}, ` +
        `verify without test run ${last.check.ms} ms (${last.check.calls})${last.check.ok ? '' : ' ✗ ' + last.check.detail}`
    )
  }
  const a = summarize('(a) manual fix (gcloud)', manual)
  const b = summarize('(b) action, mode: fix', fix)
  const v = summarize('(c) action, mode: verify (repaired state)', verify)
  const d = summarize('(d) action, mode: verify, test_run: false', check)
  const L = settings.latencyMs ?? 0
  return {
    case: c.id,
    title: c.title,
    reps,
    manual: a,
    fix: b,
    verify: v,
    check: d,
    afterRunFloorMs: L + (settings.attemptDelayMs ?? 0) + (settings.logIngestionDelayMs ?? 0) + L,
    ratio: a.medianMs / b.medianMs,
    fixPath: paths(last!.fixCalls),
    verifyPath: paths(last!.verifyCalls),
    checks: last!.checks
  }
}
