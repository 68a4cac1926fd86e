/**
 * `npm run local-action`: runs src/main.ts through @github/local-action against the stand-in
 * started with the demo scenario. Inputs come from .env (if present) or .env.example.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeGcp } from '../fake-gcp'
import { SCENARIOS } from '../fake-gcp/scenarios'

async function main(): Promise<void> {
  const fake = await startFakeGcp(SCENARIOS[process.env.SCENARIO ?? 'demo']())
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'))
  const inputs = readFileSync(existsSync('.env') ? '.env' : '.env.example', 'utf8')
  const env = Object.entries(fake.actionEnv(dir)).map(([k, v]) => `${k}=${v}`)
  const file = join(dir, '.env')
  writeFileSync(file, `${inputs}\n${env.join('\n')}\n`)
  const child = spawn('npx', ['local-action', 'run', '.', 'src/main.ts', file], { stdio: 'inherit' })
  const code = await new Promise<number>(r => child.on('close', c => r(c ?? 1)))
  await fake.close()
  process.exitCode = code
}

void main()
