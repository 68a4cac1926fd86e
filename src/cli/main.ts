/**
 * The terminal front end: argv → settings → credentials → the engine → a report on stdout.
 * Exit status 0 for ok/fixed, 1 for drift/failed, 2 for usage (a bad option, no credentials,
 * fix refused without a terminal); every usage error is one line on stderr before any network
 * call. The engine is the action's: the two cannot disagree.
 */
import pkg from '../../package.json'
import { runEngine, type Outcome, type Plan } from '../engine'
import { createClients } from '../google/clients'
import { renderMarkdown } from '../render/markdown'
import { outputs } from '../render/outputs'
import { InputError, readSettings, type Settings } from '../settings'
import { helpText, optionLabel, parseCommandLine, PROGRAM, UsageError } from './args'
import { CredentialsError, exec as defaultExec, findCredentials, gcloudProject, type Credentials, type Exec } from './credentials'
import { cliLogger, Progress } from './progress'
import { ask } from './prompt'
import { changeLines, relabelInputs, renderText, term } from './text'

export interface Terminal {
  write(s: string): boolean
  isTTY?: boolean
  columns?: number
}

export interface CliIo {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: Terminal
  stderr: Terminal & NodeJS.WritableStream
  /** Runs gcloud (tests hand in their own). */
  exec?: Exec
}

export const EXIT = { ok: 0, problem: 1, usage: 2 } as const

/** The outputs the action sets, parsed: what `--format json` prints. */
export function jsonOutcome(o: Outcome): { result: string; changes: unknown[]; http_status: number | string | null; jobs: unknown[] } {
  const out = outputs(o)
  const status = out.http_status
  return {
    result: out.result,
    changes: JSON.parse(out.changes) as unknown[],
    http_status: status === '' ? null : /^\d+$/.test(status) ? Number(status) : status,
    jobs: JSON.parse(out.jobs) as unknown[]
  }
}

const PROJECT_VARIABLES = ['GOOGLE_CLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT', 'GCLOUD_PROJECT']

export async function cli(io: CliIo): Promise<number> {
  const exec = io.exec ?? defaultExec
  const usage = (message: string): number => {
    io.stderr.write(`${PROGRAM}: ${message}\n`)
    return EXIT.usage
  }

  let parsed: ReturnType<typeof parseCommandLine>
  try {
    parsed = parseCommandLine(io.argv)
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message)
    throw e
  }
  if (parsed.kind === 'help') {
    io.stdout.write(helpText(pkg.version))
    return EXIT.ok
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`${pkg.version}\n`)
    return EXIT.ok
  }

  // Project: --project, full names, the variables the action reads, then gcloud's configuration.
  const env = { ...io.env }
  if (!parsed.project && !PROJECT_VARIABLES.some(k => env[k]?.trim()) && !parsed.names.some(n => n.startsWith('projects/'))) {
    const project = await gcloudProject(env, exec)
    if (project) env.CLOUDSDK_CORE_PROJECT = project
  }
  let settings: Settings
  try {
    settings = readSettings(parsed.getInput, env, optionLabel)
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    if (/no project known/.test(e.message))
      return usage('No project known: pass --project, use full resource names, or run: gcloud config set project PROJECT_ID')
    return usage(e.message)
  }
  if (settings.mode === 'fix' && !parsed.yes && !io.stdin.isTTY)
    return usage('fix asks before it writes, and stdin is not a terminal: pass --yes to apply without asking. Nothing was written.')

  let creds: Credentials
  try {
    creds = await findCredentials(env, settings.project, exec)
  } catch (e) {
    if (e instanceof CredentialsError) return usage(e.message)
    throw e
  }

  const noColor = !!env.NO_COLOR
  const progress = io.stderr.isTTY && parsed.format !== 'json' ? new Progress(io.stderr) : undefined
  let declined = false
  const confirm =
    settings.mode === 'fix' && !parsed.yes
      ? async (plan: Plan): Promise<boolean> => {
          const paint = io.stderr.isTTY && !noColor
          const lines = plan.changes.flatMap(c => changeLines(c, undefined).map(l => `  ${l}`))
          io.stderr.write(`${paint ? '\x1b[1m' : ''}Plan: ${plan.changes.length} change(s)${paint ? '\x1b[22m' : ''}\n${lines.join('\n')}\n`)
          const yes = await ask(`Apply ${plan.changes.length} change(s)? [y/N] `, io.stdin, io.stderr)
          declined = !yes
          return yes
        }
      : undefined

  const outcome = await runEngine(settings, createClients(creds.token, settings.universe, undefined, env), cliLogger(progress), { confirm })
  progress?.stop()

  // The outputs carry no reason for a run that failed as a whole: say it on stderr for scripts.
  if (parsed.format === 'json' && outcome.error) io.stderr.write(`${PROGRAM}: ${relabelInputs(term(outcome.error), optionLabel)}\n`)
  if (parsed.format === 'json') io.stdout.write(JSON.stringify(jsonOutcome(outcome), null, 2) + '\n')
  else if (parsed.format === 'markdown') io.stdout.write(renderMarkdown(outcome))
  else
    io.stdout.write(
      renderText(outcome, {
        color: !!io.stdout.isTTY && !noColor,
        context: `project ${settings.project}, location ${settings.location} · ${creds.describe}`,
        declined,
        label: optionLabel
      })
    )
  return outcome.result === 'ok' || outcome.result === 'fixed' ? EXIT.ok : EXIT.problem
}
