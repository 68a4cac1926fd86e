/** `npm run fake-gcp -- --scenario demo [--port N]`: run the stand-in until interrupted, printing the env to use it. */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp } from './index'
import type { Scenario } from './scenario'
import { SCENARIOS } from './scenarios'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : process.argv.find(a => a.startsWith(`--${name}=`))?.split('=')[1]
}

async function main(): Promise<void> {
  const name = arg('scenario') ?? 'demo'
  const scenario: Scenario | undefined = SCENARIOS[name]?.() ?? (name.endsWith('.json') ? (JSON.parse(readFileSync(name, 'utf8')) as Scenario) : undefined)
  if (!scenario) {
    process.stderr.write(`Unknown scenario "${name}": expected one of ${Object.keys(SCENARIOS).join(', ')} or a .json file.\n`)
    process.exit(2)
  }
  const port = arg('port') ? Number(arg('port')) : undefined
  const fake = await startFakeGcp(scenario, { port })
  const dir = mkdtempSync(join(tmpdir(), 'fake-gcp-'))
  const quote = (v: string): string => `'${v.replace(/'/g, "'\\''")}'`
  const print = (env: Record<string, string>): void => {
    for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${quote(v)}\n`)
  }
  process.stdout.write(`# fake-gcp (${name}) listening on ${fake.url}\n# for gcloud:\n`)
  print(fake.gcloudEnv(dir))
  if (scenario.wif) {
    process.stdout.write('# for the action:\n')
    const g = fake.actionEnv(dir)
    print(Object.fromEntries(Object.entries(g).filter(([k]) => !k.startsWith('CLOUDSDK_API_ENDPOINT_OVERRIDES_'))))
  }
  const job = scenario.jobs?.[0]?.name.match(/^projects\/[^/]+\/locations\/([^/]+)\/jobs\/([^/]+)$/)
  if (job) process.stdout.write(`# try: gcloud scheduler jobs describe ${job[2]} --location ${job[1]}\n`)
  const stop = (): void => {
    void fake.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

void main()
