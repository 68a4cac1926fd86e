/**
 * Policy Troubleshooter v3 (`POST v3/iam:troubleshoot`): the stand-in's own allow and deny
 * policies along the resource's hierarchy, explained as Google's
 * GoogleCloudPolicytroubleshooterIamV3TroubleshootIamPolicyResponse (gcloud's generated
 * policytroubleshooter v3 messages). A policy the caller may not read is UNKNOWN_INFO and is not
 * shown, as Google does ("If the sender of the request does not have access to the policy, this
 * field is omitted"). Conditions are never evaluated: a conditional binding or deny rule is
 * UNKNOWN_CONDITIONAL, the state Google gives when the request lacks the context to evaluate it.
 */
import { attachmentOf, renderDenyPolicy } from './deny-policies'
import { invalidArgument } from './errors'
import type { ApiModule } from './module'
import { matchRule, v1Permission, v2Permission, v2Principals, type Identity } from './policy'
import { route, type Ctx } from './router'
import type { FakeState } from './state'

const HIGH = 'HEURISTIC_RELEVANCE_HIGH'
const NORMAL = 'HEURISTIC_RELEVANCE_NORMAL'
type Allow = 'ALLOW_ACCESS_STATE_GRANTED' | 'ALLOW_ACCESS_STATE_NOT_GRANTED' | 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' | 'ALLOW_ACCESS_STATE_UNKNOWN_INFO'
type Deny = 'DENY_ACCESS_STATE_DENIED' | 'DENY_ACCESS_STATE_NOT_DENIED' | 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL' | 'DENY_ACCESS_STATE_UNKNOWN_INFO'

/** The combined state of several parts: the first of `order` any part has. */
function combine<T extends string>(states: T[], order: T[], none: T): T {
  return order.find(s => states.includes(s)) ?? none
}

/** `//SERVICE/NAME` → the stand-in's resource name, with a project number replaced by its id. */
function resourceOf(state: FakeState, full: string): { service: string; resource: string } {
  const m = /^\/\/([a-z0-9.-]+\.googleapis\.com)\/(.+)$/.exec(full)
  if (!m) throw invalidArgument(`Invalid full resource name: ${full}`) // wording not found; plausible
  let resource = m[2]
  const p = /^projects\/([^/]+)(\/.*)?$/.exec(resource)
  const proj = p && state.project(p[1])
  if (proj) resource = `projects/${proj.projectId}${p[2] ?? ''}`
  return { service: m[1], resource }
}

/** The permission that reads the allow policy of `resource` (`run.services.getIamPolicy` for a Cloud Run service). */
function readPermission(service: string, resource: string): string {
  if (/^(projects\/[^/]+|folders\/[^/]+|organizations\/[^/]+)$/.test(resource)) return `resourcemanager.${resource.split('/')[0]}.getIamPolicy`
  const collection = resource.split('/').slice(-2, -1)[0]
  return `${service.replace(/\.googleapis\.com$/, '')}.${collection}.getIamPolicy`
}

/** The full resource name of a resource of the chain (its ancestors live in Resource Manager). */
const fullName = (service: string, resource: string, i: number): string => `//${i === 0 ? service : 'cloudresourcemanager.googleapis.com'}/${resource}`

