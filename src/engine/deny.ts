/**
 * IAM deny rules, read as Google applies them: before any grant, to the principals they name
 * minus their exceptions, for the permissions they name (v2 form, `run.googleapis.com/routes.invoke`)
 * minus theirs. What the action cannot decide — a group it cannot expand, a condition it cannot
 * evaluate — is reported as "may apply", never as certain.
 */
import type { DenyRule } from '../google/types'
import type { DenyPolicies } from './hierarchy'

export interface DenyMatch {
  /** `policies/…/denypolicies/ID` */
  policy: string
  displayName?: string
  /** 1-based, as a person counts the rules of a policy. */
  rule: number
  description?: string
  /** Where the policy is attached. */
  resource: string
  /** Certain: it names the account (or everyone) without exception or condition. */
  certain: boolean
  /** Why it is uncertain, when it is. */
  doubt?: string
}

/** `run.routes.invoke` → `run.googleapis.com/routes.invoke`: the form deny policies use. */
export function v2Permission(permission: string): string {
  const dot = permission.indexOf('.')
  return `${permission.slice(0, dot)}.googleapis.com/${permission.slice(dot + 1)}`
}

/** Deny rules name permission groups with `*` (`run.googleapis.com/*`); the rest must match exactly. */
function permissionMatches(pattern: string, permission: string): boolean {
  if (!pattern.includes('*')) return pattern.toLowerCase() === permission.toLowerCase()
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i')
  return re.test(permission)
}
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

type PrincipalMatch = 'yes' | 'no' | 'maybe'

/** Whether a v2 principal identifier covers the service account `email`. */
function principalMatches(principal: string, email: string): PrincipalMatch {
  const p = principal.trim()
  const lower = p.toLowerCase()
  if (lower === `principal://iam.googleapis.com/projects/-/serviceaccounts/${email.toLowerCase()}`) return 'yes'
  if (lower === 'principalset://goog/public:all') return 'yes'
  if (lower.startsWith('principal://')) return 'no' // another single principal
  // Groups, domains, workforce and workload pools: membership the action cannot see.
  if (lower.startsWith('principalset://')) return 'maybe'
  return 'no'
}

function anyMatch(principals: string[] | undefined, email: string): PrincipalMatch {
  const results = (principals ?? []).map(p => principalMatches(p, email))
  return results.includes('yes') ? 'yes' : results.includes('maybe') ? 'maybe' : 'no'
}

/** Whether one rule denies `permission` to `email`: certainly, possibly, or not. */
function ruleApplies(r: DenyRule, email: string, permission: string): { certain: boolean; doubt?: string } | undefined {
  const v2 = v2Permission(permission)
  if (!(r.deniedPermissions ?? []).some(p => permissionMatches(p, v2))) return undefined
  if ((r.exceptionPermissions ?? []).some(p => permissionMatches(p, v2))) return undefined
  const denied = anyMatch(r.deniedPrincipals, email)
  if (denied === 'no') return undefined
  const excepted = anyMatch(r.exceptionPrincipals, email)
  if (excepted === 'yes') return undefined
  const doubts: string[] = []
  if (denied === 'maybe') doubt(doubts, `it names ${setsOf(r.deniedPrincipals)}, whose members the action cannot list`)
  if (excepted === 'maybe') doubt(doubts, `it excepts ${setsOf(r.exceptionPrincipals)}, which may hold the account`)
  if (r.denialCondition?.expression) doubt(doubts, `it applies only when ${r.denialCondition.expression}`)
  return doubts.length ? { certain: false, doubt: doubts.join('; ') } : { certain: true }
}
const doubt = (list: string[], d: string): void => void list.push(d)
const setsOf = (principals: string[] | undefined): string => (principals ?? []).filter(p => p.toLowerCase().startsWith('principalset://')).join(', ')

/** Every deny rule, on the project and above, that denies `permission` to the account `email`. */
export function denyingRules(deny: DenyPolicies[], email: string, permission: string): DenyMatch[] {
  const out: DenyMatch[] = []
  for (const d of deny)
    for (const p of d.policies)
      (p.rules ?? []).forEach((rule, i) => {
        const hit = rule.denyRule && ruleApplies(rule.denyRule, email, permission)
        if (hit) out.push({ policy: p.name, displayName: p.displayName, rule: i + 1, description: rule.description, resource: d.resource, ...hit })
      })
  return out
}
