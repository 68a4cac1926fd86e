/**
 * Runs the bundled command line (dist/cli.js) as a child process, as a terminal would: the
 * arguments, an environment (the stand-in's endpoints and credentials), and either pipes or a
 * pseudo-terminal (util-linux `script`) whose input is typed in answer to what it prints.
 * Shared by the integration tests, the CLI demo and the start-time bench.
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  ms: number
  /** From the start to the first byte on stdout or stderr. */
  firstOutputMs?: number
}

export interface CliOptions {
  env?: Record<string, string>
  /** Node binary; default ACTION_NODE, else this process's (CI runs the suite under Node 24 too). */
  node?: string
  timeoutMs?: number
  /** Echo stdout and stderr live (the demo). */
  echo?: boolean
  /**
   * Run on a pseudo-terminal: stdin, stdout and stderr are all the terminal (their output comes
   * back together in `stdout`), and each [prompt, answer] types the answer once the prompt shows.
   */
  tty?: { answers: [RegExp, string][] }
}

/** A clean environment: PATH and HOME (the caller's), then `env`. */
export function cliEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }
}

const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`

export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const node = opts.node ?? process.env.ACTION_NODE ?? process.execPath
  const argv = [node, resolve('dist/cli.js'), ...args]
  const [file, fileArgs] = opts.tty
    ? ['script', ['-qefc', `stty cols 200 2>/dev/null; exec ${argv.map(quote).join(' ')}`, '/dev/null']]
    : [argv[0], argv.slice(1)]
  const started = Date.now()
  const child = spawn(file, fileArgs, { env: cliEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let firstOutputMs: number | undefined
  const answers = [...(opts.tty?.answers ?? [])]
  const seen = (): void => {
    firstOutputMs ??= Date.now() - started
    while (answers.length && answers[0][0].test(stdout)) child.stdin.write(answers.shift()![1])
  }
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
    if (opts.echo) process.stdout.write(d)
    seen()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d
    if (opts.echo) process.stderr.write(d)
    seen()
  })
  // Without a terminal, stdin is an empty pipe; on one, it stays open for the answers.
  if (!opts.tty) child.stdin.end()
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120000)
  const code = await new Promise<number>(r => child.on('close', c => r(c ?? -1)))
  clearTimeout(timer)
  return { code, stdout, stderr, ms: Date.now() - started, firstOutputMs }
}
