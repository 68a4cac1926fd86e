/**
 * The one IAM policy engine every API shares: etags, versions, conditions and the v1 view of
 * conditional bindings, the inheritance walk and the propagation clock.
 */
import { createHash } from 'node:crypto'
import { ApiError, aborted, invalidArgument } from './errors'
import { isMalformedRole } from './roles'
import type { Binding, DenyPolicySpec, DenyRule, Policy } from './scenario'

/** Who is asking: the member string plus every other member string a binding may name them by. */
export interface Identity {
  member: string
  aliases: string[]
}

interface Stored {
  bindings: Binding[]
  etag: string
  /** when each (role, condition, member) first appeared: drives IAM propagation delay */
  addedAt: Map<string, number>
  reads: number
}

const EMPTY_ETAG = 'ACAB' // what IAM returns for a resource whose policy was never written
const MEMBER =
  /^(user|serviceAccount|group|domain|deleted:user|deleted:serviceAccount|deleted:group):.+$|^(allUsers|allAuthenticatedUsers)$|^principal(Set)?:\/\/.+$|^projectOwner:|^projectEditor:|^projectViewer:/

const condKey = (c?: Binding['condition']): string => (c ? JSON.stringify([c.expression, c.title ?? '', c.description ?? '']) : '')
const bindingKey = (role: string, c: Binding['condition'], member: string): string => `${role}\u0000${condKey(c)}\u0000${member.toLowerCase()}`
const withcondSuffix = (b: Binding): string =>
  createHash('sha256')
    .update(`${b.role}|${condKey(b.condition)}`)
    .digest('hex')
    .slice(0, 8)

let etagCounter = 0
/**
 * Policy.etag is a proto `bytes` field: clients may decode and re-encode it, and gcloud's
 * functions v2 client sends it back URL-safe ('-', '_'). Every etag here ends in bytes whose
 * standard base64 is "+/", so every read-modify-write in the tests exercises that re-encoding.
 */
function nextEtag(): string {
  const buf = Buffer.alloc(8)
  buf.writeUInt16BE(0x0706, 0) // real etags start with "Bw"
  buf.writeUInt32BE(++etagCounter, 2)
  buf.writeUInt16BE(0xfbff, 6)
  return buf.toString('base64')
}

/** Etags are equal when their bytes are, whichever base64 alphabet carried them. */
const sameEtag = (a: string, b: string): boolean => a === b || Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'))

export interface PolicyEngineHooks {
  now: () => number
  /** whether a predefined role grants a permission (the registry's role table) */
  roleGrants: (role: string, permission: string) => boolean
  /** false → the member names a service account IAM does not know */
  memberExists?: (member: string) => boolean
  /** called after each getIamPolicy read, with the 1-based read count for the resource */
  afterRead?: (resource: string, n: number) => void
}

export class PolicyEngine {
  private readonly policies = new Map<string, Stored>()
  /** IAM v2 deny policies by attachment point (projects/PROJECT_ID, folders/ID, organizations/ID) */
  private readonly denyPolicies = new Map<string, DenyPolicySpec[]>()
  constructor(private readonly hooks: PolicyEngineHooks) {}

  /** Attach a scenario's deny policies to a project, folder or organization. */
  loadDeny(resource: string, specs: DenyPolicySpec[] | undefined): void {
    if (specs?.length) this.denyPolicies.set(resource, structuredClone(specs))
  }

  /** The deny policies attached to exactly this resource. */
  denyPoliciesOf(resource: string): DenyPolicySpec[] {
    return this.denyPolicies.get(resource) ?? []
  }

  /**
   * The first deny rule attached to one of `resources` that denies `permission` to `who`.
   * IAM checks deny policies before allow policies: such a rule wins over any grant.
   */
  denyingRule(who: Identity, resources: string[], permission: string): { resource: string; policy: DenyPolicySpec; rule: DenyRule } | undefined {
    const principals = v2Principals(who)
    const perm = v2Permission(permission)
    for (const resource of resources)
      for (const policy of this.denyPoliciesOf(resource))
        for (const { denyRule: rule } of policy.rules) if (ruleDenies(rule, principals, perm)) return { resource, policy, rule }
    return undefined
  }

