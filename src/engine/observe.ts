/**
 * Reads everything the plan needs — jobs, targets, their policies, the project — with
 * independent reads in parallel and each target read once however many jobs share it.
 */
import type { GoogleClients, IamApi } from '../google/clients'
import { ApiError } from '../google/http'
import type { Job, Policy, ServiceAccount } from '../google/types'
import { googleApiHost, jobName, locationName } from '../names'
import type { Settings } from '../settings'
import { fromUri, locatorFor, readContext, startListings, type Target, type Writable } from '../targets'
import { byDomainMapping } from '../targets/service'
import { readHierarchy, type Hierarchy } from './hierarchy'

export interface ObservedJob {
  name: string
  job?: Job
  /** Why the job could not be read. */
  error?: string
  /**
   * Key into `targets`: the target's own name. A gen 2 function and its Cloud Run service are two
   * targets (one per URL form a job may call) that share one binding resource and policy.
   */
  target?: string
  /** Why its target could not be resolved. */
  targetError?: string
}

export interface Observed {
  project: { id: string; number: string }
  projectPolicy: Policy
  jobs: ObservedJob[]
  targets: Record<string, Target>
  /** The target named by an input (`function`, `service`), when given. */
  explicitTarget?: string
  /** Folders, organization and deny policies above the project, as far as the caller may read them. */
  hierarchy: Hierarchy
  /** Each invoker account as IAM knows it, by email. */
  accounts: Record<string, AccountRead>
}

/** A service account read for its health: there and enabled, gone, or not readable by the caller. */
export interface AccountRead {
  account?: ServiceAccount
  missing?: boolean
  unreadable?: string
}

/** The surfaces whose write permissions fix mode tests: IAM policies, and service accounts (actAs). */
export type PermissionSurface = IamApi | 'serviceAccount'

/**
 * Told of each resource fix mode might write, as soon as it is known, so its permission test
 * can run alongside the reads (see PermissionProbe).
 */
export type OnWritable = (resource: string, surface: PermissionSurface, permissions: string[]) => void
const ignore: OnWritable = () => {}

