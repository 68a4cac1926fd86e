/**
 * `npm run bench`: the action against the manual gcloud fix (a broken gen 2 job, and a broken
 * scheduled Cloud Run job), its critical path, the test run's wait against Google's own, cold
 * start and scale, all against the local Google Cloud stand-in (fake-gcp). Writes bench/results/
 * (results.md, results.json, scale.svg, head-to-head.svg, readme-section.md) and prints a summary.
 *
 * Flags (after `npm run bench --`):
 *   --latency MS        per-call latency at the stand-in, modelling Google (default 80)
 *   --reps N            repetitions of each head to head; the median is reported (default 5)
 *   --quick             fewer scale sizes (10 and 100) and fewer cold-start spawns
 *   --attempt-delay MS  from jobs.run to the attempt (default 1000)
 *   --log-delay MS      from the attempt to its log entry being readable (default 2500)
 *   --out DIR           where to write the results (default bench/results)
 *
 * Needs: `npm ci`, dist/ built (it is committed), gcloud on PATH for the manual side.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { barChart, lineChart } from './chart'
import { coldStart } from './cold-start'
import { GEN2, headToHead, RUN_JOB, type HeadToHead } from './head-to-head'
import { aboveFloor, AFTER_RUN_TARGET_MS, readmeSection, resultsMarkdown, scaleTable, type Results } from './report'
import { QUOTAS, scale, type ScaleRun } from './scale'
import { googleLike } from './scenarios'
import { seconds } from './stats'

interface Flags {
  latency: number
  reps: number
  quick: boolean
  attemptDelay: number
  logDelay: number
  out: string
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { latency: 80, reps: 5, quick: false, attemptDelay: 1000, logDelay: 2500, out: 'bench/results' }
  const num = (i: number, name: string): number => {
    const v = Number(argv[i + 1])
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a number, got ${argv[i + 1]}`)
    return v
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--latency') f.latency = num(i++, a)
    else if (a === '--reps') f.reps = Math.max(1, Math.round(num(i++, a)))
    else if (a === '--attempt-delay') f.attemptDelay = num(i++, a)
    else if (a === '--log-delay') f.logDelay = num(i++, a)
    else if (a === '--out') f.out = argv[++i]
    else if (a === '--quick') f.quick = true
    else throw new Error(`unknown flag ${a} (see the top of bench/run.ts)`)
  }
  return f
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2))
  const started = Date.now()
  const log = (m: string): void => console.log(m)
  const settings = googleLike(flags.latency, flags.attemptDelay, flags.logDelay)

  log(`bench: ${flags.latency} ms per call, attempt after ${flags.attemptDelay} ms, log entry ${flags.logDelay} ms later${flags.quick ? ' (quick)' : ''}`)

  log('\n▸ cold start')
  const cold = await coldStart(flags.quick ? 10 : 20)
  log(`  node -e 0 ${cold.floorMs.toFixed(0)} ms · dist/index.js ${cold.distMs.toFixed(0)} ms · with @google-cloud/scheduler ${cold.altMs.toFixed(0)} ms`)

  log(`\n▸ head to head, ${GEN2.title}, ${flags.reps} repetitions`)
  const h2h = await headToHead(GEN2, flags.reps, settings, log)
  log(`\n▸ head to head, ${RUN_JOB.title}, ${flags.reps} repetitions`)
  const runJob = await headToHead(RUN_JOB, flags.reps, settings, log)

  log('\n▸ scale')
  const sizes = flags.quick ? [10, 100] : [10, 100, 500]
  const runs: ScaleRun[] = []
  for (const n of sizes) {
    const r = await scale(n, settings, true)
    for (const x of r)
      log(
        `  ${String(n).padStart(3)} jobs ${x.mode.padEnd(11)} ${seconds(x.ms).padStart(8)}  ${x.apiCalls} calls  ` +
          `${x.violations.length ? '✗ ' + x.violations.join('; ') : '✓'}${x.quotaWarnings.length ? ' ⚠ ' + x.quotaWarnings.join('; ') : ''}`
      )
    runs.push(...r)
  }

  const results: Results = {
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
    node: process.version,
    latencyMs: flags.latency,
    attemptDelayMs: flags.attemptDelay,
    logIngestionDelayMs: flags.logDelay,
    reps: flags.reps,
    headToHead: h2h,
    runJobHeadToHead: runJob,
    coldStart: cold,
    scale: runs,
    totalMs: Date.now() - started
  }

  mkdirSync(flags.out, { recursive: true })
  writeFileSync(join(flags.out, 'results.json'), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(join(flags.out, 'results.md'), resultsMarkdown(results))
  writeFileSync(join(flags.out, 'readme-section.md'), readmeSection(results))
  const series = (mode: ScaleRun['mode'], label: string, color: string) => ({
    label,
    color,
    points: runs.filter(r => r.mode === mode).map(r => ({ x: r.jobs, y: Math.round(r.ms / 10) / 100 }))
  })
  writeFileSync(
    join(flags.out, 'scale.svg'),
    lineChart({
      title: "job: '*' over 50 targets: wall time vs jobs",
      subtitle: `${flags.latency} ms per call, ≤ 16 calls in flight; one run per point; 500-job test runs wait on Scheduler's write quota`,
      xLabel: 'jobs',
      yLabel: 'seconds',
      series: [
        series('verify', 'verify', '#0969da'),
        series('fix', 'fix', '#1a7f37'),
        series('fix+test', 'fix + test runs', '#8250df'),
        series('verify+test', 'verify + test runs', '#bc4c00')
      ].filter(s => s.points.length)
    })
  )
  writeFileSync(
    join(flags.out, 'head-to-head.svg'),
    barChart({
      title: 'One broken gen 2 job: wall time (median)',
      subtitle: `${flags.reps} runs each, ${flags.latency} ms per call; a/b = ${h2h.ratio.toFixed(2)}`,
      unit: 's',
      bars: [
        { label: '(a) manual fix (gcloud)', value: Math.round(h2h.manual.medianMs / 10) / 100, color: '#8c959f' },
        { label: '(b) action, mode: fix', value: Math.round(h2h.fix.medianMs / 10) / 100, color: '#1a7f37' },
        { label: '(c) action, mode: verify', value: Math.round(h2h.verify.medianMs / 10) / 100, color: '#0969da' },
        { label: '(d) verify, test_run: false', value: Math.round(h2h.check.medianMs / 10) / 100, color: '#54aeff' }
      ]
    })
  )

  log('\n' + '─'.repeat(80))
  log(
    `head to head (median of ${flags.reps}): manual ${seconds(h2h.manual.medianMs)} (${h2h.manual.medianApiCalls} calls) · fix ${seconds(h2h.fix.medianMs)} (${h2h.fix.medianApiCalls}) · ` +
      `verify ${seconds(h2h.verify.medianMs)} (${h2h.verify.medianApiCalls}) · verify without test run ${seconds(h2h.check.medianMs)} (${h2h.check.medianApiCalls}) · a/b = ${h2h.ratio.toFixed(2)}`
  )
  log(
    `rounds before jobs.run: fix ${h2h.fixPath.api.rounds} (+${h2h.fixPath.withAuth.rounds - h2h.fixPath.api.rounds} token) · verify ${h2h.verifyPath.api.rounds} (+${h2h.verifyPath.withAuth.rounds - h2h.verifyPath.api.rounds} token)`
  )
  log(
    `Cloud Run job (median of ${flags.reps}): manual ${seconds(runJob.manual.medianMs)} (${runJob.manual.medianApiCalls} calls) · fix ${seconds(runJob.fix.medianMs)} (${runJob.fix.medianApiCalls}) · ` +
      `verify ${seconds(runJob.verify.medianMs)} (${runJob.verify.medianApiCalls}) · verify without test run ${seconds(runJob.check.medianMs)} (${runJob.check.medianApiCalls}) · a/b = ${runJob.ratio.toFixed(2)}`
  )
  log(
    `Cloud Run job rounds before jobs.run: fix ${runJob.fixPath.api.rounds} (floor ${RUN_JOB.floors.fix.api}) · verify ${runJob.verifyPath.api.rounds} (floor ${RUN_JOB.floors.verify.api})`
  )
  const wait = (h: HeadToHead): string =>
    (['fix', 'verify'] as const)
      .map(m => {
        const above = aboveFloor(h, h[m])
        return `${m} ${seconds(h[m].medianAfterRunMs)} (${above < 0 ? '−' : '+'}${seconds(Math.abs(above))} ${above <= AFTER_RUN_TARGET_MS ? '✓' : 'over target'}, ${h[m].loggingReadsPeakMinute} Logging reads/min)`
      })
      .join(' · ')
  log(`jobs.run → done vs floor ${seconds(h2h.afterRunFloorMs)}: gen 2 ${wait(h2h)} | Cloud Run job ${wait(runJob)}`)
  log(`cold start: node -e 0 ${cold.floorMs.toFixed(0)} ms · dist ${cold.distMs.toFixed(0)} ms · alt ${cold.altMs.toFixed(0)} ms`)
  log('\n' + scaleTable(runs))
  const failed =
    [h2h, runJob].flatMap(h => [h.manual, h.fix, h.verify, h.check]).filter(s => !s.allOk || s.loggingReadsPeakMinute >= QUOTAS.loggingReadsPerMinute).length +
    runs.filter(r => r.violations.length).length
  const warned = runs.filter(r => r.quotaWarnings.length).length
  log(
    `\nwrote ${flags.out}/{results.md,results.json,scale.svg,head-to-head.svg,readme-section.md} in ${seconds(results.totalMs)}` +
      `${failed ? ` — ${failed} check(s) ✗` : ''}${warned ? ` — ${warned} run(s) over a per-minute quota ⚠` : ''}`
  )
  if (failed) process.exitCode = 1
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
