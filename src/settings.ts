/**
 * The run's settings, read and validated in one place from the contract's inputs (snake_case
 * names). Every check here runs before any network call, so bad input fails fast with one line
 * that names the input. Front ends add their own (the action: its PR comment).
 */
import { readFileSync } from 'node:fs'
import { NameError, isServiceAccountEmail, isProjectId, isRegion, parseHttpsUrl, parseJobRef, parseWifProvider, projectOfServiceAccount } from './names'
import { LOCATORS } from './targets'

export type Mode = 'verify' | 'fix'

/** Which jobs to act on: named ones, every HTTP job in the location, or every job that targets the target. */
export type JobSelection = { kind: 'named'; ids: string[] } | { kind: 'all' } | { kind: 'targeting' }

/** A target named by an input: which input (`function`, `service`), and the id it gives. */
export interface TargetInput {
  input: string
  id: string
}

export interface Settings {
  mode: Mode
  jobs: JobSelection
  target?: TargetInput
  project: string
  region: string
  location: string
  invokerServiceAccount?: string
  audience?: string
  checkServiceAgent: boolean
  testRun: boolean
  /** Follow the execution a test attempt created (Cloud Run jobs, workflows) to its end. */
  awaitExecution: boolean
  expectedStatus: number
  timeoutSeconds: number
  workloadIdentityProvider?: string
  serviceAccount?: string
  universe: string
}

export class InputError extends Error {}

export type GetInput = (name: string) => string

// The echoed value is folded onto one line: list inputs may hold newlines.
export const bad = (input: string, value: string, expected: string): InputError =>
  new InputError(`Invalid '${input}' "${value.trim().replace(/\s*\n\s*/g, ', ')}": ${expected}`)

export function parseBoolean(input: string, value: string, fallback: boolean): boolean {
  const v = value.trim().toLowerCase()
  if (v === '') return fallback
  if (['true', 'yes', '1', 'on'].includes(v)) return true
  if (['false', 'no', '0', 'off'].includes(v)) return false
  throw bad(input, value, 'expected true or false.')
}

export function parseIntInRange(input: string, value: string, fallback: number, min: number, max: number): number {
  const v = value.trim()
  if (v === '') return fallback
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw bad(input, value, `expected a whole number from ${min} to ${max}.`)
  return Number(v)
}

export function parseMode(value: string): Mode {
  const v = value.trim().toLowerCase() || 'verify'
  if (v !== 'verify' && v !== 'fix') throw bad('mode', value, 'expected verify or fix.')
  return v
}

/**
 * `test_run`: `auto` (the default) test-runs the jobs a run names (ids, or those calling a named
 * target) but not a `job: '*'` audit, which would fire every job of a location on every push.
 */
export function parseTestRun(value: string, jobs: JobSelection): boolean {
  if (value.trim().toLowerCase() === 'auto' || value.trim() === '') return jobs.kind !== 'all'
  try {
    return parseBoolean('test_run', value, true)
  } catch {
    throw bad('test_run', value, 'expected auto, true or false.')
  }
}

/** Splits a list input on newlines and commas, dropping blanks. */
export const splitList = (value: string): string[] =>
  value
    .split(/[\n,]/)
    .map(s => s.trim())
    .filter(Boolean)

function nameInput<T>(input: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value)
  } catch (e) {
    if (e instanceof NameError) throw new InputError(`Invalid '${input}' ${e.message.slice(e.message.indexOf(' ') + 1)}`)
    throw e
  }
}

/**
 * Reads and validates every input. `env` supplies the project fallbacks a runner may have
 * (`GOOGLE_CLOUD_PROJECT`, …, set by google-github-actions/auth and setup-gcloud). A front end
 * that names inputs its own way (the command line: `--invoker-service-account`) passes `label`:
 * every input an error quotes ('invoker_service_account') is renamed by it, unless it returns
 * undefined.
 */
export function readSettings(getInput: GetInput, env: NodeJS.ProcessEnv = process.env, label?: (input: string) => string | undefined): Settings {
  try {
    return read(getInput, env)
  } catch (e) {
    if (label && e instanceof InputError) throw new InputError(e.message.replace(/'([a-z][a-z_]*)'/g, (quoted, input: string) => label(input) ?? quoted))
    throw e
  }
}