  /** Load a scenario policy; its bindings count as long established (no propagation delay). */
  load(resource: string, p: Policy | undefined): void {
    const bindings = normalize(p?.bindings ?? [])
    const addedAt = new Map<string, number>()
    for (const b of bindings) for (const m of b.members) addedAt.set(bindingKey(b.role, b.condition, m), 0)
    this.policies.set(resource, { bindings, etag: bindings.length ? nextEtag() : EMPTY_ETAG, addedAt, reads: 0 })
  }

  private get(resource: string): Stored {
    let s = this.policies.get(resource)
    if (!s) {
      s = { bindings: [], etag: EMPTY_ETAG, addedAt: new Map(), reads: 0 }
      this.policies.set(resource, s)
    }
    return s
  }

  /** getIamPolicy: conditional bindings are shown only to a caller asking for version 3. */
  read(resource: string, requestedVersion = 0): Policy {
    const s = this.get(resource)
    const view = this.view(s, requestedVersion)
    s.reads++
    this.hooks.afterRead?.(resource, s.reads)
    return view
  }

  /** The full version 3 view, without counting as a read (for assertions). */
  full(resource: string): Policy {
    return this.view(this.get(resource), 3)
  }

  /** A view at `version`, without counting as a read. */
  peek(resource: string, version: number): Policy {
    return this.view(this.get(resource), version)
  }

  private view(s: Stored, requestedVersion: number): Policy {
    const conditional = s.bindings.some(b => b.condition)
    const out: Policy = {}
    if (s.bindings.length) {
      out.version = conditional && requestedVersion >= 3 ? 3 : 1
      out.bindings = s.bindings.map(b => {
        if (!b.condition) return { role: b.role, members: [...b.members] }
        if (requestedVersion >= 3) return { role: b.role, members: [...b.members], condition: { ...b.condition } }
        return { role: `${b.role}_withcond_${withcondSuffix(b)}`, members: [...b.members] }
      })
    }
    out.etag = s.etag
    return out
  }

  /** setIamPolicy. Without an etag the write replaces blindly, which is how conditions get lost. */
  write(resource: string, p: Policy): Policy {
    const s = this.get(resource)
    if (p.etag && !sameEtag(p.etag, s.etag))
      throw aborted('There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.')
    const version = p.version ?? 1
    if (![0, 1, 2, 3].includes(version)) throw invalidArgument(`Invalid IAM Policy version: ${version}.`)
    const bindings = normalize(p.bindings ?? [])
    for (const b of bindings) {
      if (b.role.includes('_withcond_'))
        throw invalidArgument(
          `Role ${b.role} is a placeholder for a conditional role binding shown in a version 1 policy; it cannot be set. Request policy version 3 to read and write conditional role bindings.`
        )
      if (isMalformedRole(b.role)) throw invalidArgument(`Role ${b.role} is not supported for this resource.`)
      if (b.condition && version < 3)
        throw invalidArgument('Policy with conditional role bindings must have version 3 or greater. Set the policy version to 3.')
      if (b.condition && !b.condition.expression) throw invalidArgument('Condition expression must not be empty.')
      for (const m of b.members) {
        if (!MEMBER.test(m))
          throw invalidArgument(`Invalid member type for member ${m}. Set a valid type prefix, such as user:, serviceAccount:, group: or domain:.`)
        if (this.hooks.memberExists && !this.hooks.memberExists(m)) throw invalidArgument(`Service account ${m.slice(m.indexOf(':') + 1)} does not exist.`)
      }
    }
    this.replace(s, bindings)
    return this.view(s, 3)
  }

