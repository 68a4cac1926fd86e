/**
 * `npm run demo:cli`: the command line repairs the demo's broken job from a terminal, as a
 * person would after a 403: verify (what is wrong), fix --yes (the plan applied and proven by a
 * test run), verify again, and the same for a scripted caller with --format json.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp } from '../fake-gcp'
import { DEMO_INVOKER, DEMO_REGION } from '../fake-gcp/scenarios/demo'
import { SCENARIOS } from '../fake-gcp/scenarios'
import { runCli } from './lib/run-cli'

const rule = (title: string): void => console.log(`\n\x1b[1m━━ ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}\x1b[0m\n`)

async function main(): Promise<void> {
  const fake = await startFakeGcp(SCENARIOS.demo())
  // Application Default Credentials and the endpoint overrides, nothing of GitHub's.
  const env = Object.fromEntries(Object.entries(fake.actionEnv(mkdtempSync(join(tmpdir(), 'demo-cli-')))).filter(([k]) => !k.startsWith('ACTIONS_')))
  const args = ['--job', 'nightly-report', '--function', 'nightly-report', '--region', DEMO_REGION, '--invoker-service-account', DEMO_INVOKER]
  const step = async (title: string, argv: string[]) => {
    rule(title)
    console.log(`$ scheduler-oidc-doctor ${argv.join(' ')}\n`)
    const r = await runCli(argv, { env, echo: true })
    console.log(`\n(exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s)`)
    return r
  }
  try {
    const verify = await step('1. verify: what is wrong, and what the job does today', ['verify', ...args])
    const fix = await step('2. fix --yes: apply the plan, then prove it with a test run', ['fix', '--yes', ...args])
    const again = await step('3. verify again, for a script: --format json', ['verify', ...args, '--format', 'json', '--test-run', 'false'])
    const result = (JSON.parse(again.stdout) as { result: string }).result
    console.log(`\nverify: exit ${verify.code} · fix --yes: exit ${fix.code} · verify --format json: exit ${again.code}, result ${result}`)
    if (verify.code !== 1 || fix.code !== 0 || again.code !== 0 || result !== 'ok') process.exitCode = 1
  } finally {
    await fake.close()
  }
}

void main()
