/**
 * Reads everything the plan needs — jobs, targets, their policies, the project — with
 * independent reads in parallel and each target read once however many jobs share it.
 */
import type { GoogleClients } from './google/clients'
import { ApiError } from './google/http'
import type { CloudFunction, Job, Policy, RunService } from './google/types'
import type { WriteScope } from './apply'
import type { Settings } from './inputs'
import { classifyUri, functionName, jobName, locationName, originOf, serviceName, splitName } from './names'

export type TargetKind = 'gen1' | 'gen2' | 'service'
export type InvokerRole = 'roles/cloudfunctions.invoker' | 'roles/run.invoker'

export interface TargetState {
  kind: TargetKind
  /** The function or service a person would name. */
  name: string
  /** Where the invoker binding belongs: the gen 1 function, else the Cloud Run service. */
  invokeResource: string
  invokerRole: InvokerRole
  /** `https://REGION-PROJECT.cloudfunctions.net/NAME` for functions. */
  functionUrl?: string
  /** The Cloud Run service's `uri` and `urls`. */
  serviceUrls: string[]
  customAudiences: string[]
  /** Raw ingress setting of the function (gen 1) or service. */
  ingress?: string
  invokerIamDisabled: boolean
  policy: Policy
  /** A gen 2 function's own policy: read only to explain a grant that landed there by mistake. */
  functionPolicy?: Policy
}

export interface ObservedJob {
  name: string
  job?: Job
  /** Why the job could not be read. */
  error?: string
  /**
   * Key into `targets`: the target's own name. A gen 2 function and its Cloud Run service are two
   * targets (one per URL form a job may call) that share one invokeResource and policy.
   */
  target?: string
  /** Why its target could not be resolved. */
  targetError?: string
}

export interface Observed {
  project: { id: string; number: string }
  projectPolicy: Policy
  jobs: ObservedJob[]
  targets: Record<string, TargetState>
  /** The target named by `function`/`service`, when given. */
  explicitTarget?: string
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Told of each resource fix mode might write, as soon as it is known, so its permission test
 * can run alongside the reads (see PermissionProbe).
 */
export type OnWritable = (scope: WriteScope, resource: string) => void
const ignore: OnWritable = () => {}

/** Beyond this many named jobs, listing the region's targets costs less than reading each. */
const LIST_THRESHOLD = 5

function fromService(svc: RunService, policy: Policy): TargetState {
  return {
    kind: 'service',
    name: svc.name,
    invokeResource: svc.name,
    invokerRole: 'roles/run.invoker',
    serviceUrls: [...new Set([svc.uri, ...(svc.urls ?? [])].filter((u): u is string => !!u))],
    customAudiences: svc.customAudiences ?? [],
    ingress: svc.ingress,
    invokerIamDisabled: svc.invokerIamDisabled === true,
    policy
  }
}

/**
 * Reads targets, each once however many jobs share it. An audit of a whole location lists the
 * region's functions and services once, alongside the jobs, instead of reading each target.
 */
class TargetReader {
  private readonly byName = new Map<string, Promise<TargetState>>()
  private services?: Promise<RunService[]>
  private functions?: Promise<CloudFunction[]>
  private readonly parent: string

  constructor(
    private readonly g: GoogleClients,
    settings: Settings,
    private readonly onWritable: OnWritable
  ) {
    this.parent = locationName(settings.project, settings.region)
  }

  /** Starts the region's listings now, so they run in parallel with the jobs listing. */
  listRegion(): void {
    this.services ??= this.g.run.listServices(this.parent)
    this.functions ??= this.g.functions.listFunctions(this.parent)
    // Awaited later; a failed listing falls back to reading each target.
    this.services.catch(() => undefined)
    this.functions.catch(() => undefined)
  }

  function(name: string): Promise<TargetState> {
    return this.memo(name, () => this.readFunction(name))
  }

