/**
 * The planner: observed state in, checks and one list of intended changes out, no I/O. Verify
 * mode is this plan with no writer; fix mode hands its changes to apply.ts.
 */
import type { Job, Policy } from '../google/types'
import { googleApiHost, projectOfServiceAccount, schedulerServiceAgent, splitName } from '../names'
import { conditionalHolders, holders } from '../policy'
import { schedulerRemedies } from '../remedies'
import type { Settings } from '../settings'
import { fromUri, TARGET_INPUTS, type Target } from '../targets'
import type { Observed, ObservedJob } from './observe'

export type CheckId =
  | 'job.read'
  | 'job.type'
  | 'job.state'
  | 'job.uri'
  | 'target.ingress'
  | 'job.token'
  | 'job.service_account'
  | 'job.audience'
  | 'iam.invoker'
  | 'iam.service_agent'

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
  /** Fix mode cannot repair it; it fails the run. */
  blocker?: boolean
  /** Fix mode repairs it with this change kind. */
  fixedBy?: ChangeKind
}

export type ChangeKind = 'job.oidc' | 'iam.invoker' | 'iam.service_agent'

export interface OidcSettings {
  serviceAccountEmail: string | null
  audience: string | null
}

/** One entry of the `changes` output (contract: `{job, resource, kind, before, after}`). */
export type Change =
  | { job: string; resource: string; kind: 'job.oidc'; before: OidcSettings | null; after: { serviceAccountEmail: string; audience: string } }
  | { job: string; resource: string; kind: 'iam.invoker' | 'iam.service_agent'; before: null; after: { role: string; member: string } }

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
}

export const SERVICE_AGENT_ROLE = 'roles/cloudscheduler.serviceAgent'
const ok = (id: CheckId, title: string, found: string, expected = found): Check => ({ id, title, severity: 'ok', found, expected })

/**
 * Internal ingress admits Cloud Scheduler from the target's own project or VPC Service Controls
 * perimeter (Google's ingress pages for Cloud Run and for functions), so it turns away only a job
 * in another project; ingress NONE turns away everything.
 */
