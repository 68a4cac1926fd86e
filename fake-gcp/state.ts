/** The in-memory model of one Google Cloud, loaded from a Scenario. */
import { permissionDenied } from './errors'
import { PolicyEngine, type Identity } from './policy'
import type { RoleTable } from './roles'
import type {
  CloudRunJobSpec,
  DomainMappingSpec,
  FunctionSpec,
  Job,
  RunJobTimeline,
  Scenario,
  ServiceSpec,
  Settings,
  WorkflowSpec,
  WorkflowTimeline
} from './scenario'
import { newSigner, TokenRegistry, type Signer } from './tokens'

export interface ProjectRec {
  projectId: string
  projectNumber: string
  /** 'folders/ID' or 'organizations/ID' (Resource Manager v3's Project.parent) */
  parent?: string
}
/** A folder or the organization: a node of the resource hierarchy above the projects. */
export interface HierarchyNodeRec {
  /** 'folders/ID' or 'organizations/ID' */
  name: string
  displayName: string
  /** the folder's parent; none for the organization */
  parent?: string
}
export interface FunctionRec {
  name: string
  project: string
  region: string
  id: string
  spec: FunctionSpec
  url: string
  /** gen 2: the Cloud Run service that serves it */
  serviceName?: string
}
export interface ServiceRec {
  name: string
  project: string
  region: string
  id: string
  spec: ServiceSpec
  uri: string
  urls: string[]
  /** set when this service backs a gen 2 function */
  functionName?: string
}
export interface RunJobRec {
  name: string
  project: string
  region: string
  id: string
  spec: CloudRunJobSpec
  createdAt: number
  /** execution names, oldest first */
  executions: string[]
}
/** One execution of a Cloud Run job; its status is computed from the clock and its timeline. */
export interface RunExecutionRec {
  /** projects/PROJECT_ID/locations/L/jobs/J/executions/E */
  name: string
  job: string
  id: string
  createdAt: number
  timeline: Required<Omit<RunJobTimeline, 'error'>> & { error?: string }
  taskCount: number
  /** the task timeout, seconds */
  timeoutSeconds: number
  overrides?: Record<string, unknown>
  creator: string
}
export interface WorkflowRec {
  name: string
  project: string
  region: string
  id: string
  spec: WorkflowSpec
  revisionId: string
  createdAt: number
  executions: string[]
}
export interface WorkflowExecutionRec {
  /** projects/PROJECT_NUMBER/locations/L/workflows/W/executions/UUID, as Workflows names them */
  name: string
  workflow: string
  createdAt: number
  timeline: Required<Omit<WorkflowTimeline, 'error'>> & { error?: WorkflowTimeline['error'] }
  argument?: string
  callLogLevel?: string
  labels?: Record<string, string>
}
export interface SaRec {
  email: string
  project: string
  uniqueId: string
  /** ServiceAccount.disabled: no token can be minted for it */
  disabled: boolean
}
export interface LogEntry {
  logName: string
  resource: { type: string; labels: Record<string, string> }
  timestamp: string
  receiveTimestamp: string
  severity: string
  insertId: string
  jsonPayload?: Record<string, unknown>
  httpRequest?: Record<string, unknown>
}
export interface StoredLogEntry {
  entry: LogEntry
  /** epoch ms from which entries:list returns it (ingestion delay) */
  visibleAt: number
}
export interface RequestRecord {
  method: string
  path: string
  query: string
  body: unknown
  status: number
  time: number
  principal?: string
  /** what the stand-in answered: the JSON body as sent (a snapshot), or the text of a non-JSON answer; absent for a dropped connection */
  response?: unknown
}

export const SA_DOMAIN = /^([^@]+)@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/i

export class FakeState {
  readonly settings: Required<Settings>
  readonly projects = new Map<string, ProjectRec>()
  readonly functions = new Map<string, FunctionRec>()
  readonly services = new Map<string, ServiceRec>()
  readonly jobs = new Map<string, Job>()
  readonly runJobs = new Map<string, RunJobRec>()
  readonly runExecutions = new Map<string, RunExecutionRec>()
  readonly workflows = new Map<string, WorkflowRec>()
  readonly workflowExecutions = new Map<string, WorkflowExecutionRec>()
  readonly serviceAccounts = new Map<string, SaRec>()
  /** Cloud Run domain mappings by domain (lower case), loaded by Cloud Run */
  readonly domainMappings = new Map<string, DomainMappingSpec>()
  /** folders and the organization by name ('folders/ID', 'organizations/ID'), loaded by Resource Manager */
  readonly hierarchy = new Map<string, HierarchyNodeRec>()
  readonly policies: PolicyEngine
  readonly tokens = new TokenRegistry()
  /** signs Google ID tokens (generateIdToken, Scheduler OIDC) */
  readonly google: Signer = newSigner('fake-google-1')
  /** signs GitHub Actions OIDC tokens */
  readonly github: Signer = newSigner('fake-github-1')
  readonly logs: StoredLogEntry[] = []
  readonly requests: RequestRecord[] = []
  readonly caller: string
  readonly wif?: Scenario['wif']
  /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN for this fake */
  readonly githubRequestToken = `ghrt-${Math.random().toString(36).slice(2)}`
  private readonly saCheck: boolean

