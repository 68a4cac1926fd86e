/**
 * The command line's arguments: `util.parseArgs` (strict) over one table of options, the
 * contract's inputs in kebab case. Values are handed to readSettings under the inputs' own
 * snake_case names, so every value is validated in one place; errors then name the option.
 */
import { parseArgs } from 'node:util'
import { splitList, type GetInput, type Mode } from '../settings'

/** A usage error: one line on stderr, exit 2, no network call. */
export class UsageError extends Error {}

export const PROGRAM = 'scheduler-oidc-doctor'

export type Format = 'text' | 'json' | 'markdown'

interface OptionSpec {
  type: 'string' | 'boolean'
  /** The input it feeds (snake_case); none for the command line's own options. */
  input?: string
  short?: string
  multiple?: boolean
  /** Placeholder for the value in --help. */
  value?: string
  default: string
  help: string
}

/** Every option, in --help's order. */
export const OPTIONS: Record<string, OptionSpec> = {
  job: {
    type: 'string',
    input: 'job',
    multiple: true,
    value: 'ID',
    default: 'none',
    help: "job id or full name (projects/P/locations/L/jobs/J); repeat it or separate with commas; '*' = every HTTP job in the location"
  },
  function: { type: 'string', input: 'function', value: 'ID', default: 'none', help: 'Cloud Functions function id or full name' },
  service: { type: 'string', input: 'service', value: 'ID', default: 'none', help: 'Cloud Run service id or full name' },
  'cloud-run-job': { type: 'string', input: 'cloud_run_job', value: 'ID', default: 'none', help: 'Cloud Run job id or full name' },
  workflow: { type: 'string', input: 'workflow', value: 'ID', default: 'none', help: 'Workflows workflow id or full name' },
  project: {
    type: 'string',
    input: 'project_id',
    value: 'ID',
    default: 'full names, $GOOGLE_CLOUD_PROJECT, $CLOUDSDK_CORE_PROJECT, $GCLOUD_PROJECT, then gcloud config get-value project',
    help: 'project of the jobs and the target'
  },
  region: { type: 'string', input: 'region', value: 'REGION', default: 'from full names, else --location', help: 'region of the target' },
  location: { type: 'string', input: 'location', value: 'REGION', default: '--region', help: 'Cloud Scheduler location of the jobs' },
  'invoker-service-account': {
    type: 'string',
    input: 'invoker_service_account',
    value: 'EMAIL',
    default: "the job's current token account",
    help: 'account the job signs its token as'
  },
  audience: { type: 'string', input: 'audience', value: 'URL', default: "the target's URL", help: 'OIDC audience' },
  'no-check-service-agent': {
    type: 'boolean',
    input: 'check_service_agent',
    default: 'checked',
    help: "skip the Cloud Scheduler service agent's role (checked, and granted by fix, otherwise)"
  },
  'test-run': {
    type: 'string',
    input: 'test_run',
    value: 'auto|true|false',
    default: 'auto',
    help: "trigger each job and wait for its attempt; auto: the jobs named or calling the target, not a --job '*' audit"
  },
  'expected-status': { type: 'string', input: 'expected_status', value: 'CODE', default: '200', help: 'HTTP status the test attempt must return' },
  timeout: { type: 'string', input: 'timeout', value: 'SECONDS', default: '180', help: 'how long to wait for test attempts (and executions)' },
  'await-execution': {
    type: 'boolean',
    input: 'await_execution',
    default: 'off',
    help: 'Cloud Run jobs and workflows: follow the execution the test attempt started to its end'
  },
  universe: { type: 'string', input: 'universe', value: 'DOMAIN', default: 'googleapis.com', help: 'Google Cloud universe domain' },
  format: {
    type: 'string',
    value: 'text|json|markdown',
    default: 'text',
    help: 'text for people; json ({result, changes, http_status, jobs}) for scripts; markdown'
  },
  yes: { type: 'boolean', short: 'y', default: 'ask', help: 'fix: apply without asking (needed without a terminal)' },
  help: { type: 'boolean', short: 'h', default: '', help: 'show this help' },
  version: { type: 'boolean', default: '', help: 'show the version' }
}

/** How the command line names an input in messages: `'invoker_service_account'` → `--invoker-service-account`. */
export function optionLabel(input: string): string | undefined {
  const name = Object.keys(OPTIONS).find(k => OPTIONS[k].input === input)
  return name && `--${name}`
}

export type Parsed =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run'
      mode: Mode
      format: Format
      yes: boolean
      /** Reads the options under the inputs' names, for readSettings. */
      getInput: GetInput
      /** Values that name a project in full names (so gcloud's project is not needed). */
      names: string[]
      project?: string
    }

const oneLine = (m: string): string => m.split('\n')[0].replace(/\. To specify a positional argument.*$/, '.')

