/**
 * Head to head on the demo's broken gen 2 job, a fresh stand-in per repetition so each starts
 * broken: (a) the manual fix (bench/manual-fix.sh, real gcloud), (b) the action in fix mode,
 * (c) the action in verify mode on the state (b) repaired, and (d) the same without the test run
 * (the check alone). Sides alternate within a repetition.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp, type Settings } from '../fake-gcp'
import { runAction } from '../scripts/lib/run-action'
import { beforeFirstRun, criticalPath, isAuth, track, type Call, type CriticalPath } from './requests'
import { brokenOne, DEMO_INVOKER, DEMO_PROJECT, DEMO_REGION, ONE_FUNCTION, ONE_JOB } from './scenarios'
import { median } from './stats'

const AUDIENCE = `https://${DEMO_REGION}-${DEMO_PROJECT}.cloudfunctions.net/${ONE_FUNCTION}`
const JOB = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/jobs/${ONE_JOB}`
const SERVICE = `projects/${DEMO_PROJECT}/locations/${DEMO_REGION}/services/${ONE_FUNCTION}`
export const ACTION_INPUTS = { job: ONE_JOB, function: ONE_FUNCTION, region: DEMO_REGION, invoker_service_account: DEMO_INVOKER, timeout: '120' }

export interface SideRun {
  ms: number
  calls: number
  /** calls to Google APIs, without the token exchange (GitHub OIDC, STS, generateAccessToken) */
  apiCalls: number
  writes: number
  /** from the start of jobs.run to the end of the last call (the test-run phase as the API sees it) */
  afterRunMs: number
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
  allOk: boolean
}

export interface Paths {
  /** from the first call (the token exchange) to jobs.run */
  withAuth: CriticalPath
  /** after the token exchange */
  api: CriticalPath
}

export interface HeadToHead {
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

function repaired(fake: FakeGcp): boolean {
  const token = fake.getJob(JOB).httpTarget?.oidcToken
  const invoker = (fake.getPolicy(SERVICE).bindings ?? []).some(
    b => b.role === 'roles/run.invoker' && !b.condition && b.members.includes(`serviceAccount:${DEMO_INVOKER}`)
  )
  return token?.serviceAccountEmail === DEMO_INVOKER && token.audience === AUDIENCE && invoker
}

async function manualOnce(settings: Settings): Promise<SideRun> {
  const fake = await startFakeGcp(brokenOne(settings))
  const t = track(fake)
  try {
    const env = { ...process.env, ...fake.gcloudEnv(mkdtempSync(join(tmpdir(), 'bench-gcloud-'))) }
    const started = Date.now()
    // async spawn: the stand-in answers from this process's event loop
    const child = spawn('bash', ['bench/manual-fix.sh', ONE_JOB, ONE_FUNCTION, DEMO_REGION, DEMO_INVOKER, AUDIENCE], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (out += d))
    const code = await new Promise<number>(r => child.on('close', c => r(c ?? -1)))
    const ms = Date.now() - started
    await fake.idle()
    const calls = t.calls()
    const ok = code === 0 && /HTTP 200/.test(out) && repaired(fake)
    return {
      ms,
      calls: calls.length,
      apiCalls: calls.filter(c => !isAuth(c)).length,
      writes: writes(calls),
      afterRunMs: afterRun(calls),
      ok,
      detail: out.trim().split('\n').pop() ?? ''
    }
  } finally {
    await fake.close()
  }
}

async function actionOnce(
  settings: Settings
): Promise<{ fix: SideRun; verify: SideRun; check: SideRun; fixCalls: Call[]; verifyCalls: Call[]; checks: string[] }> {
  const fake = await startFakeGcp(brokenOne(settings))
  const t = track(fake)
  try {
    const env = fake.actionEnv(mkdtempSync(join(tmpdir(), 'bench-action-')))
    const fixRun = await runAction({ ...ACTION_INPUTS, mode: 'fix' }, { env })
    await fake.idle()
    const fixCalls = t.calls()
    const fixOk = fixRun.code === 0 && fixRun.outputs.result === 'fixed' && fixRun.outputs.http_status === '200' && repaired(fake)
    const mark = fake.requests.length
    const verifyRun = await runAction({ ...ACTION_INPUTS, mode: 'verify' }, { env })
    await fake.idle()
    const verifyCalls = t.calls(mark)
    const verifyOk = verifyRun.code === 0 && verifyRun.outputs.result === 'ok' && verifyRun.outputs.http_status === '200'
    const mark2 = fake.requests.length
    const checkRun = await runAction({ ...ACTION_INPUTS, mode: 'verify', test_run: 'false' }, { env })
    const checkCalls = t.calls(mark2)
    const checkOk = checkRun.code === 0 && checkRun.outputs.result === 'ok' && checkRun.outputs.http_status === ''
    // what fix found wrong (the manual script checks nothing: it applies the same fix blindly)
    const jobs = JSON.parse(fixRun.outputs.jobs || '[]') as { findings?: { check: string; found: string }[] }[]
    const side = (r: typeof fixRun, calls: Call[], ok: boolean): SideRun => ({
      ms: r.ms,
      calls: calls.length,
      apiCalls: calls.filter(c => !isAuth(c)).length,
      writes: writes(calls),
      afterRunMs: afterRun(calls),
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
    allOk: runs.every(r => r.ok)
  }
}

export async function headToHead(reps: number, settings: Settings, log: (m: string) => void): Promise<HeadToHead> {
  const manual: SideRun[] = []
  const fix: SideRun[] = []
  const verify: SideRun[] = []
  const check: SideRun[] = []
  let last: Awaited<ReturnType<typeof actionOnce>> | undefined
  for (let i = 0; i < reps; i++) {
    // alternate which side goes first, so neither always runs on a warmer machine
    const m = i % 2 === 0 ? await manualOnce(settings) : undefined
    last = await actionOnce(settings)
    const m2 = m ?? (await manualOnce(settings))
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
  const c = summarize('(c) action, mode: verify (repaired state)', verify)
  const d = summarize('(d) action, mode: verify, test_run: false', check)
  const L = settings.latencyMs ?? 0
  return {
    reps,
    manual: a,
    fix: b,
    verify: c,
    check: d,
    afterRunFloorMs: L + (settings.attemptDelayMs ?? 0) + (settings.logIngestionDelayMs ?? 0) + L,
    ratio: a.medianMs / b.medianMs,
    fixPath: paths(last!.fixCalls),
    verifyPath: paths(last!.verifyCalls),
    checks: last!.checks
  }
}
