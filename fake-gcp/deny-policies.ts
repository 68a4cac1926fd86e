/**
 * IAM v2 deny policies, read-only: list (without rules, as Google lists them) and get (with them).
 * The IAM module serves these routes; the policies come from the scenario's projects, folders and
 * organization (policy.ts enforces them on every permission check).
 */
import { createHash } from 'node:crypto'
import { notFound, permissionDenied } from './errors'
import type { Roles } from './roles'
import { listPage, route, type Ctx, type Route } from './router'
import type { DenyPolicySpec } from './scenario'
import type { FakeState } from './state'

const CRM = 'cloudresourcemanager.googleapis.com'
/**
 * `{attachment}` in a route. The policy name holds the attachment point URL-encoded
 * (`policies/cloudresourcemanager.googleapis.com%2Fprojects%2FP/denypolicies`), and a client
 * expanding it into a path encodes its `%` again: gcloud sends `%252F`, which the server's one
 * decoding turns back into `%2F`. A client that encodes the slashes only once arrives here with
 * plain slashes, which matches no method of gcloud's generated iam v2 client (flat path
 * `v2/policies/{policiesId}/{policiesId1}`: one segment per id): that form is accepted too, for
 * now, so that the action's client keeps working while it still sends it; whether Google accepts
 * it is not verified. `attachment()` validates either.
 */
const ATTACHMENT = '{attachment:.+}'
const LOADED = '2024-01-01T00:00:00Z'

export interface Attachment {
  /** the resource inside the stand-in: projects/PROJECT_ID, folders/ID, organizations/ID */
  resource: string
  /** as Google names it in a policy name: projects by number */
  shown: string
}

/**
 * An attachment point (`cloudresourcemanager.googleapis.com/projects/P`, P the project id or
 * number as both gcloud's and the client libraries' examples use; `…/folders/ID`,
 * `…/organizations/ID`), or undefined for a resource the stand-in does not hold.
 */
export function attachment(state: FakeState, fullName: string): Attachment | undefined {
  const m = /^(?:\/\/)?cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\/([^/]+)$/.exec(fullName.replace(/%2F/gi, '/'))
  if (!m) return undefined
  if (m[1] === 'projects') {
    const p = state.project(m[2])
    return p && { resource: `projects/${p.projectId}`, shown: `${CRM}/projects/${p.projectNumber}` }
  }
  const resource = `${m[1]}/${m[2]}`
  return state.hierarchy.has(resource) ? { resource, shown: `${CRM}/${resource}` } : undefined
}

/** The attachment point of a project, folder or organization resource of the stand-in. */
export function attachmentOf(state: FakeState, resource: string): Attachment {
  const p = /^projects\/([^/]+)$/.exec(resource)
  const num = p && state.project(p[1])?.projectNumber
  return { resource, shown: `${CRM}/${num ? `projects/${num}` : resource}` }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/** GoogleIamV2Policy as IAM answers it; `withRules` false for a list. */
export function renderDenyPolicy(at: Attachment, spec: DenyPolicySpec, withRules: boolean): Record<string, unknown> {
  const name = `policies/${encodeURIComponent(at.shown)}/denypolicies/${spec.id}`
  const h = digest(name).toString('hex')
  const out: Record<string, unknown> = {
    name,
    uid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
    kind: 'DenyPolicy',
    displayName: spec.displayName,
    etag: digest(`${name}#etag`).subarray(0, 8).toString('base64'),
    createTime: LOADED,
    updateTime: LOADED
  }
  if (spec.displayName === undefined) delete out.displayName
  if (withRules) out.rules = structuredClone(spec.rules)
  return out
}

function resolve(c: Ctx, permission: string): Attachment {
  const at = attachment(c.state, c.params.attachment)
  // permission first: a caller without it cannot tell whether the resource exists. The message is
  // IAM's usual denial wording (errors.ts); Google's exact text for v2 policies was not found.
  if (!at || !c.state.can(c.identity, at.resource, permission)) throw permissionDenied(permission, c.params.attachment, 'iam.googleapis.com')
  return at
}

export function denyPolicyRoutes(): Route[] {
  return [
    route('GET', `/v2/policies/${ATTACHMENT}/denypolicies`, c => {
      const at = resolve(c, 'iam.denypolicies.list')
      return listPage(c, c.state.policies.denyPoliciesOf(at.resource), 'policies', 1000, p => renderDenyPolicy(at, p, false))
    }),
    route('GET', `/v2/policies/${ATTACHMENT}/denypolicies/{id}`, c => {
      const at = resolve(c, 'iam.denypolicies.get')
      const spec = c.state.policies.denyPoliciesOf(at.resource).find(p => p.id === c.params.id)
      // wording not found in Google's docs; plausible
      if (!spec) throw notFound(`Policy policies/${encodeURIComponent(c.params.attachment)}/denypolicies/${c.params.id} not found.`)
      return renderDenyPolicy(at, spec, true)
    })
  ]
}

/** Google's deny roles ("Deny access to resources": view needs iam.denypolicies.get and .list). */
export const DENY_ROLES: Roles = {
  'roles/iam.denyReviewer': { grants: ['iam.denypolicies.get', 'iam.denypolicies.list'] },
  'roles/iam.denyAdmin': {
    grants: ['iam.denypolicies.create', 'iam.denypolicies.delete', 'iam.denypolicies.get', 'iam.denypolicies.list', 'iam.denypolicies.update']
  }
}