/** What fix mode may need on the project: patch jobs, grant the Scheduler service agent. */
export const PROJECT_WRITE = { iam: 'cloudresourcemanager.v1', permissions: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'] } as const
export const ACT_AS = 'iam.serviceAccounts.actAs'

/** Beyond this many named jobs, listing the region's targets costs less than reading each. */
const LIST_THRESHOLD = 5

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Each account read once, as soon as a job names it: a deleted or disabled account is a blocker the plan must know of. */
function accountReader(g: GoogleClients): { read: (email: string) => void; all: () => Promise<Record<string, AccountRead>> } {
  const reads = new Map<string, Promise<AccountRead>>()
  return {
    read: email => {
      if (reads.has(email)) return
      reads.set(
        email,
        g.iam.getServiceAccount(email).then(
          account => ({ account }),
          (e: unknown): AccountRead =>
            e instanceof ApiError && e.httpStatus === 404
              ? { missing: true }
              : {
                  unreadable:
                    e instanceof ApiError && e.httpStatus === 403 ? 'the caller lacks iam.serviceAccounts.get (roles/iam.serviceAccountViewer)' : message(e)
                }
        )
      )
    },
    all: async () => Object.fromEntries(await Promise.all([...reads].map(async ([email, r]) => [email, await r] as const)))
  }
}

/** Which jobs to act on, read or listed. */
async function readJobs(g: GoogleClients, s: Settings, onWritable: OnWritable, readAccount: (email: string) => void): Promise<ObservedJob[]> {
  const seen = (job: Job): Job => {
    const account = s.invokerServiceAccount ?? job.httpTarget?.oidcToken?.serviceAccountEmail ?? job.httpTarget?.oauthToken?.serviceAccountEmail
    if (account) {
      onWritable(account, 'serviceAccount', [ACT_AS])
      readAccount(account)
    }
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

/** What the diagnosis adds to the reads: it may finish after them (see observeCore). */
export type Diagnosis = Pick<Observed, 'hierarchy' | 'accounts'>

/** Everything, read: the core and the diagnosis. */
export async function observe(g: GoogleClients, s: Settings, onWritable: OnWritable = ignore): Promise<Observed> {
  const { core, diagnosis } = await observeCore(g, s, onWritable)
  return { ...core, ...(await diagnosis) }
}

/**
 * The reads a plan needs, returned as soon as the jobs and targets are known; the diagnosis
 * (account health, ancestors, deny policies) still in flight. A verify run's test attempt
 * needs none of it, so it need not wait for it: the diagnosis costs that run no round trip.
 * Neither part ever rejects for a diagnosis read: refusals are notes.
 */
export async function observeCore(
  g: GoogleClients,
  s: Settings,
  onWritable: OnWritable = ignore
): Promise<{ core: Omit<Observed, keyof Diagnosis>; diagnosis: Promise<Diagnosis> }> {
  onWritable(`projects/${s.project}`, PROJECT_WRITE.iam, [...PROJECT_WRITE.permissions])
  const accounts = accountReader(g)
  if (s.invokerServiceAccount) {
    onWritable(s.invokerServiceAccount, 'serviceAccount', [ACT_AS])
    accounts.read(s.invokerServiceAccount)
  }
  // Off the critical path: its rounds overlap the jobs' and targets' reads.
  const hierarchy = readHierarchy(g, s.project)
  const ctx = readContext(g, s, (w: Writable) => onWritable(w.resource, w.iam, w.permissions))
  if (s.jobs.kind !== 'named' || s.jobs.ids.length > LIST_THRESHOLD) startListings(ctx)
  const locator = s.target && locatorFor(s.target.input)
  const explicit = locator && locator.read(ctx, locator.fullName({ project: s.project, region: s.region, id: s.target!.id }))
  // Surface a failed explicit read once, below, not as an unhandled rejection while jobs load.
  explicit?.catch(() => undefined)

  const [project, projectPolicy, jobs] = await Promise.all([g.projects.getProject(s.project), ctx.projectPolicy(), readJobs(g, s, onWritable, accounts.read)])

  const targets: Record<string, Target> = {}
  let explicitTarget: string | undefined
  if (explicit) {
    const t = await explicit.catch((e: unknown) => {
      const hint = e instanceof ApiError && e.httpStatus === 404 ? ` Check the '${s.target!.input}' and 'region' inputs (${s.target!.id} in ${s.region}).` : ''
      throw new Error(`${message(e)}${hint}`)
    })
    targets[t.name] = t
    explicitTarget = t.name
  }

  const resolved = await Promise.all(
    jobs.map(async (o): Promise<ObservedJob> => {
      if (!o.job?.httpTarget) return o
      if (explicitTarget) return { ...o, target: explicitTarget }
      const uri = o.job.httpTarget.uri ?? ''
      // A host no kind recognises may be a custom domain mapped to a Cloud Run service.
      const known = fromUri(uri, s.universe)
      const read = known ?? (googleApiHost(uri, s.universe) ? undefined : byDomainMapping(uri))
      if (!read) return o // Google APIs and unparsable URIs: the plan explains them
      try {
        const t = await read(ctx)
        if (!t) return o // no mapping either: a host outside Google Cloud
        targets[t.name] = t
        return { ...o, target: t.name }
      } catch (e) {
        // An audit meets webhooks outside Google Cloud: an unreadable mapping list leaves them what they are.
        if (!known && s.jobs.kind === 'all') return o
        return {
          ...o,
          targetError: e instanceof ApiError && e.httpStatus === 404 ? `${message(e)} (the job's URI names a target that does not exist)` : message(e)
        }
      }
    })
  )

  // With only a target input given, the jobs are those that call it.
  const explicitT = explicitTarget ? targets[explicitTarget] : undefined
  const selected =
    s.jobs.kind === 'targeting' && explicitT ? resolved.filter(o => o.job?.httpTarget && explicitT.kind.calls(explicitT, o.job.httpTarget.uri ?? '')) : resolved

  return {
    core: { project: { id: project.projectId ?? s.project, number: String(project.projectNumber) }, projectPolicy, jobs: selected, targets, explicitTarget },
    diagnosis: Promise.all([hierarchy, accounts.all()]).then(([h, a]) => ({ hierarchy: h, accounts: a }))
  }
}

/** A policy fix mode may write, and where it lives. */
export interface KnownPolicy {
  policy: Policy
  iam: IamApi
  /** The permission that writing it takes, and a role that holds it. */
  setIamPolicy: { permission: string; role: string }
}

/** Every policy observe read that fix mode may write, by resource: the starting point of its read-modify-writes. */
export function knownPolicies(o: Observed): Record<string, KnownPolicy> {
  return Object.fromEntries([
    ...Object.values(o.targets).map(t => [t.bindingResource, { policy: t.policy, iam: t.kind.iam, setIamPolicy: t.kind.setIamPolicy }] as const),
    [
      `projects/${o.project.id}`,
      {
        policy: o.projectPolicy,
        iam: PROJECT_WRITE.iam,
        setIamPolicy: { permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' }
      }
    ] as const
  ])
}
