/**
 * The planner: observed state in, checks and one list of intended changes out, no I/O. Verify
 * mode is this plan with no writer; fix mode hands its changes to apply.ts.
 */
import type { HttpTarget, Job, Policy } from '../google/types'
import { googleApiHost, projectOfServiceAccount, schedulerServiceAgent, splitName } from '../names'
import { conditionalHolders, holders } from '../policy'
import { iamRemedies, schedulerRemedies } from '../remedies'
import type { Settings } from '../settings'
import { fromUri, TARGET_INPUTS, type Access, type OidcAuth, type Target } from '../targets'
import { runOrigin } from '../targets/service'
import { denyingRules } from './deny'
import type { AccountRead, Observed, ObservedJob } from './observe'

export type CheckId =
  | 'job.read'
  | 'job.type'
  | 'job.state'
  | 'job.uri'
  | 'target.ingress'
  | 'job.token'
  | 'job.service_account'
  | 'job.audience'
  | 'job.scope'
  | 'job.method'
  | 'iam.invoker'
  | 'iam.service_agent'
  | 'account.health'
  | 'iam.deny'
  | 'target.url'
  | 'target.iap'
  | 'iam.troubleshooter'

export type Severity = 'ok' | 'warning' | 'error'

/** One line of the report: what was checked, found, expected, and how to mend it. */
export interface Check {
  id: CheckId
  title: string
  severity: Severity
  found: string
  expected: string
  /** The exact fix a person could apply (role, resource, gcloud command). */
  remedy?: string
  /** The command in `remedy` on its own, for a person to paste (shell-quoted, with --project). */
  command?: string
  /** Fix mode cannot repair it; it fails the run. */
  blocker?: boolean
  /** Fix mode repairs it with this change kind. */
  fixedBy?: ChangeKind
}

export type ChangeKind = 'job.oidc' | 'job.oauth' | 'iam.invoker' | 'iam.service_agent'

export interface OidcSettings {
  serviceAccountEmail: string | null
  audience: string | null
}

export interface OauthSettings {
  serviceAccountEmail: string | null
  scope: string | null
}

/** One entry of the `changes` output (contract: `{job, resource, kind, before, after}`). */
export type Change =
  | { job: string; resource: string; kind: 'job.oidc'; before: OidcSettings | null; after: { serviceAccountEmail: string; audience: string } }
  | { job: string; resource: string; kind: 'job.oauth'; before: OauthSettings | null; after: { serviceAccountEmail: string; scope: string } }
  | { job: string; resource: string; kind: 'iam.invoker' | 'iam.service_agent'; before: null; after: { role: string; member: string } }

/** A change to a job's token fields (the only job fields fix mode writes). */
export type TokenChange = Extract<Change, { kind: 'job.oidc' | 'job.oauth' }>
/** A token change before it is attributed to a job: what to set. */
type TokenIntent = { kind: 'job.oidc'; after: OidcChangeAfter } | { kind: 'job.oauth'; after: OauthChangeAfter }
type OidcChangeAfter = Extract<Change, { kind: 'job.oidc' }>['after']
type OauthChangeAfter = Extract<Change, { kind: 'job.oauth' }>['after']
/** A member added to a role on a resource's policy. */
export type GrantChange = Extract<Change, { kind: 'iam.invoker' | 'iam.service_agent' }>

export interface JobPlan {
  job: string
  /** The resource the job calls. */
  target?: string
  /** Where its invoker role is bound. */
  bindingResource?: string
  audience?: string
  invoker?: string
  checks: Check[]
}

/** Everything fix mode would write, once: apply writes it, the report reads it. */
export interface Plan {
  jobs: JobPlan[]
  changes: Change[]
  /** What the diagnosis could not see (a policy the caller may not read), and what would let it. */
  notes: string[]
}

export const SERVICE_AGENT_ROLE = 'roles/cloudscheduler.serviceAgent'
/** The scope that covers every Google API; an empty scope on a job means it too. */
export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'
const ok = (id: CheckId, title: string, found: string, expected = found): Check => ({ id, title, severity: 'ok', found, expected })
/** A remedy that ends in the command to paste: the prose and the command, and the command on its own (reports show it once, in a block). */
const withCommand = (prose: string, command: string | undefined): Pick<Check, 'remedy' | 'command'> =>
  command ? { remedy: `${prose} ${command}`.trim(), command } : { remedy: prose }