  /** A change made outside the caller's read-modify-write (a concurrent writer). */
  addBinding(resource: string, role: string, member: string): void {
    const s = this.get(resource)
    const bindings = s.bindings.map(b => ({ ...b, members: [...b.members] }))
    const target = bindings.find(b => b.role === role && !b.condition)
    if (target) target.members.push(member)
    else bindings.push({ role, members: [member] })
    this.replace(s, normalize(bindings))
  }

  private replace(s: Stored, bindings: Binding[]): void {
    const now = this.hooks.now()
    const addedAt = new Map<string, number>()
    for (const b of bindings)
      for (const m of b.members) {
        const k = bindingKey(b.role, b.condition, m)
        addedAt.set(k, s.addedAt.get(k) ?? now)
      }
    s.bindings = bindings
    s.addedAt = addedAt
    s.etag = nextEtag()
  }

  /**
   * Does `who` hold `permission` through any of `resources` (the resource, then its ancestors)?
   * A binding with a condition never grants here: we do not evaluate CEL against request
   * attributes, and erring towards "denied" means a test cannot pass because of a condition
   * Google might have evaluated to false.
   * `propagationDelayMs` applies to invocations only: bindings younger than it do not count yet.
   */
  allows(who: Identity, resources: string[], permission: string, propagationDelayMs = 0): boolean {
    if (this.denyingRule(who, resources, permission)) return false
    return this.granted(who, resources, permission, propagationDelayMs)
  }

  /** Whether an allow policy on `resources` grants `permission`, deny policies aside (Policy Troubleshooter's allow half). */
  granted(who: Identity, resources: string[], permission: string, propagationDelayMs = 0): boolean {
    const now = this.hooks.now()
    const names = new Set(who.aliases.map(a => a.toLowerCase()))
    for (const r of resources) {
      const s = this.policies.get(r)
      if (!s) continue
      for (const b of s.bindings) {
        if (b.condition || !this.hooks.roleGrants(b.role, permission)) continue
        for (const m of b.members) {
          if (!names.has(m.toLowerCase())) continue
          if (propagationDelayMs > 0 && now - (s.addedAt.get(bindingKey(b.role, b.condition, m)) ?? 0) < propagationDelayMs) continue
          return true
        }
      }
    }
    return false
  }

  /** Whether `role` is bound (unconditionally) to `member` on exactly this resource. */
  hasBinding(resource: string, role: string, member: string): boolean {
    const s = this.policies.get(resource)
    return !!s?.bindings.some(b => !b.condition && b.role === role && b.members.some(m => m.toLowerCase() === member.toLowerCase()))
  }
}

/**
 * v1 services whose deny-policy FQDN is not `<service>.googleapis.com`: Resource Manager's
 * permissions are `resourcemanager.*` in v1 and `cloudresourcemanager.googleapis.com/*` in v2.
 */
const V2_SERVICE: Record<string, string> = { resourcemanager: 'cloudresourcemanager' }
const V1_SERVICE: Record<string, string> = Object.fromEntries(Object.entries(V2_SERVICE).map(([a, b]) => [b, a]))

/**
 * A v1 permission (`run.routes.invoke`) in the v2 form deny policies use
 * (`run.googleapis.com/routes.invoke`): "SERVICE_FQDN/RESOURCE.ACTION ... SERVICE_FQDN is
 * typically the value of SERVICE_ID from the v1 API, followed by .googleapis.com" (Google's
 * "Permissions supported in deny policies"), with the exceptions in V2_SERVICE. A v2 permission
 * is returned as it is.
 */
export function v2Permission(permission: string): string {
  if (permission.includes('/')) return permission
  const [service, ...rest] = permission.split('.')
  return `${V2_SERVICE[service] ?? service}.googleapis.com/${rest.join('.')}`
}

/** The v1 form of a v2 permission (`run.googleapis.com/routes.invoke` → `run.routes.invoke`). */
export function v1Permission(permission: string): string {
  const m = /^([a-z0-9]+)\.googleapis\.com\/(.+)$/.exec(permission)
  return m ? `${V1_SERVICE[m[1]] ?? m[1]}.${m[2]}` : permission
}