function explainAllow(state: FakeState, caller: Identity, who: Identity, service: string, chain: string[], permission: string) {
  const names = new Set([who.member, ...who.aliases].map(m => m.toLowerCase()))
  const explainedPolicies = chain.map((r, i) => {
    const name = fullName(service, r, i)
    if (!state.can(caller, r, readPermission(i === 0 ? service : 'cloudresourcemanager.googleapis.com', r)))
      return { allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO' as Allow, fullResourceName: name, relevance: NORMAL }
    const policy = state.policies.peek(r, 3)
    const bindingExplanations = (policy.bindings ?? []).map(b => {
      const included = state.roles.grants(b.role, permission)
      const matched = b.members.some(m => names.has(m.toLowerCase()))
      const allowAccessState: Allow =
        !included || !matched ? 'ALLOW_ACCESS_STATE_NOT_GRANTED' : b.condition ? 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' : 'ALLOW_ACCESS_STATE_GRANTED'
      const out: Record<string, unknown> = {
        allowAccessState,
        role: b.role,
        rolePermission: included ? 'ROLE_PERMISSION_INCLUDED' : 'ROLE_PERMISSION_NOT_INCLUDED',
        rolePermissionRelevance: included ? HIGH : NORMAL,
        memberships: Object.fromEntries(
          b.members.map(m => [
            m,
            { membership: names.has(m.toLowerCase()) ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED', relevance: names.has(m.toLowerCase()) ? HIGH : NORMAL }
          ])
        ),
        combinedMembership: { membership: matched ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED', relevance: matched ? HIGH : NORMAL },
        relevance: allowAccessState === 'ALLOW_ACCESS_STATE_NOT_GRANTED' ? NORMAL : HIGH
      }
      if (b.condition) out.condition = b.condition
      return out
    })
    const allowAccessState = combine(
      bindingExplanations.map(b => b.allowAccessState as Allow),
      ['ALLOW_ACCESS_STATE_GRANTED', 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL'],
      'ALLOW_ACCESS_STATE_NOT_GRANTED'
    )
    return {
      allowAccessState,
      bindingExplanations,
      fullResourceName: name,
      policy,
      relevance: allowAccessState === 'ALLOW_ACCESS_STATE_NOT_GRANTED' ? NORMAL : HIGH
    }
  })
  const allowAccessState = combine(
    explainedPolicies.map(p => p.allowAccessState),
    ['ALLOW_ACCESS_STATE_GRANTED', 'ALLOW_ACCESS_STATE_UNKNOWN_INFO', 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL'],
    'ALLOW_ACCESS_STATE_NOT_GRANTED'
  )
  return { allowAccessState, explainedPolicies, relevance: HIGH }
}

function explainDeny(state: FakeState, caller: Identity, who: Identity, chain: string[], permission: string) {
  const principals = v2Principals(who)
  const matching = (list: string[] | undefined, hit: (x: string) => boolean, key: 'membership' | 'permissionMatchingState') =>
    Object.fromEntries(
      (list ?? []).map(x => [
        x,
        key === 'membership'
          ? { membership: hit(x) ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED', relevance: hit(x) ? HIGH : NORMAL }
          : { permissionMatchingState: hit(x) ? 'PERMISSION_PATTERN_MATCHED' : 'PERMISSION_PATTERN_NOT_MATCHED', relevance: hit(x) ? HIGH : NORMAL }
      ])
    )
  // deny policies attach to projects, folders and the organization only
  const explainedResources = chain
    .filter(r => /^(projects|folders|organizations)\/[^/]+$/.test(r))
    .map(r => {
      const at = attachmentOf(state, r)
      const fullResourceName = `//${at.shown}`
      if (!state.can(caller, r, 'iam.denypolicies.list') || !state.can(caller, r, 'iam.denypolicies.get'))
        return { denyAccessState: 'DENY_ACCESS_STATE_UNKNOWN_INFO' as Deny, fullResourceName, relevance: NORMAL }
      const explainedPolicies = state.policies.denyPoliciesOf(r).map(spec => {
        const ruleExplanations = spec.rules.map(({ denyRule: rule }) => {
          const m = matchRule(rule, principals, permission)
          const denies = m.principal && m.permission && !m.exceptionPrincipal && !m.exceptionPermission
          const denyAccessState: Deny = !denies
            ? 'DENY_ACCESS_STATE_NOT_DENIED'
            : rule.denialCondition
              ? 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'
              : 'DENY_ACCESS_STATE_DENIED'
          const principalHit = (p: string): boolean => principals.has(p.toLowerCase())
          const permissionHit = (p: string): boolean => matchRule({ deniedPermissions: [p] }, principals, permission).permission
          const out: Record<string, unknown> = {
            denyAccessState,
            combinedDeniedPermission: {
              permissionMatchingState: m.permission ? 'PERMISSION_PATTERN_MATCHED' : 'PERMISSION_PATTERN_NOT_MATCHED',
              relevance: m.permission ? HIGH : NORMAL
            },
            combinedDeniedPrincipal: { membership: m.principal ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED', relevance: m.principal ? HIGH : NORMAL },
            combinedExceptionPermission: {
              permissionMatchingState: m.exceptionPermission ? 'PERMISSION_PATTERN_MATCHED' : 'PERMISSION_PATTERN_NOT_MATCHED',
              relevance: m.exceptionPermission ? HIGH : NORMAL
            },
            combinedExceptionPrincipal: {
              membership: m.exceptionPrincipal ? 'MEMBERSHIP_MATCHED' : 'MEMBERSHIP_NOT_MATCHED',
              relevance: m.exceptionPrincipal ? HIGH : NORMAL
            },
            deniedPermissions: matching(rule.deniedPermissions, permissionHit, 'permissionMatchingState'),
            deniedPrincipals: matching(rule.deniedPrincipals, principalHit, 'membership'),
            exceptionPermissions: matching(rule.exceptionPermissions, permissionHit, 'permissionMatchingState'),
            exceptionPrincipals: matching(rule.exceptionPrincipals, principalHit, 'membership'),
            relevance: denyAccessState === 'DENY_ACCESS_STATE_NOT_DENIED' ? NORMAL : HIGH
          }
          if (rule.denialCondition) out.condition = rule.denialCondition
          return out
        })
        const denyAccessState = combine(
          ruleExplanations.map(e => e.denyAccessState as Deny),
          ['DENY_ACCESS_STATE_DENIED', 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'],
          'DENY_ACCESS_STATE_NOT_DENIED'
        )
        return {
          denyAccessState,
          policy: renderDenyPolicy(at, spec, true),
          ruleExplanations,
          relevance: denyAccessState === 'DENY_ACCESS_STATE_NOT_DENIED' ? NORMAL : HIGH
        }
      })
      const denyAccessState = combine(
        explainedPolicies.map(p => p.denyAccessState),
        ['DENY_ACCESS_STATE_DENIED', 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'],
        'DENY_ACCESS_STATE_NOT_DENIED'
      )
      return { denyAccessState, explainedPolicies, fullResourceName, relevance: denyAccessState === 'DENY_ACCESS_STATE_NOT_DENIED' ? NORMAL : HIGH }
    })
  const denyAccessState = combine(
    explainedResources.map(r => r.denyAccessState),
    ['DENY_ACCESS_STATE_DENIED', 'DENY_ACCESS_STATE_UNKNOWN_INFO', 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'],
    'DENY_ACCESS_STATE_NOT_DENIED'
  )
  // permissionDeniable: every permission the stand-in checks has a v2 form; Google's list of deniable ones is not modelled
  return { denyAccessState, explainedResources, permissionDeniable: true, relevance: HIGH }
}

/** OverallAccessState: a deny wins, then the allow verdict, with what is unknown on either side. */
function overall(allow: Allow, deny: Deny): string {
  if (deny === 'DENY_ACCESS_STATE_DENIED') return 'CANNOT_ACCESS'
  if (allow === 'ALLOW_ACCESS_STATE_NOT_GRANTED') return 'CANNOT_ACCESS'
  if (allow === 'ALLOW_ACCESS_STATE_UNKNOWN_INFO' || deny === 'DENY_ACCESS_STATE_UNKNOWN_INFO') return 'UNKNOWN_INFO'
  if (allow === 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' || deny === 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL') return 'UNKNOWN_CONDITIONAL'
  return 'CAN_ACCESS'
}

function troubleshoot(c: Ctx): Record<string, unknown> {
  const tuple = c.body.accessTuple as { principal?: unknown; fullResourceName?: unknown; permission?: unknown } | undefined
  // field-by-field checks; Google's exact wording was not found, these are plausible
  if (!tuple || typeof tuple !== 'object') throw invalidArgument('Request is missing required field: access_tuple.')
  for (const f of ['principal', 'fullResourceName', 'permission'] as const)
    if (typeof tuple[f] !== 'string' || !tuple[f])
      throw invalidArgument(`Request is missing required field: access_tuple.${f === 'fullResourceName' ? 'full_resource_name' : f}.`)
  const principal = tuple.principal as string
  const permission = v1Permission(tuple.permission as string)
  const { service, resource } = resourceOf(c.state, tuple.fullResourceName as string)
  const member = /\.gserviceaccount\.com$/i.test(principal) ? `serviceAccount:${principal}` : `user:${principal}`
  const who = c.state.identity(member)
  const chain = c.state.ancestry(resource)
  const allowPolicyExplanation = explainAllow(c.state, c.identity, who, service, chain, permission)
  const denyPolicyExplanation = explainDeny(c.state, c.identity, who, chain, v2Permission(permission))
  return {
    overallAccessState: overall(allowPolicyExplanation.allowAccessState, denyPolicyExplanation.denyAccessState),
    accessTuple: { ...(tuple as Record<string, unknown>), permissionFqdn: v2Permission(permission) },
    allowPolicyExplanation,
    denyPolicyExplanation
  }
}

export const policyTroubleshooter: ApiModule = {
  name: 'Policy Troubleshooter',
  apis: ['POLICYTROUBLESHOOTER'],
  routes: () => [route('POST', '/v3/iam:troubleshoot', troubleshoot)]
}
