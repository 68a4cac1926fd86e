/**
 * Fix mode's writes: a permission preflight first (all or nothing), then one job patch per job
 * and one read-modify-write per IAM policy, independent writes in parallel.
 */
import type { GoogleClients } from './google/clients'
import { ApiError, backoffDelay, DEFAULT_RETRY, sleep } from './google/http'
import type { IamResource } from './google/iam-policy'
import type { Policy } from './google/types'
import type { IamGrant, Plan } from './plan'

/** Permission → a predefined role that grants it, for the error a person acts on. */
const GRANTING_ROLE: Record<string, string> = {
  'cloudscheduler.jobs.update': 'roles/cloudscheduler.admin',
  'resourcemanager.projects.setIamPolicy': 'roles/resourcemanager.projectIamAdmin',
  'cloudfunctions.functions.setIamPolicy': 'roles/cloudfunctions.admin',
  'run.services.setIamPolicy': 'roles/run.admin',
  'iam.serviceAccounts.actAs': 'roles/iam.serviceAccountUser'
}

export interface MissingPermission {
  resource: string
  permission: string
  role: string
}

export class PreflightError extends Error {
  constructor(readonly missing: MissingPermission[]) {
    super(
      `Fix mode wrote nothing: the caller lacks ${missing.length} permission(s) the repair needs: ` +
        missing.map(m => `${m.permission} on ${m.resource} (grant ${m.role})`).join('; ')
    )
  }
}

function iamFor(g: GoogleClients, api: IamGrant['api']): IamResource {
  return api === 'gen1' ? g.functions.gen1Iam : api === 'run' ? g.run.iam : g.projects.iam
}

/** The resources fix mode may write: the IAM policies of its grants, and the accounts jobs sign as. */
export type WriteScope = IamGrant['api'] | 'serviceAccount'

const WRITE_PERMISSIONS: Record<WriteScope, string[]> = {
  project: ['cloudscheduler.jobs.update', 'resourcemanager.projects.setIamPolicy'],
  gen1: ['cloudfunctions.functions.setIamPolicy'],
  run: ['run.services.setIamPolicy'],
  serviceAccount: ['iam.serviceAccounts.actAs']
}

/**
 * Memoised testIamPermissions per resource. Fix mode starts each test as soon as observe learns
 * of a resource, in parallel with the reads, so the preflight adds no round trip of its own.
 */
export class PermissionProbe {
  private readonly memo = new Map<string, Promise<string[]>>()

  constructor(private readonly g: GoogleClients) {}

  held(scope: WriteScope, resource: string): Promise<string[]> {
    const key = `${scope} ${resource}`
    let p = this.memo.get(key)
    if (!p) {
      const perms = WRITE_PERMISSIONS[scope]
      p = scope === 'serviceAccount' ? this.g.iam.testServiceAccountPermissions(resource, perms) : iamFor(this.g, scope).testIamPermissions(resource, perms)
      // A speculative test nobody awaits must not become an unhandled rejection.
      p.catch(() => undefined)
      this.memo.set(key, p)
    }
    return p
  }
}

/** What the planned writes need, from the probe's answers (asked now if not yet asked). */
export async function preflight(g: GoogleClients, p: Plan, project: string, probe = new PermissionProbe(g)): Promise<void> {
  const needs: { scope: WriteScope; resource: string; label: string; permissions: string[] }[] = []
  const projectPerms = [
    ...(p.patches.length ? ['cloudscheduler.jobs.update'] : []),
    ...(p.grants.some(gr => gr.api === 'project') ? ['resourcemanager.projects.setIamPolicy'] : [])
  ]
  if (projectPerms.length) needs.push({ scope: 'project', resource: `projects/${project}`, label: `projects/${project}`, permissions: projectPerms })
  for (const gr of p.grants) {
    if (gr.api !== 'project') needs.push({ scope: gr.api, resource: gr.resource, label: gr.resource, permissions: WRITE_PERMISSIONS[gr.api] })
  }
  // Setting a job's token account requires acting as that account.
  for (const sa of new Set(p.patches.map(x => x.oidcToken.serviceAccountEmail))) {
    needs.push({ scope: 'serviceAccount', resource: sa, label: `serviceAccounts/${sa}`, permissions: WRITE_PERMISSIONS.serviceAccount })
  }
  const held = await Promise.all(needs.map(n => probe.held(n.scope, n.resource)))
  const missing = needs.flatMap((n, i) =>
    n.permissions.filter(perm => !held[i].includes(perm)).map(permission => ({ resource: n.label, permission, role: GRANTING_ROLE[permission] }))
  )
  if (missing.length) throw new PreflightError(missing)
}

