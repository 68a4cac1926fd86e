/**
 * Scale: `job: '*'` over n jobs spread over 50 targets (bench/scenarios.ts fleet), in verify
 * and fix mode without test runs, fix with test runs (the default), then verify with test runs
 * on the state that fix repaired. Per run: wall time, calls per job, IAM reads and writes per distinct target,
 * the most calls in flight at the stand-in, the busiest minute per quota, and peak RSS.
 *
 * Peak RSS: the action runs with `NODE_OPTIONS=--require <probe>`, a two-line preload that
 * prints `process.resourceUsage().maxRSS` (the kernel's high-water mark of the process's
 * resident set, in KiB) to stderr on exit. It costs nothing while the action runs, and unlike
 * polling /proc it cannot miss a short peak.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp, type FakeGcp, type Settings } from '../fake-gcp'
import { runAction } from '../scripts/lib/run-action'
import { criticalPath, isAuth, maxInFlight, maxPerMinute, track, type Call } from './requests'
import { fleet, FLEET_INVOKER, FLEET_PROJECT, FLEET_REGION, invokeResource, TARGETS, targetBroken } from './scenarios'

/** Published default quotas per project the runs are checked against. */
export const QUOTAS = {
  schedulerReadsPerMinute: 1250,
  schedulerWritesPerMinute: 500,
  loggingReadsPerMinute: 60
}

export interface ScaleRun {
  jobs: number
  mode: 'verify' | 'fix' | 'fix+test' | 'verify+test'
  ms: number
  result: string
  expected: string
  ok: boolean
  calls: number
  apiCalls: number
  callsPerJob: number
  /** distinct targets the jobs call */
  targets: number
  /** getIamPolicy calls on each target's invoker resource: min and max over targets */
  iamReadsMin: number
  iamReadsMax: number
  /** other getIamPolicy calls (a gen 2 function's own policy, the project's) */
  otherIamReads: number
  /** setIamPolicy calls per target: max, and how many targets were written */
  iamWritesMax: number
  targetsWritten: number
  /** targets that needed a write (scenario) */
  targetsBroken: number
  jobPatches: number
  maxInFlight: number
  schedulerReadsPeakMinute: number
  schedulerWritesPeakMinute: number
  loggingReadsPeakMinute: number
  /** sequential round trips of the whole run after the token exchange */
  rounds: number
  levels: string[][]
  /** functions.get and run.services.get calls: what one listing of the region's functions and services would replace */
  targetGets: number
  rssMiB: number
  /** wrong result, or more than one IAM read / write per target */
  violations: string[]
  /** a minute busier than a published default quota */
  quotaWarnings: string[]
}

let probe: string | undefined
function rssProbe(): string {
  if (!probe) {
    probe = join(mkdtempSync(join(tmpdir(), 'bench-rss-')), 'rss.cjs')
    writeFileSync(probe, "process.on('exit', () => process.stderr.write('\\n@@maxrss=' + process.resourceUsage().maxRSS + '\\n'))\n")
  }
  return probe
}

const INPUTS = { job: '*', region: FLEET_REGION, invoker_service_account: FLEET_INVOKER, timeout: '170' }

