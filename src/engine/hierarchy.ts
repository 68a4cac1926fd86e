/**
 * What surrounds the bindings a job needs: the folders and organization above the project, whose
 * grants every resource inherits, and the IAM deny policies on the project and above, which
 * Google evaluates before any grant. Read alongside the run's other reads and only as far as the
 * caller may: a refusal is a note naming the permission that would lift it, never a failure.
 */
import type { GoogleClients } from '../google/clients'
import { ApiError } from '../google/http'
import type { DenyPolicy, Policy } from '../google/types'

/** A folder's or the organization's allow policy, or why it could not be read. */
export interface AncestorPolicy {
  /** `folders/ID` or `organizations/ID`, nearest first. */
  resource: string
  policy?: Policy
  unreadable?: string
}

/** The deny policies attached to one resource (with their rules), or why they could not be read. */
export interface DenyPolicies {
  /** `projects/P`, `folders/ID` or `organizations/ID`. */
  resource: string
  policies: DenyPolicy[]
  unreadable?: string
}

export interface Hierarchy {
  ancestors: AncestorPolicy[]
  deny: DenyPolicies[]
  /** What could not be read, and the permission and role that would let the diagnosis see it. */
  notes: string[]
}

/** Deny policies hang off a resource's full name, as one URL-encoded path segment. */
export const attachmentPoint = (resource: string): string => `cloudresourcemanager.googleapis.com/${resource}`

const refused = (e: unknown): boolean => e instanceof ApiError && (e.httpStatus === 403 || e.httpStatus === 401)
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Why a read failed, in one line: the permission and role when refused, Google's message otherwise. */
function why(e: unknown, permission: string, role: string): string {
  return refused(e) ? `the caller lacks ${permission} (${role})` : message(e)
}

async function readDeny(g: GoogleClients, resource: string): Promise<DenyPolicies> {
  try {
    const listed = await g.iam.listDenyPolicies(attachmentPoint(resource))
    // Google lists deny policies without their rules: each is read for them.
    const policies = await Promise.all(listed.map(p => g.iam.getDenyPolicy(p.name)))
    return { resource, policies }
  } catch (e) {
    return { resource, policies: [], unreadable: why(e, 'iam.denypolicies.list and iam.denypolicies.get', 'roles/iam.denyReviewer') }
  }
}

async function readAncestor(g: GoogleClients, resource: string): Promise<AncestorPolicy> {
  const kind = resource.startsWith('folders/') ? 'folders' : 'organizations'
  try {
    return { resource, policy: await g.projects.ancestorIam.getIamPolicy(resource) }
  } catch (e) {
    return { resource, unreadable: why(e, `resourcemanager.${kind}.getIamPolicy`, 'roles/iam.securityReviewer') }
  }
}

/** The project's ancestors (one getAncestry call), their policies and every deny policy above the resources: two or three rounds, all in parallel with the run's own reads. */
export async function readHierarchy(g: GoogleClients, project: string): Promise<Hierarchy> {
  const projectDeny = readDeny(g, `projects/${project}`)
  let chain: string[]
  const notes: string[] = []
  try {
    const ancestry = await g.projects.getAncestry(project)
    chain = (ancestry.ancestor ?? [])
      .map(a => a.resourceId)
      .filter(r => r?.id && (r.type === 'folder' || r.type === 'organization'))
      .map(r => `${r!.type}s/${r!.id}`)
  } catch (e) {
    chain = []
    notes.push(
      `The folders and organization above ${project} were not read (${why(e, 'resourcemanager.projects.get', 'roles/browser')}): grants and deny policies there are not seen.`
    )
  }
  const [ancestors, deny] = await Promise.all([Promise.all(chain.map(r => readAncestor(g, r))), Promise.all([projectDeny, ...chain.map(r => readDeny(g, r))])])
  for (const a of ancestors)
    if (a.unreadable) notes.push(`The allow policy of ${a.resource} was not read (${a.unreadable}): a grant inherited from there is not seen.`)
  for (const d of deny) if (d.unreadable) notes.push(`The deny policies of ${d.resource} were not read (${d.unreadable}): a deny rule there is not seen.`)
  return { ancestors, deny, notes }
}