/**
 * Every v2 principal identifier (Google's "IAM principal identifiers") that names `who` in a deny
 * rule: the service account or Google Account, a federated principal as it is, and everyone
 * (`principalSet://goog/public:all`, which includes anonymous callers). Groups and domains do not
 * appear: the stand-in has no membership data, so a rule naming `principalSet://goog/group/…`
 * never matches.
 */
export function v2Principals(who: Identity): Set<string> {
  const out = new Set<string>(['principalset://goog/public:all'])
  for (const m of [who.member, ...who.aliases]) {
    const lower = m.toLowerCase()
    if (lower.startsWith('serviceaccount:')) out.add(`principal://iam.googleapis.com/projects/-/serviceaccounts/${lower.slice('serviceaccount:'.length)}`)
    else if (lower.startsWith('user:')) out.add(`principal://goog/subject/${lower.slice('user:'.length)}`)
    else if (lower.startsWith('principal://') || lower.startsWith('principalset://')) out.add(lower)
  }
  return out
}

/** Whether a v2 permission pattern (`svc.googleapis.com/RESOURCE.VERB`, RESOURCE or VERB `*`) covers `permission`. */
export function permissionMatches(pattern: string, permission: string): boolean {
  const split = (p: string): [string, string, string] => {
    const slash = p.indexOf('/')
    const rest = p.slice(slash + 1)
    const dot = rest.lastIndexOf('.')
    return [p.slice(0, slash).toLowerCase(), rest.slice(0, dot), rest.slice(dot + 1)]
  }
  const [ps, pr, pv] = split(v2Permission(pattern))
  const [s, r, v] = split(permission)
  return ps === s && (pr === '*' || pr === r) && (pv === '*' || pv === v)
}

/** How one deny rule reads for a principal (its v2 identifiers) and a v2 permission. */
export function matchRule(
  rule: DenyRule,
  principals: Set<string>,
  permission: string
): { principal: boolean; permission: boolean; exceptionPrincipal: boolean; exceptionPermission: boolean } {
  const named = (list?: string[]): boolean => (list ?? []).some(p => principals.has(p.toLowerCase()))
  const covered = (list?: string[]): boolean => (list ?? []).some(p => permissionMatches(p, permission))
  return {
    principal: named(rule.deniedPrincipals),
    permission: covered(rule.deniedPermissions),
    exceptionPrincipal: named(rule.exceptionPrincipals),
    exceptionPermission: covered(rule.exceptionPermissions)
  }
}

/**
 * Does this rule deny? Denied principal and denied permission, neither excepted. A rule with a
 * denialCondition denies too: the stand-in evaluates no CEL, and, as with conditional allow
 * bindings (which never grant here), it errs towards "denied", so no test passes because of a
 * condition Google might have evaluated either way.
 */
function ruleDenies(rule: DenyRule, principals: Set<string>, permission: string): boolean {
  const m = matchRule(rule, principals, permission)
  return m.principal && m.permission && !m.exceptionPrincipal && !m.exceptionPermission
}

/** IAM merges bindings of the same role and condition and drops empty ones. */
function normalize(bindings: Binding[]): Binding[] {
  const out: Binding[] = []
  for (const b of bindings) {
    if (!b || typeof b.role !== 'string') throw invalidArgument('Invalid binding: role is required.')
    const members = Array.isArray(b.members) ? b.members : []
    const same = out.find(o => o.role === b.role && condKey(o.condition) === condKey(b.condition))
    if (same) {
      for (const m of members) if (!same.members.includes(m)) same.members.push(m)
    } else {
      const nb: Binding = { role: b.role, members: [...new Set(members)] }
      if (b.condition) nb.condition = { ...b.condition }
      out.push(nb)
    }
  }
  return out.filter(b => b.members.length > 0)
}

export { ApiError }