/** Parses argv (without node and the script); throws UsageError. */
export function parseCommandLine(argv: string[]): Parsed {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] }
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(OPTIONS).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }])
      ),
      strict: true,
      allowPositionals: true
    })
  } catch (e) {
    const code = (e as { code?: string }).code
    // parseArgs's errors are TypeErrors with a code (read without instanceof: jest runs code in another realm).
    const msg = (e as { message?: string }).message ?? String(e)
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${oneLine(msg)} See ${PROGRAM} --help.`)
    throw new UsageError(oneLine(msg))
  }
  const v = parsed.values
  if (v.help) return { kind: 'help' }
  if (v.version) return { kind: 'version' }

  const [command, ...extra] = parsed.positionals
  if (!command) throw new UsageError(`No command: ${PROGRAM} verify|fix [options]; see ${PROGRAM} --help.`)
  if (command !== 'verify' && command !== 'fix') throw new UsageError(`Unknown command '${command}': expected verify or fix.`)
  if (extra.length)
    throw new UsageError(`Unexpected argument '${extra[0]}': options start with --, and several jobs are given as --job a --job b or --job a,b.`)

  const format = (v.format as string | undefined) ?? 'text'
  if (format !== 'text' && format !== 'json' && format !== 'markdown') throw new UsageError(`Invalid --format "${format}": expected text, json or markdown.`)

  const jobs = ((v.job as string[] | undefined) ?? []).flatMap(splitList)
  const testRun = ((v['test-run'] as string | undefined) ?? 'auto').trim().toLowerCase()
  if (!['auto', 'true', 'false'].includes(testRun)) throw new UsageError(`Invalid --test-run "${v['test-run'] as string}": expected auto, true or false.`)

  const inputs: Record<string, string> = { mode: command, job: jobs.join('\n') }
  for (const [name, o] of Object.entries(OPTIONS)) {
    if (!o.input || o.input === 'job' || v[name] === undefined) continue
    inputs[o.input] = o.type === 'boolean' ? (name.startsWith('no-') ? 'false' : 'true') : (v[name] as string)
  }
  // --test-run auto (the contract's test_run: auto) is decided here: the jobs a run names, or
  // those calling a named target, are test-run; a --job '*' audit is not.
  inputs.test_run = testRun === 'auto' ? String(!(jobs.length === 1 && jobs[0] === '*')) : testRun

  return {
    kind: 'run',
    mode: command,
    format,
    yes: !!v.yes,
    getInput: n => inputs[n] ?? '',
    names: [...jobs, ...['function', 'service', 'cloud_run_job', 'workflow'].map(n => inputs[n] ?? '')].filter(Boolean),
    project: inputs.project_id
  }
}

/** Wraps words to lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return line ? [...lines, line] : lines
}

/** --help: every option with its default, and one example per use. */
export function helpText(version: string): string {
  const options = Object.entries(OPTIONS)
    .map(([name, o]) => {
      const flag = `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`
      const text = o.help + (o.default ? `. Default: ${o.default}.` : '.')
      return [flag, ...wrap(text, 88).map(l => `        ${l}`)].join('\n')
    })
    .join('\n')
  return `${PROGRAM} ${version}: verify, repair and test-run the authentication of Cloud Scheduler jobs
that call Cloud Functions, Cloud Run services and jobs, and Workflows.

Usage: ${PROGRAM} verify|fix [options]

  verify  report what is wrong; change nothing (a test run still triggers the jobs)
  fix     repair the job's token and the IAM roles, after showing the plan and asking

Options:
${options}

Credentials: Application Default Credentials ($GOOGLE_APPLICATION_CREDENTIALS, or gcloud's file
from "gcloud auth application-default login"), else $CLOUDSDK_AUTH_ACCESS_TOKEN_FILE, else
"gcloud auth print-access-token". $CLOUDSDK_API_ENDPOINT_OVERRIDES_<API> move an API's endpoint.

Examples:
  # verify one job against the function it calls
  ${PROGRAM} verify --job nightly-report --function nightly-report --region us-central1

  # fix every job that calls a Cloud Run service, signing as a given account
  ${PROGRAM} fix --service api --region europe-west1 --invoker-service-account invoker@my-proj.iam.gserviceaccount.com

  # a scheduled Cloud Run job: fix without asking, and follow the execution it starts
  ${PROGRAM} fix --yes --job export-orders --cloud-run-job export-orders --region us-central1 --await-execution

  # for scripts: audit every job of a location, no test run, JSON out
  ${PROGRAM} verify --job '*' --location us-central1 --format json | jq -r .result

Exit status: 0 ok or fixed, 1 drift or failed, 2 usage (bad option, no credentials, fix refused).
`
}