function read(getInput: GetInput, env: NodeJS.ProcessEnv): Settings {
  const get = (n: string): string => getInput(n).trim()
  const mode = parseMode(get('mode'))

  const named = LOCATORS.map(l => ({ l, value: get(l.input) })).filter(x => x.value)
  if (named.length > 1) {
    const list = named.map(x => `'${x.l.input}'`).join(' and ')
    throw new InputError(`Invalid ${list}: ${named.length > 2 ? 'all' : 'both'} are set (${named.map(x => `"${x.value}"`).join(', ')}); give one target.`)
  }
  const targetRef = named[0] && nameInput(named[0].l.input, named[0].value, v => named[0].l.parseInput(v))
  const target: TargetInput | undefined = targetRef && { input: named[0].l.input, id: targetRef.id }
  const targetInputs = LOCATORS.map(l => `'${l.input}'`).join('/')

  const jobValues = splitList(getInput('job'))
  let jobs: JobSelection
  let jobRefs: ReturnType<typeof parseJobRef>[] = []
  if (jobValues.length === 1 && jobValues[0] === '*') {
    // Each job is judged against the target its own URI names; one named target would make every other job "wrong".
    if (target)
      throw bad(
        'job',
        '*',
        `audits every job against the target its own URI calls, so it does not combine with '${target.input}'; leave 'job' empty to check every job that calls that ${target.input}.`
      )
    jobs = { kind: 'all' }
  } else if (jobValues.includes('*')) throw bad('job', getInput('job'), "'*' stands alone: every HTTP job in the location.")
  else if (jobValues.length > 0) {
    jobRefs = jobValues.map(v => nameInput('job', v, parseJobRef))
    // A job named twice (id and full name) is still one job: one patch, one run, one report.
    jobs = { kind: 'named', ids: [...new Set(jobRefs.map(r => r.id))] }
  } else if (target) jobs = { kind: 'targeting' }
  else throw new InputError(`Invalid 'job' "": nothing to act on; set 'job' (an id, a full name or '*'), or ${targetInputs} to check every job that calls it.`)

  // Project: the input, then full names, then the environment a runner's auth step leaves, then the credentials' account.
  const namedProjects = new Set([...jobRefs.map(r => r.project), targetRef?.project].filter((p): p is string => !!p))
  const projectInput = get('project_id')
  if (projectInput && !isProjectId(projectInput)) throw bad('project_id', projectInput, 'expected a project id such as my-project-123.')
  if (namedProjects.size > 1) throw bad('job', getInput('job'), `names several projects (${[...namedProjects].join(', ')}); one run acts on one project.`)
  const [namedProject] = namedProjects
  if (projectInput && namedProject && projectInput !== namedProject) {
    throw bad('project_id', projectInput, `the full names given are in project ${namedProject}.`)
  }

  const serviceAccount = get('service_account') || undefined
  const provider = get('workload_identity_provider') || undefined
  if (provider) nameInput('workload_identity_provider', provider, parseWifProvider)
  if (provider && !serviceAccount)
    throw new InputError("Invalid 'service_account' \"\": required with 'workload_identity_provider' (the account to impersonate).")
  if (serviceAccount && !isServiceAccountEmail(serviceAccount))
    throw bad('service_account', serviceAccount, 'expected a service account email (NAME@PROJECT.iam.gserviceaccount.com).')

  const envProject = [env.GOOGLE_CLOUD_PROJECT, env.CLOUDSDK_CORE_PROJECT, env.GCLOUD_PROJECT].find(p => p && p.trim())
  const project = projectInput || namedProject || envProject?.trim() || projectOfServiceAccount(serviceAccount ?? '') || credentialsProject(env)
  if (!project) {
    throw new InputError("Invalid 'project_id' \"\": no project known; set 'project_id', use full resource names, or run google-github-actions/auth first.")
  }
  if (!isProjectId(project)) throw bad('project_id', project, 'expected a project id such as my-project-123.')

  // Region and location default to each other; full names give them.
  const regionInput = get('region')
  const locationInput = get('location')
  for (const [n, v] of [
    ['region', regionInput],
    ['location', locationInput]
  ] as const) {
    if (v && !isRegion(v)) throw bad(n, v, 'expected a region such as us-central1.')
  }
  const namedLocations = new Set(jobRefs.map(r => r.location).filter((l): l is string => !!l))
  if (namedLocations.size > 1) throw bad('job', getInput('job'), `names several locations (${[...namedLocations].join(', ')}); one run acts on one location.`)
  const [namedLocation] = namedLocations
  if (locationInput && namedLocation && locationInput !== namedLocation) {
    throw bad('location', locationInput, `the job full name is in ${namedLocation}.`)
  }
  const region = regionInput || targetRef?.region || locationInput || namedLocation || ''
  const location = locationInput || namedLocation || region
  if (!region && !location) {
    throw new InputError("Invalid 'region' \"\": no region known; set 'region' (or 'location'), or use full resource names.")
  }
  if (targetRef?.region && regionInput && targetRef.region !== regionInput) {
    throw bad('region', regionInput, `the ${target!.input} full name is in ${targetRef.region}.`)
  }

  const invoker = get('invoker_service_account') || undefined
  // An IAM member string is the usual slip here: say so rather than reject it as a bad email.
  if (invoker?.includes(':'))
    throw bad(
      'invoker_service_account',
      invoker,
      `expected the account's email alone (${invoker.slice(invoker.lastIndexOf(':') + 1)}), without a member prefix.`
    )
  if (invoker && !isServiceAccountEmail(invoker))
    throw bad('invoker_service_account', invoker, 'expected a service account email (NAME@PROJECT.iam.gserviceaccount.com).')
  const audience = get('audience') || undefined
  if (audience) nameInput('audience', audience, v => parseHttpsUrl(v, 'audience'))

  const universe = get('universe') || 'googleapis.com'
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(universe)) {
    throw bad('universe', universe, 'expected a domain such as googleapis.com.')
  }

  return {
    mode,
    jobs,
    target,
    project,
    region: region || location,
    location: location || region,
    invokerServiceAccount: invoker,
    audience,
    checkServiceAgent: parseBoolean('check_service_agent', getInput('check_service_agent'), true),
    testRun: parseTestRun(getInput('test_run'), jobs),
    awaitExecution: parseBoolean('await_execution', getInput('await_execution'), false),
    expectedStatus: parseIntInRange('expected_status', getInput('expected_status'), 200, 100, 599),
    timeoutSeconds: parseIntInRange('timeout', getInput('timeout'), 180, 1, 3600),
    workloadIdentityProvider: provider,
    serviceAccount,
    universe
  }
}

/**
 * The project of the account the ADC file impersonates (what google-github-actions/auth
 * writes), read from the file without a network call.
 */
function credentialsProject(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.GOOGLE_APPLICATION_CREDENTIALS
  if (!file) return undefined
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    if (typeof json.project_id === 'string') return json.project_id
    const url = typeof json.service_account_impersonation_url === 'string' ? json.service_account_impersonation_url : ''
    const email = /serviceAccounts\/([^:/]+):generateAccessToken/.exec(url)?.[1]
    return email ? projectOfServiceAccount(decodeURIComponent(email)) : undefined
  } catch {
    return undefined
  }
}