/**
 * Adds members to the role's unconditional binding, keeping every other binding, member and
 * condition, at policy version 3. Starts from the policy already read (saving a round trip);
 * a concurrent change (409 ABORTED) re-reads and tries again. Returns the members it added.
 */
export async function addToBinding(iam: IamResource, resource: string, role: string, members: string[], known?: Policy): Promise<string[]> {
  let policy = known ?? (await iam.getIamPolicy(resource))
  for (let attempt = 0; ; attempt++) {
    const bindings = (policy.bindings ?? []).map(b => ({ ...b, members: [...(b.members ?? [])] }))
    let binding = bindings.find(b => b.role === role && !b.condition)
    const toAdd = [...new Set(members)].filter(m => !binding?.members.includes(m))
    if (!toAdd.length) return []
    if (!binding) {
      binding = { role, members: [] }
      bindings.push(binding)
    }
    binding.members.push(...toAdd)
    try {
      await iam.setIamPolicy(resource, { ...policy, version: 3, bindings })
      return toAdd
    } catch (e) {
      if (!(e instanceof ApiError && (e.httpStatus === 409 || e.status === 'ABORTED')) || attempt >= 4) throw e
      await sleep(backoffDelay(attempt, DEFAULT_RETRY))
      policy = await iam.getIamPolicy(resource)
    }
  }
}

export interface Applied {
  patched: string[]
  granted: { resource: string; role: string; members: string[] }[]
  /**
   * Writes that failed, each with why. The preflight makes this rare (a write refused after
   * retries); the writes that landed beside them stay, since every write only adds.
   */
  failed: { resource: string; error: string }[]
  /** When the last write landed: IAM propagation is measured from here. */
  at: number
}

/** Writes the plan, all at once. Policies already read by observe are passed in to save their re-read. */
export async function applyPlan(g: GoogleClients, p: Plan, policies: Record<string, Policy>): Promise<Applied> {
  const failed: Applied['failed'] = []
  const settled = <T>(resource: string, write: Promise<T>): Promise<T | undefined> =>
    write.catch((e: unknown) => {
      failed.push({ resource, error: e instanceof Error ? e.message : String(e) })
      return undefined
    })
  const [patched, granted] = await Promise.all([
    Promise.all(
      p.patches.map(x =>
        settled(
          x.job,
          g.scheduler.patchJob(x.job, { httpTarget: { oidcToken: x.oidcToken } }, x.updateMask).then(() => x.job)
        )
      )
    ),
    Promise.all(
      p.grants.map(gr =>
        settled(
          gr.resource,
          addToBinding(iamFor(g, gr.api), gr.resource, gr.role, gr.members, policies[gr.resource]).then(members => ({
            resource: gr.resource,
            role: gr.role,
            members
          }))
        )
      )
    )
  ])
  return { patched: patched.filter(x => x !== undefined), granted: granted.filter(x => x !== undefined), failed, at: Date.now() }
}

/** One line for a run whose writes failed in part: what failed, what stayed, what to do. */
export function failedWritesError(a: Applied): string {
  const landed = a.patched.length + a.granted.length
  const what = a.failed.map(f => `${f.resource}: ${f.error}`).join('; ')
  return (
    `Fix mode stopped: ${a.failed.length} of ${a.failed.length + landed} write(s) failed (${what}). ` +
    (landed ? `The ${landed} that landed stay (every write only adds) and are listed in 'changes'. ` : 'Nothing was written. ') +
    'Run again once the cause is fixed: a second run writes only what is still missing.'
  )
}