const INTERNAL_INGRESS = ['ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB', 'INGRESS_TRAFFIC_INTERNAL_ONLY', 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER']

const jobRef = (name: string) => splitName(name)

/** Plans one job: every check, and the patch it needs if any. */
function planJob(
  o: ObservedJob,
  observed: Observed,
  s: Settings
): { plan: JobPlan; oidc?: { serviceAccountEmail: string; audience: string }; grant?: { t: Target; member: string } } {
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
      remedy: `Check the job id and location (${schedulerRemedies.list(s.project, s.location)}), and that the caller has roles/cloudscheduler.viewer.`
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
      remedy: `The job's last update did not apply; re-apply its configuration with gcloud scheduler jobs update http, or recreate it. Its current configuration: ${schedulerRemedies.describe(jobRef(o.name))}`
    })
  else
    checks.push({
      id: 'job.state',
      title: 'Job state',
      severity: 'warning',
      found: state,
      expected: 'ENABLED',
      remedy: `The job will not run on schedule until resumed: ${schedulerRemedies.resume(jobRef(o.name))}`
    })

  const uri = http.uri ?? ''
  const apiHost = fromUri(uri) ? undefined : googleApiHost(uri)
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
        remedy: schedulerRemedies.setOauth(jobRef(o.name), http.oidcToken.serviceAccountEmail ?? 'SA_EMAIL')
      })
    } else {
      checks.push(ok('job.token', 'Token type', http.oauthToken ? 'OAuth token' : 'none', 'OAuth token (Google API target; out of scope beyond this check)'))
    }
    return { plan }
  }

  const t = o.target ? observed.targets[o.target] : undefined
  if (!t && s.jobs.kind === 'all' && !fromUri(uri) && URL.canParse(uri) && !o.targetError) {
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
      remedy: `The job calls something else (another function, service or region). Point it at the target: ${schedulerRemedies.setUri(jobRef(o.name), alt)}`
    })
    // Its token and grants would be judged, and repaired, against a target it does not call:
    // fix mode would rewrite a working job's audience and grant a role nobody needs.
    return { plan }
  }

  const jobProject = splitName(o.name).project
  const targetProject = splitName(t.bindingResource).project
  const internal = !!t.ingress && INTERNAL_INGRESS.includes(t.ingress)
  if (t.ingress === 'INGRESS_TRAFFIC_NONE' || (internal && jobProject !== targetProject)) {
    checks.push({
      id: 'target.ingress',
      title: 'Ingress',
      severity: 'error',
      found: internal ? `${t.ingress} (the job is in project ${jobProject}, the target in ${targetProject})` : t.ingress!,
      expected: internal ? `the job in ${targetProject}, or all ingress` : 'INGRESS_TRAFFIC_ALL', // NONE exists only on Cloud Run
      blocker: true,
      remedy: internal
        ? `Internal ingress admits Cloud Scheduler only from ${targetProject} (or a VPC Service Controls perimeter holding both projects). Create the job in ${targetProject}, or allow all ingress and keep IAM as the gate: ${t.kind.openIngressCommand(t)}`
        : `The service accepts no traffic at all. Allow ingress (IAM stays the gate): ${t.kind.openIngressCommand(t)}`
    })
  } else checks.push(ok('target.ingress', 'Ingress', internal ? `${t.ingress} (admits Cloud Scheduler from ${targetProject})` : (t.ingress ?? 'all')))

  // Invoker account: the input, else the job's current token account.
  const current = http.oidcToken
  const invoker = s.invokerServiceAccount ?? current?.serviceAccountEmail ?? http.oauthToken?.serviceAccountEmail
  const accepted = t.audiences
  const effectiveAudience = current ? current.audience || uri : undefined
  let audience: string
  if (s.audience) audience = s.audience
  else if (current && effectiveAudience && accepted.includes(effectiveAudience)) audience = current.audience ?? ''
  else audience = t.kind.defaultAudience(t, uri, current?.audience)
  plan.audience = audience || uri
  plan.invoker = invoker

  if (current) checks.push(ok('job.token', 'Token type', 'OIDC token'))
  else if (http.oauthToken)
    checks.push({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'OAuth token',
      expected: 'OIDC token',
      fixedBy: 'job.oidc',
      remedy: `Functions and Cloud Run reject OAuth access tokens (401). ${invoker ? schedulerRemedies.setOidc(jobRef(o.name), invoker, audience) : ''}`.trim()
    })
  else
    checks.push({
      id: 'job.token',
      title: 'Token type',
      severity: 'error',
      found: 'no token',
      expected: 'OIDC token',
      fixedBy: 'job.oidc',
      remedy: `Without a token the target answers 403. ${invoker ? schedulerRemedies.setOidc(jobRef(o.name), invoker, audience) : ''}`.trim()
    })

  if (!invoker) {
    checks.push({
      id: 'job.service_account',
      title: 'Invoker account',
      severity: 'error',
      found: 'none',
      expected: 'a service account',
      blocker: true,
      remedy: "The job has no token account: set 'invoker_service_account' to the account the job should sign its OIDC token as."
    })
  } else {
    // Scheduler's API reference: "The service account must be within the same project as the job."
    const invokerProject = projectOfServiceAccount(invoker)
    const otherProject =
      invokerProject && invokerProject !== jobProject
        ? ` Google documents that a job's OIDC account must be in the job's project (${jobProject}), and ${invoker} is in ${invokerProject}: if the test run fails, use an account of ${jobProject}.`
        : ''
    if (current?.serviceAccountEmail !== invoker)
      checks.push({
        id: 'job.service_account',
        title: 'Invoker account',
        severity: 'error',
        found: current?.serviceAccountEmail ?? 'none',
        expected: invoker,
        fixedBy: 'job.oidc',
        remedy: schedulerRemedies.setOidc(jobRef(o.name), invoker, audience) + otherProject
      })
    else if (otherProject)
      checks.push({
        id: 'job.service_account',
        title: 'Invoker account',
        severity: 'warning',
        found: invoker,
        expected: `a service account of ${jobProject}`,
        remedy: otherProject.trim()
      })
    else checks.push(ok('job.service_account', 'Invoker account', invoker))
  }

  // Audience: what the token would carry today vs what the target accepts.
  // An empty audience means the URI: judge what the token would really carry.
  const wantedAudience = s.audience ?? (audience || uri)
  const audienceAcceptable = accepted.includes(wantedAudience) || (s.audience !== undefined && t.kind.acceptsCustom(t, s.audience))
  if (!audienceAcceptable) {
    const why = t.kind.audienceRule(t)
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
    const why = current.audience || !accepted.includes(uri) ? t.kind.audienceHint : 'set explicitly'
    checks.push({
      id: 'job.audience',
      title: 'OIDC audience',
      severity: 'error',
      found,
      expected: audience,
      fixedBy: 'job.oidc',
      remedy: `${why} (401 otherwise). ${invoker ? schedulerRemedies.setOidc(jobRef(o.name), invoker, audience) : ''}`.trim()
    })
  } else {
    checks.push({ id: 'job.audience', title: 'OIDC audience', severity: 'error', found: 'none (no OIDC token)', expected: audience, fixedBy: 'job.oidc' })
  }

  const oidc =
    invoker && audienceAcceptable && (current?.serviceAccountEmail !== invoker || (current?.audience ?? '') !== audience || !current)
      ? { serviceAccountEmail: invoker, audience }
      : undefined

  let grant: { t: Target; member: string } | undefined
  if (invoker) {
    const member = `serviceAccount:${invoker}`
    const check = invokerCheck(t, member, observed.projectPolicy, observed.project.number)
    checks.push(check)
    if (check.fixedBy) grant = { t, member }
  }
  return { plan, oidc, grant }
}

