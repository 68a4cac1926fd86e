/**
 * `npx tsx bench/cli-start.ts [runs]`: the command line's time to first output against gcloud's
 * (`gcloud scheduler jobs describe`), both against the stand-in with the demo scenario, each
 * run a fresh process as a person starts it. Times are from spawn to the first byte on stdout
 * or stderr, and to exit; medians and minimums over the runs. Needs `npm run build` first;
 * ACTION_NODE=/path/to/node measures under another Node (as the integration tests take it).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startFakeGcp } from '../fake-gcp'
import { SCENARIOS } from '../fake-gcp/scenarios'
import { DEMO_INVOKER, DEMO_REGION } from '../fake-gcp/scenarios/demo'

interface Sample {
  first: number
  total: number
  code: number
}

function once(cmd: string[], env: Record<string, string>): Promise<Sample> {
  return new Promise(done => {
    const started = process.hrtime.bigint()
    const ms = (): number => Number(process.hrtime.bigint() - started) / 1e6
    let first: number | undefined
    const child = spawn(cmd[0], cmd.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const seen = (): void => void (first ??= ms())
    child.stdout.on('data', seen)
    child.stderr.on('data', seen)
    child.on('close', code => done({ first: first ?? ms(), total: ms(), code: code ?? -1 }))
  })
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 10)
  const fake = await startFakeGcp(SCENARIOS.demo())
  const dir = mkdtempSync(join(tmpdir(), 'cli-start-'))
  const base = { PATH: process.env.PATH ?? '', HOME: dir }
  // The CLI with a token file, as gcloud has it: the same credentials, no token exchange for either.
  const gcloudEnv = { ...base, ...fake.gcloudEnv(dir) }
  const adcEnv = { ...base, ...Object.fromEntries(Object.entries(fake.actionEnv(dir)).filter(([k]) => !k.startsWith('ACTIONS_'))) }
  const node = process.env.ACTION_NODE ?? process.execPath
  const cli = [node, resolve('dist/cli.js')]
  const job = ['--job', 'nightly-report', '--region', DEMO_REGION]
  const cases: [string, string[], Record<string, string>][] = [
    ['node -e 0 (the floor)', [node, '-e', '0'], base],
    ['scheduler-oidc-doctor --version', [...cli, '--version'], base],
    [
      'scheduler-oidc-doctor verify --test-run false (token file)',
      [...cli, 'verify', ...job, '--invoker-service-account', DEMO_INVOKER, '--test-run', 'false'],
      gcloudEnv
    ],
    [
      'scheduler-oidc-doctor verify --test-run false (ADC, token exchange)',
      [...cli, 'verify', ...job, '--invoker-service-account', DEMO_INVOKER, '--test-run', 'false'],
      adcEnv
    ],
    ['gcloud --version', ['gcloud', '--version'], gcloudEnv],
    ['gcloud scheduler jobs describe', ['gcloud', 'scheduler', 'jobs', 'describe', 'nightly-report', '--location', DEMO_REGION], gcloudEnv]
  ]
  const rows: string[] = []
  try {
    for (const [name, cmd, env] of cases) {
      await once(cmd, env) // warm the page cache (and gcloud's compiled files)
      const samples: Sample[] = []
      for (let i = 0; i < runs; i++) samples.push(await once(cmd, env))
      const codes = [...new Set(samples.map(s => s.code))].join(',')
      rows.push(
        `| ${name} | ${median(samples.map(s => s.first)).toFixed(0)} | ${Math.min(...samples.map(s => s.first)).toFixed(0)} | ${median(samples.map(s => s.total)).toFixed(0)} | ${codes} |`
      )
      process.stderr.write(`${name}: done\n`)
    }
  } finally {
    await fake.close()
  }
  const version = await new Promise<string>(r => spawn(node, ['--version']).stdout.on('data', (d: Buffer) => r(String(d).trim())))
  console.log(`Node ${version}, ${runs} runs each after one warm-up, against the stand-in (demo scenario)\n`)
  console.log('| command | first output, median ms | first output, min ms | exit, median ms | exit code |')
  console.log('|---|---|---|---|---|')
  console.log(rows.join('\n'))
}

void main()