  service(name: string): Promise<TargetState> {
    return this.memo(name, async () => {
      this.onWritable('run', name)
      const [svc, policy] = await Promise.all([this.getService(name), this.g.run.iam.getIamPolicy(name)])
      return fromService(svc, policy)
    })
  }

  /** The Cloud Run service behind a `*.run.app` origin: one listing of the region serves every job. */
  async serviceByOrigin(origin: string): Promise<TargetState> {
    this.services ??= this.g.run.listServices(this.parent)
    const svc = (await this.services).find(s => [s.uri, ...(s.urls ?? [])].some(u => u && originOf(u) === origin))
    if (!svc) throw new Error(`no Cloud Run service in ${this.parent} serves ${origin}; set 'service' (or 'region') to the service the job calls`)
    return this.service(svc.name)
  }

  private async listed<T extends { name: string }>(list: Promise<T[]> | undefined, name: string): Promise<T | undefined> {
    if (!list || !name.startsWith(`${this.parent}/`)) return undefined
    return (await list.catch(() => [] as T[])).find(x => x.name === name)
  }

  private async getService(name: string): Promise<RunService> {
    return (await this.listed(this.services, name)) ?? this.g.run.getService(name)
  }

  /** A function and what invoking it depends on (for gen 2, its Cloud Run service). */
  private async readFunction(name: string): Promise<TargetState> {
    const fn: CloudFunction = (await this.listed(this.functions, name)) ?? (await this.g.functions.getFunction(name))
    const { project, location, id } = splitName(name)
    const functionUrl = fn.url ?? `https://${location}-${project}.cloudfunctions.net/${id}`
    if (fn.environment === 'GEN_2') {
      const serviceRef = fn.serviceConfig?.service
      if (!serviceRef) throw new Error(`Function ${name} is gen 2 but names no Cloud Run service (serviceConfig.service); is it still deploying?`)
      const service = serviceRef.startsWith('projects/') ? serviceRef : `projects/${project}/locations/${location}/services/${serviceRef}`
      // Through the service memo: a job calling the function's run.app URL shares the one read of the service and its policy.
      const [base, functionPolicy] = await Promise.all([
        this.service(service),
        // Read only to explain a grant that landed on the function by mistake.
        this.g.functions.gen2Iam.getIamPolicy(name).catch(() => undefined)
      ])
      return { ...base, kind: 'gen2', name, functionUrl, functionPolicy, ingress: base.ingress ?? fn.serviceConfig?.ingressSettings }
    }
    this.onWritable('gen1', name)
    const policy = await this.g.functions.gen1Iam.getIamPolicy(name)
    return {
      kind: 'gen1',
      name,
      invokeResource: name,
      invokerRole: 'roles/cloudfunctions.invoker',
      functionUrl,
      serviceUrls: [],
      customAudiences: [],
      ingress: fn.serviceConfig?.ingressSettings,
      invokerIamDisabled: false,
      policy
    }
  }

