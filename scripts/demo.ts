/**
 * `npm run demo`: a broken setup taken from real life, repaired by the bundled action as a
 * runner would run it. A gen 2 function's Scheduler job lost its OIDC token in a redeploy, and
 * its account was given roles/cloudfunctions.invoker on the function — the wrong role for gen 2.
 * Then a second act: a Cloud Run job run by Scheduler, repaired to OAuth and followed to its end.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp } from '../fake-gcp'
import { SCENARIOS } from '../fake-gcp/scenarios'
import { runAction } from './lib/run-action'
import { writeSummaryHtml } from './lib/summary-html'

const INVOKER = 'scheduler-invoker@demo-proj.iam.gserviceaccount.com'
/** With DEMO_HTML=dir, each summary is also written as the page GitHub would show (scripts/lib/summary-html.ts). */
const keep = (name: string, summary: string): void => {
  if (process.env.DEMO_HTML) console.log(`(rendered: ${writeSummaryHtml(process.env.DEMO_HTML, name, summary)})`)
}
const rule = (title: string): void => console.log(`\n\x1b[1m━━ ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}\x1b[0m\n`)

async function main(): Promise<void> {
  const fake = await startFakeGcp(SCENARIOS.demo())
  const env = fake.actionEnv(mkdtempSync(join(tmpdir(), 'demo-')))
  const inputs = { job: 'nightly-report', function: 'nightly-report', region: 'us-central1', invoker_service_account: INVOKER }
  try {
    rule('1. verify: what is wrong (no writes), and what the job does today')
    const verify = await runAction({ ...inputs, mode: 'verify' }, { env })
    console.log(verify.summary)
    keep('1-verify', verify.summary)
    console.log(`result=${verify.outputs.result} http_status=${verify.outputs.http_status} (exit ${verify.code})`)

    rule('2. fix: repair, then prove it with a test run')
    const fix = await runAction({ ...inputs, mode: 'fix' }, { env, echo: !!process.env.DEMO_VERBOSE })
    console.log(fix.summary)
    keep('2-fix', fix.summary)
    console.log(`result=${fix.outputs.result} http_status=${fix.outputs.http_status} (exit ${fix.code}, ${(fix.ms / 1000).toFixed(1)} s)`)
    console.log(`changes=${fix.outputs.changes}`)

    rule('3. verify again: nothing left to change')
    const again = await runAction({ ...inputs, mode: 'verify' }, { env })
    console.log(`result=${again.outputs.result} http_status=${again.outputs.http_status} (exit ${again.code})`)
    await fake.idle()
    const writes = fake.requests.filter(r => r.method === 'PATCH' || r.path.endsWith(':setIamPolicy'))
    console.log(`\nWrites seen by the stand-in over the three runs: ${writes.map(w => `${w.method} ${w.path.replace(/^\/v\d\//, '')}`).join(', ')}`)
    if (fix.outputs.result !== 'fixed' || again.outputs.result !== 'ok') process.exitCode = 1
  } finally {
    await fake.close()
  }
  if (!(await secondAct())) process.exitCode = 1
}

/** A scheduled Cloud Run job: OAuth where the copied job had OIDC, the role on the job, and the execution followed to its end. */
async function secondAct(): Promise<boolean> {
  const fake = await startFakeGcp(SCENARIOS['demo-run-job']())
  const env = fake.actionEnv(mkdtempSync(join(tmpdir(), 'demo-')))
  const inputs = { job: 'export-orders', cloud_run_job: 'export-orders', region: 'us-central1', await_execution: 'true' }
  try {
    rule('4. a scheduled Cloud Run job: fix, then follow the execution it starts')
    const fix = await runAction({ ...inputs, mode: 'fix' }, { env })
    console.log(fix.summary)
    keep('4-run-job-fix', fix.summary)
    console.log(`result=${fix.outputs.result} http_status=${fix.outputs.http_status} (exit ${fix.code}, ${(fix.ms / 1000).toFixed(1)} s)`)
    console.log(`changes=${fix.outputs.changes}`)
    return fix.outputs.result === 'fixed'
  } finally {
    await fake.close()
  }
}

void main()