function analyse(n: number, mode: ScaleRun['mode'], expected: string, r: Awaited<ReturnType<typeof runAction>>, calls: Call[]): ScaleRun {
  const targets = Math.min(n, TARGETS)
  const api = calls.filter(c => !isAuth(c))
  const reads = (res: string): number => calls.filter(c => c.name.endsWith('.getIamPolicy') && c.path.endsWith(`${res}:getIamPolicy`)).length
  const writesOn = (res: string): number => calls.filter(c => c.name.endsWith('.setIamPolicy') && c.path.endsWith(`${res}:setIamPolicy`)).length
  const perTargetReads: number[] = []
  const perTargetWrites: number[] = []
  for (let t = 0; t < targets; t++) {
    perTargetReads.push(reads(invokeResource(t)))
    perTargetWrites.push(writesOn(invokeResource(t)))
  }
  const allReads = calls.filter(c => c.name.endsWith('.getIamPolicy')).length
  const broken = [...Array(targets).keys()].filter(targetBroken).length
  const rss = /@@maxrss=(\d+)/.exec(r.stderr)
  const cp = criticalPath(api)
  const run: ScaleRun = {
    jobs: n,
    mode,
    ms: r.ms,
    result: r.outputs.result ?? '',
    expected,
    ok: r.outputs.result === expected,
    calls: calls.length,
    apiCalls: api.length,
    callsPerJob: api.length / n,
    targets,
    iamReadsMin: Math.min(...perTargetReads),
    iamReadsMax: Math.max(...perTargetReads),
    otherIamReads: allReads - perTargetReads.reduce((a, b) => a + b, 0),
    iamWritesMax: Math.max(...perTargetWrites),
    targetsWritten: perTargetWrites.filter(w => w > 0).length,
    targetsBroken: mode === 'fix' || mode === 'fix+test' ? broken : 0,
    jobPatches: calls.filter(c => c.method === 'PATCH').length,
    maxInFlight: maxInFlight(api),
    schedulerReadsPeakMinute: maxPerMinute(calls, c => c.name.startsWith('scheduler.') && /\.(get|list)$/.test(c.name)),
    schedulerWritesPeakMinute: maxPerMinute(calls, c => c.name.startsWith('scheduler.') && !/\.(get|list)$/.test(c.name)),
    loggingReadsPeakMinute: maxPerMinute(calls, c => c.name === 'logging.entries.list'),
    rounds: cp.rounds,
    levels: cp.levels,
    targetGets: calls.filter(c => c.name === 'functions.functions.get' || c.name === 'run.services.get').length,
    rssMiB: rss ? Number(rss[1]) / 1024 : NaN,
    violations: [],
    quotaWarnings: []
  }
  const v = run.violations
  const q = run.quotaWarnings
  const writes = mode === 'fix' || mode === 'fix+test'
  if (!run.ok)
    v.push(
      `result ${run.result}, expected ${expected}: ${r.stderr
        .replace(/@@maxrss=\d+/, '')
        .trim()
        .slice(-300)}`
    )
  if (run.iamReadsMin !== 1 || run.iamReadsMax !== 1) v.push(`IAM reads per target ${run.iamReadsMin}–${run.iamReadsMax}, expected exactly 1`)
  if (run.iamWritesMax > 1) v.push(`${run.iamWritesMax} IAM writes on one target`)
  if (writes && run.targetsWritten !== broken) v.push(`${run.targetsWritten} targets written, ${broken} needed it`)
  if (!writes && run.targetsWritten + run.jobPatches > 0) v.push(`${mode} wrote`)
  if (run.schedulerReadsPeakMinute > QUOTAS.schedulerReadsPerMinute)
    q.push(`${run.schedulerReadsPeakMinute} Scheduler reads in one minute > ${QUOTAS.schedulerReadsPerMinute}`)
  if (run.schedulerWritesPeakMinute > QUOTAS.schedulerWritesPerMinute)
    q.push(`${run.schedulerWritesPeakMinute} Scheduler writes in one minute > ${QUOTAS.schedulerWritesPerMinute}`)
  if (run.loggingReadsPeakMinute > QUOTAS.loggingReadsPerMinute)
    q.push(`${run.loggingReadsPeakMinute} Logging reads in one minute > ${QUOTAS.loggingReadsPerMinute}`)
  return run
}

async function once(fake: FakeGcp, t: ReturnType<typeof track>, n: number, mode: ScaleRun['mode'], expected: string): Promise<ScaleRun> {
  const mark = fake.requests.length
  const env = { ...fake.actionEnv(mkdtempSync(join(tmpdir(), 'bench-scale-'))), NODE_OPTIONS: `--require ${rssProbe()}` }
  const r = await runAction(
    { ...INPUTS, mode: mode.startsWith('fix') ? 'fix' : 'verify', test_run: mode.endsWith('+test') ? 'true' : 'false' },
    { env, timeoutMs: 240000 }
  )
  await fake.idle()
  return analyse(n, mode, expected, r, t.calls(mark))
}

/**
 * Each on a fresh broken fleet: verify and fix without test runs, and (with `withTests`) fix
 * with test runs, the action's default; then verify with test runs on the state fix repaired.
 */
export async function scale(n: number, settings: Settings, withTests: boolean): Promise<ScaleRun[]> {
  const out: ScaleRun[] = []
  const plan: [ScaleRun['mode'], string][][] = [[['verify', 'drift']], [['fix', 'fixed']]]
  if (withTests)
    plan.push([
      ['fix+test', 'fixed'],
      ['verify+test', 'ok']
    ])
  for (const steps of plan) {
    const fake = await startFakeGcp(fleet(n, settings))
    try {
      const t = track(fake)
      for (const [mode, expected] of steps) out.push(await once(fake, t, n, mode, expected))
    } finally {
      await fake.close()
    }
  }
  return out
}

export { FLEET_PROJECT }