  private memo(name: string, read: () => Promise<TargetState>): Promise<TargetState> {
    let p = this.byName.get(name)
    if (!p) {
      p = read()
      this.byName.set(name, p)
    }
    return p
  }
}

/** Which jobs to act on, read or listed. */
async function readJobs(g: GoogleClients, s: Settings, onWritable: OnWritable): Promise<ObservedJob[]> {
  const seen = (job: Job): Job => {
    const account = s.invokerServiceAccount ?? job.httpTarget?.oidcToken?.serviceAccountEmail ?? job.httpTarget?.oauthToken?.serviceAccountEmail
    if (account) onWritable('serviceAccount', account)
    return job
  }
  if (s.jobs.kind === 'named') {
    return Promise.all(
      s.jobs.ids.map(async id => {
        const name = jobName({ project: s.project, location: s.location, id })
        try {
          return { name, job: seen(await g.scheduler.getJob(name)) }
        } catch (e) {
          return { name, error: message(e) }
        }
      })
    )
  }
  const jobs = await g.scheduler.listJobs(locationName(s.project, s.location))
  // `*` audits HTTP jobs; Pub/Sub and App Engine targets have no OIDC to check.
  return jobs.filter(j => j.httpTarget).map(job => ({ name: job.name, job: seen(job) }))
}

export async function observe(g: GoogleClients, s: Settings, onWritable: OnWritable = ignore): Promise<Observed> {
  onWritable('project', `projects/${s.project}`)
  if (s.invokerServiceAccount) onWritable('serviceAccount', s.invokerServiceAccount)
  const reader = new TargetReader(g, s, onWritable)
  if (s.jobs.kind !== 'named' || s.jobs.ids.length > LIST_THRESHOLD) reader.listRegion()
  const explicitName = s.target && (s.target.kind === 'function' ? functionName : serviceName)({ project: s.project, region: s.region, id: s.target.id })
  const explicit = explicitName ? (s.target!.kind === 'function' ? reader.function(explicitName) : reader.service(explicitName)) : undefined
  // Surface a failed explicit read once, below, not as an unhandled rejection while jobs load.
  explicit?.catch(() => undefined)

  const [project, projectPolicy, jobs] = await Promise.all([
    g.projects.getProject(s.project),
    g.projects.iam.getIamPolicy(`projects/${s.project}`),
    readJobs(g, s, onWritable)
  ])

  const targets: Record<string, TargetState> = {}
  let explicitTarget: string | undefined
  if (explicit) {
    const t = await explicit.catch((e: unknown) => {
      const hint = e instanceof ApiError && e.httpStatus === 404 ? ` Check the '${s.target!.kind}' and 'region' inputs (${s.target!.id} in ${s.region}).` : ''
      throw new Error(`${message(e)}${hint}`)
    })
    targets[t.name] = t
    explicitTarget = t.name
  }

  const resolved = await Promise.all(
    jobs.map(async (o): Promise<ObservedJob> => {
      if (!o.job?.httpTarget) return o
      if (explicitTarget) return { ...o, target: explicitTarget }
      const uri = classifyUri(o.job.httpTarget.uri ?? '')
      try {
        let t: TargetState
        if (uri?.kind === 'function') t = await reader.function(functionName({ project: uri.project, region: uri.region, id: uri.id }))
        else if (uri?.kind === 'run') t = await reader.serviceByOrigin(uri.origin)
        else return o // Google APIs and other hosts: the plan explains them
        targets[t.name] = t
        return { ...o, target: t.name }
      } catch (e) {
        return {
          ...o,
          targetError: e instanceof ApiError && e.httpStatus === 404 ? `${message(e)} (the job's URI names a target that does not exist)` : message(e)
        }
      }
    })
  )

  // With only `function`/`service` given, the jobs are those that call it.
  const selected =
    s.jobs.kind === 'targeting' && explicitTarget
      ? resolved.filter(o => o.job?.httpTarget && uriTargets(o.job.httpTarget.uri ?? '', targets[explicitTarget]))
      : resolved

  return { project: { id: project.projectId ?? s.project, number: String(project.projectNumber) }, projectPolicy, jobs: selected, targets, explicitTarget }
}

/** Whether a job URI calls this target (its function URL, or one of its service's origins). */
export function uriTargets(uri: string, t: TargetState): boolean {
  const c = classifyUri(uri)
  if (!c) return false
  if (c.kind === 'function') return !!t.functionUrl && c.functionUrl === t.functionUrl
  if (c.kind === 'run') return t.serviceUrls.some(u => originOf(u) === c.origin)
  return false
}

/** Every policy observe read, by resource: the starting point of fix mode's read-modify-writes. */
export function knownPolicies(o: Observed): Record<string, Policy> {
  return Object.fromEntries([
    ...Object.values(o.targets).map(t => [t.invokeResource, t.policy] as const),
    [`projects/${o.project.id}`, o.projectPolicy] as const
  ])
}
