/**
 * Fix mode's writes: a permission preflight first (all or nothing), then one job patch per job
 * and one read-modify-write per IAM policy, independent writes in parallel. Says which of the
 * plan's changes landed.
 */
import { iamOf, type GoogleClients } from '../google/clients'
import { ApiError, backoffDelay, DEFAULT_RETRY, sleep } from '../google/http'
import type { IamResource } from '../google/iam-policy'
import type { Job, Policy } from '../google/types'
import { ACT_AS, PROJECT_WRITE, type KnownPolicy, type PermissionSurface } from './observe'
import type { Change, GrantChange, Plan, TokenChange } from './plan'

/** Permission → a predefined role that grants it, for the error a person acts on (policy writes: from the policy). */
const GRANTING_ROLE: Record<string, string> = {
  'cloudscheduler.jobs.update': 'roles/cloudscheduler.admin',
  [ACT_AS]: 'roles/iam.serviceAccountUser'
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

/**
 * Memoised testIamPermissions per resource. Fix mode starts each test as soon as observe learns
 * of a resource, in parallel with the reads, so the preflight adds no round trip of its own.
 */
export class PermissionProbe {
  private readonly memo = new Map<string, Promise<string[]>>()

  constructor(private readonly g: GoogleClients) {}

  held(resource: string, surface: PermissionSurface, permissions: string[]): Promise<string[]> {
    const key = `${surface} ${resource}`
    let p = this.memo.get(key)
    if (!p) {
      p =
        surface === 'serviceAccount'
          ? this.g.iam.testServiceAccountPermissions(resource, permissions)
          : iamOf(this.g, surface).testIamPermissions(resource, permissions)
      // A speculative test nobody awaits must not become an unhandled rejection.
      p.catch(() => undefined)
      this.memo.set(key, p)
    }
    return p
  }
}

const isToken = (c: Change): c is TokenChange => c.kind === 'job.oidc' || c.kind === 'job.oauth'
const isGrant = (c: Change): c is GrantChange => !isToken(c)

/** What the planned writes need, from the probe's answers (asked now if not yet asked). */
export async function preflight(
  g: GoogleClients,
  p: Plan,
  project: string,
  policies: Record<string, KnownPolicy>,
  probe = new PermissionProbe(g)
): Promise<void> {
  const needs: { resource: string; surface: PermissionSurface; label: string; tested: string[]; needed: { permission: string; role: string }[] }[] = []
  const projectResource = `projects/${project}`
  const projectNeeds = [
    ...(p.changes.some(isToken) ? [{ permission: 'cloudscheduler.jobs.update', role: GRANTING_ROLE['cloudscheduler.jobs.update'] }] : []),
    ...(p.changes.some(c => isGrant(c) && c.resource === projectResource) ? [policies[projectResource].setIamPolicy] : [])
  ]
  if (projectNeeds.length)
    needs.push({ resource: projectResource, surface: PROJECT_WRITE.iam, label: projectResource, tested: [...PROJECT_WRITE.permissions], needed: projectNeeds })
  for (const resource of new Set(p.changes.filter(isGrant).map(c => c.resource))) {
    if (resource === projectResource) continue
    const known = policies[resource]
    needs.push({ resource, surface: known.iam, label: resource, tested: [known.setIamPolicy.permission], needed: [known.setIamPolicy] })
  }
  // Setting a job's token account requires acting as that account.
  for (const sa of new Set(p.changes.filter(isToken).map(c => c.after.serviceAccountEmail))) {
    needs.push({
      resource: sa,
      surface: 'serviceAccount',
      label: `serviceAccounts/${sa}`,
      tested: [ACT_AS],
      needed: [{ permission: ACT_AS, role: GRANTING_ROLE[ACT_AS] }]
    })
  }
  const held = await Promise.all(needs.map(n => probe.held(n.resource, n.surface, n.tested)))
  const missing = needs.flatMap((n, i) => n.needed.filter(x => !held[i].includes(x.permission)).map(x => ({ resource: n.label, ...x })))
  if (missing.length) throw new PreflightError(missing)
}

/**
 * Adds members to roles' unconditional bindings, keeping every other binding, member and
 * condition, at policy version 3. Starts from the policy already read (saving a round trip);
 * a concurrent change (409 ABORTED) re-reads and tries again. Returns the grants it added.
 */
export async function addToBindings(
  iam: IamResource,
  resource: string,
  grants: { role: string; member: string }[],
  known?: Policy
): Promise<{ role: string; member: string }[]> {
  let policy = known ?? (await iam.getIamPolicy(resource))
  for (let attempt = 0; ; attempt++) {
    const bindings = (policy.bindings ?? []).map(b => ({ ...b, members: [...(b.members ?? [])] }))
    const added: { role: string; member: string }[] = []
    for (const { role, member } of grants) {
      let binding = bindings.find(b => b.role === role && !b.condition)
      if (binding?.members.includes(member)) continue
      if (!binding) {
        binding = { role, members: [] }
        bindings.push(binding)
      }
      binding.members.push(member)
      added.push({ role, member })
    }
    if (!added.length) return []
    try {
      await iam.setIamPolicy(resource, { ...policy, version: 3, bindings })
      return added
    } catch (e) {
      if (!(e instanceof ApiError && (e.httpStatus === 409 || e.status === 'ABORTED')) || attempt >= 4) throw e
      await sleep(backoffDelay(attempt, DEFAULT_RETRY))
      policy = await iam.getIamPolicy(resource)
    }
  }
}

export interface Applied {
  /** The plan's changes that landed; a member someone else added meanwhile is not ours. */
  landed: Change[]
  /**
   * Writes that failed, each with why. The preflight makes this rare (a write refused after
   * retries); the writes that landed beside them stay, since every write only adds.
   */
  failed: { resource: string; error: string }[]
  /** When the last write landed: IAM propagation is measured from here. */
  at: number
}

/**
 * A token change as a patch: the token object and an update mask naming only the fields it
 * changes (both when the job had no such token: Scheduler's token is a oneof, and setting one
 * kind replaces the other).
 */
function tokenPatch(c: TokenChange): { body: Partial<Job>; mask: string[] } {
  const [field, before, after]: [string, Record<string, string | null> | null, Record<string, string>] =
    c.kind === 'job.oidc' ? ['oidcToken', c.before && { ...c.before }, { ...c.after }] : ['oauthToken', c.before && { ...c.before }, { ...c.after }]
  const mask = Object.keys(after)
    .filter(k => !before || (before[k] ?? '') !== after[k])
    .map(k => `httpTarget.${field}.${k}`)
  return { body: { httpTarget: { [field]: c.after } }, mask }
}

/** Writes the plan's changes, all at once. Policies already read by observe are passed in to save their re-read. */
export async function applyPlan(g: GoogleClients, p: Plan, policies: Record<string, KnownPolicy>): Promise<Applied> {
  const failed: Applied['failed'] = []
  const settled = (resource: string, write: Promise<Change[]>): Promise<Change[]> =>
    write.catch((e: unknown) => {
      failed.push({ resource, error: e instanceof Error ? e.message : String(e) })
      return []
    })
  const patches = p.changes.filter(isToken).map(c => {
    const { body, mask } = tokenPatch(c)
    return settled(
      c.resource,
      g.scheduler.patchJob(c.resource, body, mask).then(() => [c])
    )
  })
  const byResource = new Map<string, GrantChange[]>()
  for (const c of p.changes.filter(isGrant)) byResource.set(c.resource, [...(byResource.get(c.resource) ?? []), c])
  const grants = [...byResource].map(([resource, changes]) => {
    const known = policies[resource]
    return settled(
      resource,
      addToBindings(
        iamOf(g, known.iam),
        resource,
        changes.map(c => c.after),
        known.policy
      ).then(added => changes.filter(c => added.some(a => a.role === c.after.role && a.member === c.after.member)))
    )
  })
  const landed = new Set((await Promise.all([...patches, ...grants])).flat())
  return { landed: p.changes.filter(c => landed.has(c)), failed, at: Date.now() }
}

/** One line for a run whose writes failed in part: what failed, what stayed, what to do. */
export function failedWritesError(a: Applied): string {
  // One write per job and per policy, however many changes it carried.
  const landed = new Set(a.landed.map(c => c.resource)).size
  const what = a.failed.map(f => `${f.resource}: ${f.error}`).join('; ')
  return (
    `Fix mode stopped: ${a.failed.length} of ${a.failed.length + landed} write(s) failed (${what}). ` +
    (landed ? `The ${landed} that landed stay (every write only adds) and are listed in 'changes'. ` : 'Nothing was written. ') +
    'Run again once the cause is fixed: a second run writes only what is still missing.'
  )
}