/** Whether `member` can invoke `t`, and if not, why not in terms a person recognises. */
function invokerCheck(t: Target, member: string, projectPolicy: Policy, projectNumber: string): Check {
  const role = t.kind.role
  const title = 'Invoker role'
  const expected = `${role} for ${member} on ${t.bindingResource}`
  if (t.invokerIamDisabled) return ok('iam.invoker', title, 'invoker IAM check disabled (public service)', expected)
  const onResource = holders(t.policy, role)
  if (onResource.has('allUsers')) return ok('iam.invoker', title, `${role} granted to allUsers (public)`, expected)
  if (onResource.has(member)) return ok('iam.invoker', title, `${role} on the ${t.kind.bindingNoun}`, expected)
  if (holders(projectPolicy, role).has(member)) return ok('iam.invoker', title, `${role} on the project (inherited)`, expected)

  // Explain the near misses the classic manual fix produces.
  const notes: string[] = []
  const agent = `serviceAccount:${schedulerServiceAgent(projectNumber)}`
  if (onResource.has(agent) || holders(projectPolicy, role).has(agent))
    notes.push(`${role} held by the Cloud Scheduler service agent, which is not the account the job's token is signed as`)
  if (conditionalHolders(t.policy, role).has(member)) notes.push(`${role} only in a conditional binding`)
  const other = [...onResource].filter(m => m !== member && m !== agent)
  if (other.length) notes.push(`${role} held by ${other.join(', ')} only`)
  notes.push(...t.kind.nearMisses(t, member))
  return {
    id: 'iam.invoker',
    title,
    severity: 'error',
    found: notes.length ? notes.join('; ') : 'missing',
    expected,
    fixedBy: 'iam.invoker',
    remedy: `Without it the target answers 403. ${t.kind.grantCommand(t, member)}`
  }
}

function serviceAgentCheck(observed: Observed): Check {
  const agent = `serviceAccount:${schedulerServiceAgent(observed.project.number)}`
  const expected = `${SERVICE_AGENT_ROLE} for ${agent} on projects/${observed.project.id}`
  if (holders(observed.projectPolicy, SERVICE_AGENT_ROLE).has(agent))
    return ok('iam.service_agent', 'Scheduler service agent', `${SERVICE_AGENT_ROLE} on the project`, expected)
  return {
    id: 'iam.service_agent',
    title: 'Scheduler service agent',
    severity: 'error',
    found: 'missing',
    expected,
    fixedBy: 'iam.service_agent',
    remedy: `Without it Cloud Scheduler cannot mint OIDC tokens for any job. ${schedulerRemedies.grantOnProject(observed.project.id, agent, SERVICE_AGENT_ROLE)}`
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
    if (r.oidc) {
      const before = o.job?.httpTarget?.oidcToken
      changes.push({
        job: o.name,
        resource: o.name,
        kind: 'job.oidc',
        before: before ? { serviceAccountEmail: before.serviceAccountEmail ?? null, audience: before.audience ?? null } : null,
        after: r.oidc
      })
    }
    if (r.grant) {
      const { t, member } = r.grant
      // A shared target gets one change per member, attributed to the first job that needs it.
      const key = `${t.bindingResource} ${t.kind.role} ${member}`
      if (!granted.has(key)) {
        granted.add(key)
        changes.push({ job: o.name, resource: t.bindingResource, kind: 'iam.invoker', before: null, after: { role: t.kind.role, member } })
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
  return { jobs, changes }
}

/** Whether a job has anything that fails the run outright. */
export const hasBlocker = (j: JobPlan): boolean => j.checks.some(c => c.severity === 'error' && c.blocker)
/** Whether a job has drift that fix mode would repair. */
export const hasDrift = (j: JobPlan): boolean => j.checks.some(c => c.severity === 'error' && c.fixedBy)
