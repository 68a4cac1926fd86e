/**
 * Runs the bundled action (dist/index.js) as a child process exactly as a runner does:
 * inputs as INPUT_* variables, outputs and the job summary through GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files. Shared by the integration tests, the demo and the benchmark.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  ms: number
}

export interface RunOptions {
  /** Extra environment (the stand-in's actionEnv, GitHub event variables, …). */
  env?: Record<string, string>
  /** Echo the action's stdout live (the demo). */
  echo?: boolean
  /** Node binary; default ACTION_NODE, else this process's (CI runs the suite again under Node 24 this way). */
  node?: string
  timeoutMs?: number
  /** The bundle to run, relative to the repository root (the working directory of npm scripts). */
  entry?: string
}

/** Parses the GITHUB_OUTPUT file format (`name<<DELIM\nvalue\nDELIM`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (m) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
      out[m[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const k = lines[i].slice(0, lines[i].indexOf('='))
      out[k] = lines[i].slice(k.length + 1)
    }
  }
  return out
}

export async function runAction(inputs: Record<string, string>, opts: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    ...opts.env
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  const started = Date.now()
  const child = spawn(opts.node ?? process.env.ACTION_NODE ?? process.execPath, [resolve(opts.entry ?? 'dist/index.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
    if (opts.echo) process.stdout.write(d)
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300000)
  const code = await new Promise<number>(r => child.on('close', c => r(c ?? -1)))
  clearTimeout(timer)
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    ms: Date.now() - started
  }
}