  constructor(
    readonly scenario: Scenario,
    readonly roles: RoleTable,
    loaders: ((state: FakeState) => void)[] = []
  ) {
    const s = scenario.settings ?? {}
    this.settings = {
      latencyMs: s.latencyMs ?? 0,
      attemptDelayMs: s.attemptDelayMs ?? 300,
      logIngestionDelayMs: s.logIngestionDelayMs ?? 1000,
      iamPropagationDelayMs: s.iamPropagationDelayMs ?? 0,
      coarseStatus: s.coarseStatus ?? false,
      loggingReadsPerMinute: s.loggingReadsPerMinute ?? 60,
      logEmptyPages: s.logEmptyPages ?? 0
    }
    this.caller = scenario.caller
    this.wif = scenario.wif
    const writers = scenario.concurrentWriters ?? []
    this.policies = new PolicyEngine({
      now: () => Date.now(),
      roleGrants: (role, permission) => roles.grants(role, permission),
      memberExists: m => this.memberExists(m),
      afterRead: (resource, n) => {
        for (const w of writers) if (w.resource === resource && w.afterRead === n) this.policies.addBinding(resource, w.add.role, w.add.member)
      }
    })

    this.saCheck = scenario.serviceAccounts !== undefined
    // each API module loads its part of the scenario, in registry order (projects first)
    for (const load of loaders) load(this)
  }

  /** Throw a scenario error unless `project` was loaded (by Resource Manager, first). */
  requireProject(project: string, what: string): void {
    if (!this.projects.has(project)) throw new Error(`scenario: ${what} names unknown project ${project}`)
  }

  /** IAM refuses bindings for user-managed accounts that do not exist (only checked when the scenario lists accounts). */
  private memberExists(member: string): boolean {
    if (!this.saCheck || !member.startsWith('serviceAccount:')) return true
    const email = member.slice('serviceAccount:'.length)
    const m = SA_DOMAIN.exec(email)
    if (!m || !this.projects.has(m[2])) return true
    return this.serviceAccounts.has(email.toLowerCase())
  }

  project(idOrNumber: string): ProjectRec | undefined {
    return this.projects.get(idOrNumber) ?? [...this.projects.values()].find(p => p.projectNumber === idOrNumber)
  }

  serviceAccount(email: string): SaRec | undefined {
    return this.serviceAccounts.get(email.toLowerCase())
  }

  /** Every member string a binding may use to name this principal. */
  identity(member: string): Identity {
    const aliases = [member, 'allUsers', 'allAuthenticatedUsers']
    const fed = /^principal:\/\/iam\.googleapis\.com\/(projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/]+)\/subject\/(.+)$/.exec(member)
    if (fed && this.wif) {
      aliases.push(`principalSet://iam.googleapis.com/${fed[1]}/attribute.repository/${this.wif.repository}`)
      aliases.push(`principalSet://iam.googleapis.com/${fed[1]}/*`)
    }
    return { member, aliases }
  }

  /** The resource followed by its ancestors (project, folders nearest first, organization), for IAM inheritance. */
  ancestry(resource: string): string[] {
    const m = /^projects\/([^/]+)/.exec(resource)
    const proj = m ? this.project(m[1]) : undefined
    const projectRes = proj ? `projects/${proj.projectId}` : undefined
    const chain = projectRes && projectRes !== resource ? [resource, projectRes] : [resource]
    let parent = proj ? proj.parent : this.hierarchy.get(resource)?.parent
    while (parent && !chain.includes(parent)) {
      chain.push(parent)
      parent = this.hierarchy.get(parent)?.parent
    }
    return chain
  }

  can(who: Identity, resource: string, permission: string): boolean {
    return this.policies.allows(who, this.ancestry(resource), permission)
  }

  /** Throw Google's 403 unless `who` holds `permission` on `resource` (or an ancestor). */
  require(who: Identity, resource: string, permission: string, shownAs = resource): void {
    if (!this.can(who, resource, permission)) throw permissionDenied(permission, shownAs)
  }

  /**
   * Like require, for a call that invokes something (runs a job, starts a workflow): a binding
   * younger than the scenario's IAM propagation delay does not count yet.
   */
  requireInvoke(who: Identity, resource: string, permission: string, shownAs = resource): void {
    if (!this.policies.allows(who, this.ancestry(resource), permission, this.settings.iamPropagationDelayMs)) throw permissionDenied(permission, shownAs)
  }

  /** The function serving `https://REGION-PROJECT.cloudfunctions.net/NAME[/…]`, if any. */
  functionByUrl(uri: string): FunctionRec | undefined {
    return [...this.functions.values()].find(f => uri === f.url || uri.startsWith(`${f.url}/`) || uri.startsWith(`${f.url}?`))
  }

  serviceByOrigin(origin: string): ServiceRec | undefined {
    return [...this.services.values()].find(s => [s.uri, ...s.urls].some(u => safeOrigin(u) === origin))
  }
}

export function parseName(name: string, kind: string): { project: string; region: string; id: string } {
  const m = new RegExp(`^projects/([^/]+)/locations/([^/]+)/${kind}/([^/]+)$`).exec(name)
  if (!m) throw new Error(`scenario: bad ${kind} name ${name}`)
  return { project: m[1], region: m[2], id: m[3] }
}

export const saResource = (project: string, email: string): string => `projects/${project}/serviceAccounts/${email}`

export function safeOrigin(u: string): string | undefined {
  try {
    return new URL(u).origin
  } catch {
    return undefined
  }
}