/** The remedy without its command, for reports that show the command apart (withCommand's inverse). */
export function remedyProse(c: Pick<Check, 'remedy' | 'command'>): string {
  const r = c.remedy ?? ''
  return (c.command && r.endsWith(c.command) ? r.slice(0, -c.command.length).replace(/[\s:]+$/, '') : r).trim()
}

/**
 * Internal ingress admits Cloud Scheduler from the target's own project or VPC Service Controls
 * perimeter (Google's ingress pages for Cloud Run and for functions), so it turns away only a job
 * in another project; ingress NONE turns away everything.
 */
const INTERNAL_INGRESS = ['ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB', 'INGRESS_TRAFFIC_INTERNAL_ONLY', 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER']

const jobRef = (name: string) => splitName(name)

/** Plans one job: every check, and the patch it needs if any. */
interface Grant {
  t: Target
  role: string
  member: string
}

function planJob(o: ObservedJob, observed: Observed, s: Settings): { plan: JobPlan; token?: TokenIntent; grant?: Grant } {
  const checks: Check[] = []
  const plan: JobPlan = { job: o.name, checks }
  if (!o.job) {
    checks.push({
      id: 'job.read',
      title: 'Job exists',
      severity: 'error',
      found: o.error ?? 'not readable',
      expected: 'a readable Cloud Scheduler job',
      blocker: true,
      ...withCommand(
        'Check the job id and location, and that the caller has roles/cloudscheduler.viewer; the jobs there:',
        schedulerRemedies.list(s.project, s.location)
      )
    })
    return { plan }
  }
  const job: Job = o.job
  const http = job.httpTarget
  if (!http) {
    checks.push({
      id: 'job.type',
      title: 'HTTP target',
      severity: 'error',
      found: job.pubsubTarget ? 'Pub/Sub target' : job.appEngineHttpTarget ? 'App Engine target' : 'no HTTP target',
      expected: 'an HTTP job',
      blocker: true,
      remedy: 'Only HTTP jobs carry OIDC tokens; this job needs no invoker fix.'
    })
    return { plan }
  }
  checks.push(ok('job.type', 'HTTP target', `${http.httpMethod ?? 'POST'} ${http.uri}`))

  const state = job.state ?? 'STATE_UNSPECIFIED'
  if (state === 'ENABLED') checks.push(ok('job.state', 'Job state', state))
  else if (state === 'UPDATE_FAILED')
    checks.push({
      id: 'job.state',
      title: 'Job state',
      severity: 'error',
      found: state,
      expected: 'ENABLED',
      blocker: true,
      ...withCommand(
        "The job's last update did not apply; re-apply its configuration with gcloud scheduler jobs update http, or recreate it. Its current configuration:",
        schedulerRemedies.describe(jobRef(o.name))
      )
    })
  else
    checks.push({
      id: 'job.state',
      title: 'Job state',
      severity: 'warning',
      found: state,
      expected: 'ENABLED',
      ...withCommand('The job will not run on schedule until resumed:', schedulerRemedies.resume(jobRef(o.name)))
    })

  const uri = http.uri ?? ''
  const apiHost = fromUri(uri, s.universe) ? undefined : googleApiHost(uri, s.universe)
  if (apiHost) {
    // Google APIs take OAuth access tokens; an OIDC token there is always rejected.
    if (http.oidcToken) {
      checks.push({
        id: 'job.token',
        title: 'Token type',
        severity: 'error',
        found: 'OIDC token',
        expected: `OAuth token (the target ${apiHost} is a Google API)`,
        blocker: true,
        ...withCommand('', schedulerRemedies.setOauth(jobRef(o.name), http.oidcToken.serviceAccountEmail ?? 'SA_EMAIL'))
      })
    } else {
      checks.push(ok('job.token', 'Token type', http.oauthToken ? 'OAuth token' : 'none', 'OAuth token (Google API target; out of scope beyond this check)'))
    }
    return { plan }
  }

  const t = o.target ? observed.targets[o.target] : undefined
  if (!t && s.jobs.kind === 'all' && !fromUri(uri, s.universe) && URL.canParse(uri) && !o.targetError) {
    // An audit of every job meets webhooks outside Google Cloud: nothing here to verify or fix.
    checks.push({
      id: 'job.uri',
      title: 'URI target',
      severity: 'warning',
      found: uri,
      expected: 'a Cloud Functions or Cloud Run URL',
      remedy: 'Not a Cloud Functions or Cloud Run target: its authentication is not checked and it is not test-run.'
    })
    return { plan }
  }
  if (!t) {
    checks.push({
      id: 'job.uri',
      title: 'URI target',
      severity: 'error',
      found: uri,
      expected: 'a Cloud Functions or Cloud Run URL',
      blocker: true,
      remedy: o.targetError ?? `Set ${TARGET_INPUTS.map(i => `'${i}'`).join(' or ')} to the target this job should call.`
    })
    return { plan }
  }
  plan.target = t.name
  plan.bindingResource = t.bindingResource
  if (t.kind.calls(t, uri)) checks.push(ok('job.uri', 'URI target', uri, `a URL of ${t.name}`))
  else {
    const alt = t.urls[0]
    checks.push({
      id: 'job.uri',
      title: 'URI target',
      severity: 'error',
      found: uri,
      expected: `a URL of ${t.name} (${alt})`,
      blocker: true,
      ...withCommand(
        'The job calls something else (another function, service or region). Point it at the target:',
        schedulerRemedies.setUri(jobRef(o.name), alt)
      )
    })
    // Its token and grants would be judged, and repaired, against a target it does not call:
    // fix mode would rewrite a working job's audience and grant a role nobody needs.
    return { plan }
  }

  const jobProject = splitName(o.name).project
  const ingress = ingressCheck(t, jobProject)
  if (ingress) checks.push(ingress)
  checks.push(...frontDoorChecks(o.name, t, uri))

  // Invoker account: the input, else the job's current token account.
  const invoker = s.invokerServiceAccount ?? http.oidcToken?.serviceAccountEmail ?? http.oauthToken?.serviceAccountEmail
  plan.invoker = invoker
  const token = t.kind.auth.type === 'oidc' ? oidcChecks(o.name, http, t, t.kind.auth, s, invoker) : oauthChecks(o.name, http, invoker)
  checks.push(...token.checks)
  plan.audience = token.audience

  let grant: Grant | undefined
  let accountBlocked = false
  if (invoker) {
    const health = accountHealthCheck(o.name, invoker, observed.accounts[invoker], observed.project.number)
    if (health) checks.push(health)
    // Google refuses a job update naming such an account: nothing is written for this job, so no grant outlives a refused patch.
    accountBlocked = !!health?.blocker
    const member = `serviceAccount:${invoker}`
    const access = t.kind.access(t, job)
    const check = invokerCheck(t, access, member, observed)
    checks.push(check)
    if (check.fixedBy && !accountBlocked) grant = { t, role: access.role, member }
    const deny = denyCheck(observed, invoker, access.permission)
    if (deny) checks.push(deny)
  }
  return { plan, token: accountBlocked ? undefined : token.change, grant }
}

/**
 * What Cloud Run puts in front of its IAM check: a disabled `run.app` URL answers nothing, and
 * Identity-Aware Proxy admits only accounts it knows before Cloud Run sees the request.
 */
function frontDoorChecks(jobName: string, t: Target, uri: string): Check[] {
  const out: Check[] = []
  const { project, location, id } = splitName(t.bindingResource)
  if (t.defaultUriDisabled && runOrigin(uri)) {
    const command = iamRemedies.enableDefaultUrl(project, location, id)
    out.push({
      id: 'target.url',
      title: 'Default URL',
      severity: 'error',
      found: `the service's run.app URLs are disabled (defaultUriDisabled), and the job calls ${uri}`,
      expected: 'a URL that reaches the service',
      blocker: true,
      ...withCommand(
        `Point the job at the service's custom domain or load balancer (${schedulerRemedies.setUri(jobRef(jobName), 'https://YOUR-DOMAIN/PATH')}), or enable the default URL again:`,
        command
      )
    })
  }
  if (t.iapEnabled)
    out.push({
      id: 'target.iap',
      title: 'Identity-Aware Proxy',
      severity: 'warning',
      found: 'IAP is enabled on the service',
      expected: "the job's account admitted by IAP as well as by Cloud Run IAM",
      ...withCommand(
        "IAP checks each request before Cloud Run IAM does: the job's account needs roles/iap.httpsResourceAccessor on the service too (the action does not grant it):",
        iamRemedies.grantIapAccess(project, location, id, 'serviceAccount:SA_EMAIL')
      )
    })
  return out
}

/**
 * Whether the account can be the job's at all: Google refuses a job update naming an account that
 * does not exist, belongs to another project or is the Scheduler service agent, and a disabled
 * account signs no token. The action never enables or creates an account: it explains.
 */
function accountHealthCheck(jobName: string, invoker: string, read: AccountRead | undefined, projectNumber: string): Check | undefined {
  const jobProject = splitName(jobName).project
  const title = 'Invoker account health'
  const expected = `an enabled service account of ${jobProject}`
  const blocker = (found: string, prose: string, command: string): Check => ({
    id: 'account.health',
    title,
    severity: 'error',
    found,
    expected,
    blocker: true,
    ...withCommand(prose, command)
  })
  const create = iamRemedies.createAccount(jobProject, 'scheduler-invoker')
  const choose = `Set 'invoker_service_account' to a service account of ${jobProject}, or create one`
  if (invoker.toLowerCase() === schedulerServiceAgent(projectNumber).toLowerCase())
    return blocker(
      `${invoker} is the Cloud Scheduler service agent`,
      `The service agent mints the tokens of every job; Cloud Scheduler refuses it as a job's own account. ${choose}:`,
      create
    )
  const owner = read?.account?.projectId ?? projectOfServiceAccount(invoker)
  if (read?.missing)
    return blocker(
      `${invoker} does not exist (deleted, or never created)`,
      `Cloud Scheduler refuses an account that does not exist, and a deleted account's bindings grant nothing. ${choose}:`,
      create
    )
  // Scheduler's API reference: "The service account must be within the same project as the job."
  if (owner && owner !== jobProject)
    return blocker(
      `${invoker} belongs to project ${owner}`,
      `Cloud Scheduler refuses a token account of another project than the job's (${jobProject}). ${choose}:`,
      create
    )
  if (read?.account?.disabled) {
    const enable = iamRemedies.enableAccount(owner ?? jobProject, invoker)
    return blocker(`${invoker} is disabled`, 'A disabled account cannot sign tokens: every attempt fails. Enable it (the action never does):', enable)
  }
  if (read?.account) return ok('account.health', title, `enabled, in project ${owner ?? jobProject}`, expected)
  return undefined
}

/**
 * IAM deny rules on the project, its folders and organization: Google applies them before any
 * grant, so a matching rule makes every binding irrelevant. The action never edits them.
 */
function denyCheck(observed: Observed, invoker: string, permission: string): Check | undefined {
  const { deny } = observed.hierarchy
  const matches = denyingRules(deny, invoker, permission)
  const title = 'Deny policies'
  const expected = `no deny rule on ${permission} for ${invoker}`
  const certain = matches.find(m => m.certain)
  const name = (m: (typeof matches)[number]): string => `${m.policy}${m.displayName ? ` ("${m.displayName}")` : ''} rule ${m.rule}`
  if (certain) {
    return {
      id: 'iam.deny',
      title,
      severity: 'error',
      found: `denied by ${name(certain)}${certain.description ? `: ${certain.description}` : ''}`,
      expected,
      blocker: true,
      ...withCommand(
        `A deny rule overrides every grant, and the action never edits deny policies. Whoever owns the policy can add principal://iam.googleapis.com/projects/-/serviceAccounts/${invoker} to the rule's exceptionPrincipals. Read it:`,
        iamRemedies.describeDenyPolicy(observed.project.id, certain.policy)
      )
    }
  }
  if (matches.length)
    return {
      id: 'iam.deny',
      title,
      severity: 'warning',
      found: `may apply: ${matches.map(m => `${name(m)} (${m.doubt})`).join('; ')}`,
      expected,
      ...withCommand(
        `If the account is covered, the rule denies ${permission} whatever the grants say:`,
        iamRemedies.describeDenyPolicy(observed.project.id, matches[0].policy)
      )
    }
  const read = deny.filter(d => !d.unreadable)
  const policies = read.reduce((n, d) => n + d.policies.length, 0)
  // Only worth a line when there were rules to weigh.
  return policies ? ok('iam.deny', title, `none of ${policies} deny polic${policies === 1 ? 'y' : 'ies'} denies ${permission}`, expected) : undefined
}

/**
 * Internal ingress admits Cloud Scheduler from the target's own project or VPC Service Controls
 * perimeter, so it turns away only a job in another project; ingress NONE turns away everything.
 * Targets without an ingress setting (Google APIs) have no such check.
 */
function ingressCheck(t: Target, jobProject: string): Check | undefined {
  if (!t.kind.openIngressCommand) return undefined
  const targetProject = splitName(t.bindingResource).project
  const internal = !!t.ingress && INTERNAL_INGRESS.includes(t.ingress)
  if (t.ingress === 'INGRESS_TRAFFIC_NONE' || (internal && jobProject !== targetProject)) {
    return {
      id: 'target.ingress',
      title: 'Ingress',
      severity: 'error',
      found: internal ? `${t.ingress} (the job is in project ${jobProject}, the target in ${targetProject})` : t.ingress!,
      expected: internal ? `the job in ${targetProject}, or all ingress` : 'INGRESS_TRAFFIC_ALL', // NONE exists only on Cloud Run
      blocker: true,
      ...withCommand(
        internal
          ? `Internal ingress admits Cloud Scheduler only from ${targetProject} (or a VPC Service Controls perimeter holding both projects). Create the job in ${targetProject}, or allow all ingress and keep IAM as the gate:`
          : 'The service accepts no traffic at all. Allow ingress (IAM stays the gate):',
        t.kind.openIngressCommand!(t)
      )
    }
  }
  return ok('target.ingress', 'Ingress', internal ? `${t.ingress} (admits Cloud Scheduler from ${targetProject})` : (t.ingress ?? 'all'))
}

/** The account check both token types share: the job signs (or is issued) its token as this account. */
function accountCheck(current: string | undefined, invoker: string | undefined, fix: string | undefined, fixedBy: ChangeKind, tokenWord: string): Check {
  if (!invoker)
    return {
      id: 'job.service_account',
      title: 'Invoker account',
      severity: 'error',
      found: 'none',
      expected: 'a service account',
      blocker: true,
      remedy: `The job has no token account: set 'invoker_service_account' to the account the job should sign its ${tokenWord} token as.`
    }
  if (current !== invoker)
    return {
      id: 'job.service_account',
      title: 'Invoker account',
      severity: 'error',
      found: current ?? 'none',
      expected: invoker,
      fixedBy,
      ...withCommand('', fix)
    }
  return ok('job.service_account', 'Invoker account', invoker)
}

interface TokenChecks {
  checks: Check[]
  change?: TokenIntent
  audience?: string
}

/** Functions and Cloud Run: an OIDC token, signed as the invoker account, with an audience the target accepts. */
function oidcChecks(jobName: string, http: HttpTarget, t: Target, auth: OidcAuth, s: Settings, invoker: string | undefined): TokenChecks {
  const checks: Check[] = []
  const uri = http.uri ?? ''
  const current = http.oidcToken
  const accepted = t.audiences
  const effectiveAudience = current ? current.audience || uri : undefined
  let audience: string
  if (s.audience) audience = s.audience
  else if (current && effectiveAudience && accepted.includes(effectiveAudience)) audience = current.audience ?? ''
  else audience = auth.defaultAudience(t, uri, current?.audience)
  // The one command that repairs the token, whichever of its fields is wrong.
  const fix = invoker ? schedulerRemedies.setOidc(jobRef(jobName), invoker, audience) : undefined

  if (current) checks.push(ok('job.token', 'Token type', 'OIDC token'))
  else if (http.oauthToken)
    checks.push({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'OAuth token',
      expected: 'OIDC token',
      fixedBy: 'job.oidc',
      ...withCommand('Functions and Cloud Run reject OAuth access tokens (401).', fix)
    })
  else
    checks.push({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'no token',
      expected: 'OIDC token',
      fixedBy: 'job.oidc',
      ...withCommand('Without a token the target answers 403.', fix)
    })

  checks.push(accountCheck(current?.serviceAccountEmail, invoker, fix, 'job.oidc', 'OIDC'))

  // Audience: what the token would carry today vs what the target accepts.
  // An empty audience means the URI: judge what the token would really carry.
  const wantedAudience = s.audience ?? (audience || uri)
  const audienceAcceptable = accepted.includes(wantedAudience) || (s.audience !== undefined && auth.acceptsCustom(t, s.audience))
  if (!audienceAcceptable) {
    const why = auth.audienceRule(t)
    checks.push({
      id: 'job.audience',
      title: 'OIDC audience',
      severity: 'error',
      found: wantedAudience,
      expected: accepted[0] ?? '',
      blocker: true,
      remedy: `The 'audience' input will be rejected (401): ${why}. Remove the input or set it to ${accepted[0]}.`
    })
  } else if (current && (current.audience ?? '') === audience) {
    checks.push(ok('job.audience', 'OIDC audience', current.audience || `(empty: the URI ${uri})`, audience || uri))
  } else if (current) {
    const found = current.audience || `(empty: defaults to the URI ${uri})`
    const why = current.audience || !accepted.includes(uri) ? auth.audienceHint : 'set explicitly'
    checks.push({
      id: 'job.audience',
      title: 'OIDC audience',
      severity: 'error',
      found,
      expected: audience,
      fixedBy: 'job.oidc',
      ...withCommand(`${why} (401 otherwise).`, fix)
    })
  } else {
    checks.push({ id: 'job.audience', title: 'OIDC audience', severity: 'error', found: 'none (no OIDC token)', expected: audience, fixedBy: 'job.oidc' })
  }

  const oidc =
    invoker && audienceAcceptable && (current?.serviceAccountEmail !== invoker || (current?.audience ?? '') !== audience || !current)
      ? { serviceAccountEmail: invoker, audience }
      : undefined

  return { checks, change: oidc && { kind: 'job.oidc', after: oidc }, audience: audience || uri }
}

/** Google APIs (Cloud Run jobs, Workflows): an OAuth access token for the invoker account, a scope that covers the API, a POST. */
function oauthChecks(jobName: string, http: HttpTarget, invoker: string | undefined): TokenChecks {
  const checks: Check[] = []
  const current = http.oauthToken
  const fix = invoker ? schedulerRemedies.setOauth(jobRef(jobName), invoker, CLOUD_PLATFORM) : undefined
  if (current) checks.push(ok('job.token', 'Token type', 'OAuth token'))
  else
    checks.push({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: http.oidcToken ? 'OIDC token' : 'no token',
      expected: 'OAuth token',
      fixedBy: 'job.oauth',
      ...withCommand(`${http.oidcToken ? 'Google APIs reject OIDC ID tokens' : 'Without a token Google APIs answer'} (401).`, fix)
    })
  checks.push(accountCheck(current?.serviceAccountEmail, invoker, fix, 'job.oauth', 'OAuth'))
  const scope = current?.scope ?? ''
  const scopeOk = !current || scope === '' || scope === CLOUD_PLATFORM
  if (!current)
    checks.push({ id: 'job.scope', title: 'OAuth scope', severity: 'error', found: 'none (no OAuth token)', expected: CLOUD_PLATFORM, fixedBy: 'job.oauth' })
  else if (scopeOk) checks.push(ok('job.scope', 'OAuth scope', scope || `(empty: ${CLOUD_PLATFORM})`, CLOUD_PLATFORM))
  else
    checks.push({
      id: 'job.scope',
      title: 'OAuth scope',
      severity: 'error',
      found: scope,
      expected: CLOUD_PLATFORM,
      fixedBy: 'job.oauth',
      ...withCommand(`A token without ${CLOUD_PLATFORM} is refused (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT).`, fix)
    })
  const method = http.httpMethod ?? 'POST'
  if (method === 'POST') checks.push(ok('job.method', 'HTTP method', method))
  else
    checks.push({
      id: 'job.method',
      title: 'HTTP method',
      severity: 'error',
      found: method,
      expected: 'POST',
      blocker: true,
      ...withCommand(
        'The API starts an execution only on POST; the action writes only token fields, so change the method yourself:',
        schedulerRemedies.setMethod(jobRef(jobName), 'POST')
      )
    })
  const needsChange = invoker && (!current || current.serviceAccountEmail !== invoker || !scopeOk)
  // A scope that already covers the API is kept: only what is wrong is written.
  const after = { serviceAccountEmail: invoker ?? '', scope: current && scopeOk ? scope : CLOUD_PLATFORM }
  return { checks, change: needsChange ? { kind: 'job.oauth', after } : undefined }
}

/** Whether `member` can invoke `t`, and if not, why not in terms a person recognises. */
function invokerCheck(t: Target, access: Access, member: string, observed: Observed): Check {
  const { projectPolicy } = observed
  const projectNumber = observed.project.number
  const { ancestors } = observed.hierarchy
  const { role } = access
  const title = 'Invoker role'
  const expected = `${role} for ${member} on ${t.bindingResource}${access.why ? ` (${access.why})` : ''}`
  if (t.invokerIamDisabled) return ok('iam.invoker', title, 'invoker IAM check disabled (public service)', expected)
  // The first role that grants the permission, held unconditionally by `member`.
  const held = (policy: Policy | undefined, who: string): string | undefined => access.roles.find(r => holders(policy, r).has(who))
  const onResource = holders(t.policy, role)
  if (onResource.has('allUsers')) return ok('iam.invoker', title, `${role} granted to allUsers (public)`, expected)
  const here = held(t.policy, member)
  if (here) return ok('iam.invoker', title, `${here} on the ${t.kind.bindingNoun}`, expected)
  const inherited = held(projectPolicy, member)
  if (inherited) return ok('iam.invoker', title, `${inherited} on the project (inherited)`, expected)
  for (const a of ancestors) {
    const above = held(a.policy, member)
    if (above) return ok('iam.invoker', title, `${above} on ${a.resource} (inherited)`, expected)
  }

  // Explain the near misses the classic manual fix produces.
  const notes: string[] = []
  const agent = `serviceAccount:${schedulerServiceAgent(projectNumber)}`
  if (onResource.has(agent) || holders(projectPolicy, role).has(agent))
    notes.push(`${role} held by the Cloud Scheduler service agent, which is not the account the job's token is signed as`)
  if (conditionalHolders(t.policy, role).has(member)) notes.push(`${role} only in a conditional binding`)
  const other = [...onResource].filter(m => m !== member && m !== agent)
  // Service accounts are what a job can sign as; people and groups are not named (reports of public repositories are public).
  const accounts = other.filter(m => m.startsWith('serviceAccount:'))
  const unnamed = other.length - accounts.length
  if (other.length)
    notes.push(`${role} held by ${[...accounts, ...(unnamed ? [`${unnamed} other member(s) (users, groups: not listed)`] : [])].join(', ')} only`)
  notes.push(...t.kind.nearMisses(t, member))
  // A recreated account keeps its email but not its bindings: the old ones now read deleted:…?uid=….
  const deleted = [t.policy, projectPolicy, ...ancestors.map(a => a.policy)].flatMap(p => deletedHolders(p, access.roles, member))
  if (deleted.length)
    notes.unshift(
      `bound only as ${[...new Set(deleted)].join(', ')}: the account was deleted and recreated, and a recreated account does not inherit the old one's bindings (fix grants the live account and removes nothing)`
    )
  const unseen = ancestors.filter(a => a.unreadable).map(a => a.resource)
  if (unseen.length) notes.push(`${notes.length ? '' : 'missing; '}not seen: a grant on ${unseen.join(', ')} (policy not readable)`)
  return {
    id: 'iam.invoker',
    title,
    severity: 'error',
    found: notes.length ? notes.join('; ') : 'missing',
    expected,
    fixedBy: 'iam.invoker',
    ...withCommand('Without it the target answers 403.', t.kind.grantCommand(t, member, role))
  }
}

function serviceAgentCheck(observed: Observed): Check {
  const agent = `serviceAccount:${schedulerServiceAgent(observed.project.number)}`
  const expected = `${SERVICE_AGENT_ROLE} for ${agent} on projects/${observed.project.id}`
  if (holders(observed.projectPolicy, SERVICE_AGENT_ROLE).has(agent))
    return ok('iam.service_agent', 'Scheduler service agent', `${SERVICE_AGENT_ROLE} on the project`, expected)
  const above = observed.hierarchy.ancestors.find(a => holders(a.policy, SERVICE_AGENT_ROLE).has(agent))
  if (above) return ok('iam.service_agent', 'Scheduler service agent', `${SERVICE_AGENT_ROLE} on ${above.resource} (inherited)`, expected)
  return {
    id: 'iam.service_agent',
    title: 'Scheduler service agent',
    severity: 'error',
    found: 'missing',
    expected,
    fixedBy: 'iam.service_agent',
    ...withCommand(
      'Without it Cloud Scheduler cannot mint OIDC tokens for any job.',
      schedulerRemedies.grantOnProject(observed.project.id, agent, SERVICE_AGENT_ROLE)
    )
  }
}

/** The change with what the job holds today as `before`. */
function tokenChange(o: ObservedJob, t: TokenIntent): TokenChange {
  const http = o.job?.httpTarget
  if (t.kind === 'job.oidc') {
    const b = http?.oidcToken
    return {
      job: o.name,
      resource: o.name,
      kind: t.kind,
      before: b ? { serviceAccountEmail: b.serviceAccountEmail ?? null, audience: b.audience ?? null } : null,
      after: t.after
    }
  }
  const b = http?.oauthToken
  return {
    job: o.name,
    resource: o.name,
    kind: t.kind,
    before: b ? { serviceAccountEmail: b.serviceAccountEmail ?? null, scope: b.scope ?? null } : null,
    after: t.after
  }
}

export function plan(observed: Observed, s: Settings): Plan {
  const jobs: JobPlan[] = []
  const changes: Change[] = []
  const granted = new Set<string>()

  const agentCheck = s.checkServiceAgent ? serviceAgentCheck(observed) : undefined
  for (const o of observed.jobs) {
    const r = planJob(o, observed, s)
    if (agentCheck && o.job?.httpTarget && r.plan.target) r.plan.checks.push(agentCheck)
    jobs.push(r.plan)
    if (r.token) changes.push(tokenChange(o, r.token))
    if (r.grant) {
      const { t, role, member } = r.grant
      // A shared target gets one change per member, attributed to the first job that needs it.
      const key = `${t.bindingResource} ${role} ${member}`
      if (!granted.has(key)) {
        granted.add(key)
        changes.push({ job: o.name, resource: t.bindingResource, kind: 'iam.invoker', before: null, after: { role, member } })
      }
    }
  }
  const firstHttpJob = jobs.find(j => j.target)
  if (agentCheck?.fixedBy && firstHttpJob) {
    const member = `serviceAccount:${schedulerServiceAgent(observed.project.number)}`
    changes.push({
      job: firstHttpJob.job,
      resource: `projects/${observed.project.id}`,
      kind: 'iam.service_agent',
      before: null,
      after: { role: SERVICE_AGENT_ROLE, member }
    })
  }
  const unread = Object.entries(observed.accounts)
    .filter(([, r]) => r.unreadable)
    .map(([email, r]) => `Service account ${email} was not read (${r.unreadable}): whether it exists and is enabled is not checked.`)
  return { jobs, changes, notes: [...observed.hierarchy.notes, ...unread] }
}

/** Members bound to one of `roles` as the deleted predecessor of `member` (`deleted:serviceAccount:SA?uid=N`). */
function deletedHolders(policy: Policy | undefined, roles: string[], member: string): string[] {
  const prefix = `deleted:${member.toLowerCase()}?uid=`
  return roles.flatMap(r => [...holders(policy, r)].filter(m => m.toLowerCase().startsWith(prefix)))
}

/** Whether a job has anything that fails the run outright. */
export const hasBlocker = (j: JobPlan): boolean => j.checks.some(c => c.severity === 'error' && c.blocker)
/** Whether a job has drift that fix mode would repair. */
export const hasDrift = (j: JobPlan): boolean => j.checks.some(c => c.severity === 'error' && c.fixedBy)
