/** The Scenario a fake is started from (plain data) and small builders so tests stay terse. */

export interface Expr {
  expression: string
  title?: string
  description?: string
  location?: string
}
export interface Binding {
  role: string
  members: string[]
  condition?: Expr
}
export interface Policy {
  version?: number
  etag?: string
  bindings?: Binding[]
  auditConfigs?: unknown[]
}

export interface OidcToken {
  serviceAccountEmail?: string
  audience?: string
}
export interface OAuthToken {
  serviceAccountEmail?: string
  scope?: string
}
export interface HttpTarget {
  uri?: string
  httpMethod?: string
  headers?: Record<string, string>
  body?: string
  oidcToken?: OidcToken
  oauthToken?: OAuthToken
}
/** Cloud Scheduler v1 Job as Google returns it (JSON mapping, string enums). */
export interface Job {
  name: string
  description?: string
  httpTarget?: HttpTarget
  pubsubTarget?: Record<string, unknown>
  appEngineHttpTarget?: Record<string, unknown>
  schedule?: string
  timeZone?: string
  userUpdateTime?: string
  state?: string
  status?: { code?: number; message?: string; details?: unknown[] }
  scheduleTime?: string
  lastAttemptTime?: string
  retryConfig?: {
    retryCount?: number
    maxRetryDuration?: string
    minBackoffDuration?: string
    maxBackoffDuration?: string
    maxDoublings?: number
  }
  attemptDeadline?: string
}

export interface TargetResponse {
  status: number
  body?: string
}

export interface FunctionSpec {
  name: string
  environment: 'GEN_1' | 'GEN_2'
  ingressSettings?: 'ALLOW_ALL' | 'ALLOW_INTERNAL_ONLY' | 'ALLOW_INTERNAL_AND_GCLB'
  state?: string
  iamPolicy?: Policy
  response?: TargetResponse
  runtime?: string
  entryPoint?: string
  serviceAccountEmail?: string
}

export type RunIngress = 'INGRESS_TRAFFIC_ALL' | 'INGRESS_TRAFFIC_INTERNAL_ONLY' | 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER' | 'INGRESS_TRAFFIC_NONE'
export interface ServiceSpec {
  name: string
  uri?: string
  urls?: string[]
  customAudiences?: string[]
  ingress?: RunIngress
  invokerIamDisabled?: boolean
  /** GoogleCloudRunV2Service.defaultUriDisabled: the run.app URLs no longer resolve publicly */
  defaultUriDisabled?: boolean
  /** GoogleCloudRunV2Service.iapEnabled: Identity-Aware Proxy checks each request before Cloud Run does */
  iapEnabled?: boolean
  iamPolicy?: Policy
  response?: TargetResponse
}

/** A Cloud Run domain mapping (Admin API v1 DomainMapping): `domain` serves the Cloud Run service `service` (its id) in `region`. */
export interface DomainMappingSpec {
  project: string
  region: string
  domain: string
  service: string
}

/**
 * How one execution of a Cloud Run job unfolds, measured from its creation: pending (provisioning)
 * for `pendingMs`, running for `runMs`, then `outcome`. `error` is the failed Completed
 * condition's message.
 */
export interface RunJobTimeline {
  pendingMs?: number
  runMs?: number
  outcome?: 'SUCCEEDED' | 'FAILED'
  error?: string
}
export interface CloudRunJobSpec {
  /** projects/P/locations/L/jobs/J */
  name: string
  iamPolicy?: Policy
  /** tasks per execution (Job.template.taskCount), default 1 */
  taskCount?: number
  /** the job's runtime service account; default the project's Compute Engine default account */
  serviceAccount?: string
  image?: string
  /** one timeline for every execution, or one per execution in creation order (the last repeats) */
  timeline?: RunJobTimeline | RunJobTimeline[]
}

/** How one workflow execution unfolds: ACTIVE for `runMs`, then `outcome` with `result` or `error`. */
export interface WorkflowTimeline {
  runMs?: number
  outcome?: 'SUCCEEDED' | 'FAILED'
  /** the execution's `result` on success (a JSON text), default `"ok"` */
  result?: string
  /** the execution's `error` on failure */
  error?: { payload?: string; context?: string }
}
export interface WorkflowSpec {
  /** projects/P/locations/L/workflows/W */
  name: string
  serviceAccount?: string
  sourceContents?: string
  description?: string
  timeline?: WorkflowTimeline | WorkflowTimeline[]
}

export interface Fault {
  method?: string
  /** regex source matched against the request path */
  path: string
  /** 1-based: the Nth matching call */
  nth: number
  times?: number
  /** 'slow': a latency spike, the call answered normally but `delayMs` late (default 2000) */
  kind: 429 | 500 | 502 | 503 | 504 | 'drop' | 'slow'
  delayMs?: number
}

export interface ConcurrentWriter {
  resource: string
  afterRead: number
  add: { role: string; member: string }
}

export interface Settings {
  latencyMs?: number
  attemptDelayMs?: number
  logIngestionDelayMs?: number
  iamPropagationDelayMs?: number
  coarseStatus?: boolean
  loggingReadsPerMinute?: number
  /**
   * entries:list answers this many empty pages (a nextPageToken, no entries) before the results,
   * as Logging may while it scans: "If entries is empty, nextPageToken may still be returned".
   */
  logEmptyPages?: number
}

/** One rule of an IAM v2 deny policy, in Google's field names (GoogleIamV2DenyRule). */
export interface DenyRule {
  /** v2 principal identifiers: principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL, principal://goog/subject/EMAIL, principalSet://goog/public:all, principalSet://goog/group/EMAIL (never matches here: the stand-in has no group membership) */
  deniedPrincipals?: string[]
  exceptionPrincipals?: string[]
  /** v2 permissions: SERVICE_FQDN/RESOURCE.VERB, e.g. run.googleapis.com/routes.invoke; RESOURCE or VERB may be `*` */
  deniedPermissions?: string[]
  exceptionPermissions?: string[]
  /** a rule with a condition always applies here (see policy.ts: conservative, towards denial) */
  denialCondition?: Expr
}
/** An IAM v2 deny policy attached to a project, folder or organization. */
export interface DenyPolicySpec {
  id: string
  displayName?: string
  rules: { description?: string; denyRule: DenyRule }[]
}
/** The organization every project sits under (default: organizations/111111111111, an empty policy). */
export interface OrganizationSpec {
  id: string
  displayName?: string
  iamPolicy?: Policy
  denyPolicies?: DenyPolicySpec[]
}
export interface FolderSpec {
  id: string
  /** 'organizations/ID' or 'folders/ID' */
  parent: string
  displayName?: string
  iamPolicy?: Policy
  denyPolicies?: DenyPolicySpec[]
}

export interface Scenario {
  projects: {
    projectId: string
    projectNumber: string
    iamPolicy?: Policy
    /** 'folders/ID' or 'organizations/ID'; default the organization (organizations/111111111111 when the scenario names none) */
    parent?: string
    denyPolicies?: DenyPolicySpec[]
  }[]
  organization?: OrganizationSpec
  folders?: FolderSpec[]
  functions?: FunctionSpec[]
  services?: ServiceSpec[]
  /** Cloud Run jobs (Scheduler jobs are `jobs`) */
  cloudRunJobs?: CloudRunJobSpec[]
  workflows?: WorkflowSpec[]
  jobs?: Job[]
  serviceAccounts?: {
    email: string
    iamPolicy?: Policy
    /** ServiceAccount.disabled: it cannot sign tokens (IAM Credentials refuses, Scheduler's attempts fail) */
    disabled?: boolean
    /** ServiceAccount.uniqueId, e.g. to make a recreated account's differ from the `deleted:serviceAccount:EMAIL?uid=N` a policy holds */
    uniqueId?: string
  }[]
  /** Cloud Run domain mappings */
  domainMappings?: DomainMappingSpec[]
  caller: string
  wif?: { provider: string; repository: string; subject?: string }
  settings?: Settings
  faults?: Fault[]
  concurrentWriters?: ConcurrentWriter[]
}

// ---- builders ----

export const sa = (email: string): string => `serviceAccount:${email}`
export const binding = (role: string, ...members: string[]): Binding => ({ role, members })
export const policy = (...bindings: Binding[]): Policy => ({ version: 1, bindings })
export const schedulerAgent = (projectNumber: string): string => `serviceAccount:service-${projectNumber}@gcp-sa-cloudscheduler.iam.gserviceaccount.com`

/** What a deploying identity usually holds on its project: enough to verify, repair and test-run. */
export const DEPLOYER_ROLES = [
  'roles/cloudscheduler.admin',
  'roles/cloudfunctions.admin',
  'roles/run.admin',
  'roles/resourcemanager.projectIamAdmin',
  'roles/logging.viewer'
]

/** A project whose policy gives `member` the deployer roles and the Scheduler service agent its role (after any `extra`). */
export const deployerProject = (projectId: string, projectNumber: string, member: string, ...extra: Binding[]): Scenario['projects'][number] => ({
  projectId,
  projectNumber,
  iamPolicy: policy(...extra, ...DEPLOYER_ROLES.map(r => binding(r, member)), binding('roles/cloudscheduler.serviceAgent', schedulerAgent(projectNumber)))
})

type FnOpts = Partial<Omit<FunctionSpec, 'name' | 'environment'>>
export const gen1Function = (project: string, region: string, id: string, opts: FnOpts = {}): FunctionSpec => ({
  name: `projects/${project}/locations/${region}/functions/${id}`,
  environment: 'GEN_1',
  ...opts
})
export const gen2Function = (project: string, region: string, id: string, opts: FnOpts = {}): FunctionSpec => ({
  name: `projects/${project}/locations/${region}/functions/${id}`,
  environment: 'GEN_2',
  ...opts
})
export const runService = (project: string, region: string, id: string, opts: Partial<Omit<ServiceSpec, 'name'>> = {}): ServiceSpec => ({
  name: `projects/${project}/locations/${region}/services/${id}`,
  ...opts
})

export const cloudRunJob = (project: string, region: string, id: string, opts: Partial<Omit<CloudRunJobSpec, 'name'>> = {}): CloudRunJobSpec => ({
  name: `projects/${project}/locations/${region}/jobs/${id}`,
  ...opts
})
export const workflow = (project: string, region: string, id: string, opts: Partial<Omit<WorkflowSpec, 'name'>> = {}): WorkflowSpec => ({
  name: `projects/${project}/locations/${region}/workflows/${id}`,
  ...opts
})

/** The URI Scheduler calls to run a Cloud Run job (Admin API v2); `project` may be the id or the number. */
export const runJobUri = (project: string, region: string, id: string): string =>
  `https://run.googleapis.com/v2/projects/${project}/locations/${region}/jobs/${id}:run`
/** The older form the console's "Add trigger" wrote: the regional v1 (Knative) endpoint. */
export const legacyRunJobUri = (project: string, region: string, id: string): string =>
  `https://${region}-run.googleapis.com/apis/run.googleapis.com/v1/namespaces/${project}/jobs/${id}:run`
/** The URI Scheduler calls to start a workflow execution. */
export const workflowExecutionsUri = (project: string, region: string, id: string): string =>
  `https://workflowexecutions.googleapis.com/v1/projects/${project}/locations/${region}/workflows/${id}/executions`

export interface HttpJobOpts {
  httpMethod?: string
  body?: string
  headers?: Record<string, string>
  oidc?: OidcToken
  oauth?: OAuthToken
  schedule?: string
  timeZone?: string
  state?: string
  extra?: Partial<Job>
}
/** A job as Google returns it after creation; `body` is plain text here and stored base64 as the API does. */
export const httpJob = (project: string, location: string, id: string, uri: string, o: HttpJobOpts = {}): Job => {
  const httpTarget: HttpTarget = { uri, httpMethod: o.httpMethod ?? 'POST' }
  if (o.headers) httpTarget.headers = o.headers
  if (o.body !== undefined) httpTarget.body = Buffer.from(o.body).toString('base64')
  if (o.oidc) httpTarget.oidcToken = o.oidc
  if (o.oauth) httpTarget.oauthToken = o.oauth
  return {
    name: `projects/${project}/locations/${location}/jobs/${id}`,
    httpTarget,
    schedule: o.schedule ?? '0 3 * * *',
    timeZone: o.timeZone ?? 'Etc/UTC',
    userUpdateTime: '2025-01-01T00:00:00Z',
    state: o.state ?? 'ENABLED',
    scheduleTime: '2025-01-02T03:00:00Z',
    retryConfig: { maxRetryDuration: '0s', minBackoffDuration: '5s', maxBackoffDuration: '3600s', maxDoublings: 5 },
    attemptDeadline: '180s',
    ...o.extra
  }
}

/** A Scheduler job calling a Google API (a Cloud Run job, a workflow) with an OAuth token for `serviceAccountEmail`. */
export const oauthJob = (project: string, location: string, id: string, uri: string, serviceAccountEmail: string, o: HttpJobOpts = {}): Job =>
  httpJob(project, location, id, uri, { oauth: { serviceAccountEmail }, ...o })

/** The default URLs Google assigns, derived the same way everywhere (builders, state, tests). */
const REGION_CODES: Record<string, string> = {
  'us-central1': 'uc',
  'us-east1': 'ue',
  'us-east4': 'uk',
  'us-west1': 'uw',
  'us-west2': 'wl',
  'europe-west1': 'ew',
  'europe-west2': 'nw',
  'europe-west3': 'ey',
  'europe-west4': 'ez',
  'asia-northeast1': 'an',
  'asia-east1': 'de',
  'australia-southeast1': 'ts'
}
export const regionCode = (region: string): string =>
  REGION_CODES[region] ??
  region
    .replace(/[0-9]/g, '')
    .split('-')
    .map(p => p[0])
    .join('')
    .slice(0, 2)

export function runHash(project: string, region: string, id: string): string {
  // deterministic, so a scenario's URLs are stable across runs
  let h = 2166136261
  for (const c of `${project}/${region}/${id}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  let out = ''
  for (let i = 0; i < 10; i++) {
    out += String.fromCharCode(97 + (h % 26))
    h = Math.imul(h ^ (i + 1), 2654435761) >>> 0
  }
  return out
}
export const functionUrl = (project: string, region: string, id: string): string => `https://${region}-${project}.cloudfunctions.net/${id}`
export const defaultRunUrls = (project: string, projectNumber: string, region: string, id: string): string[] => [
  `https://${id}-${runHash(project, region, id)}-${regionCode(region)}.a.run.app`,
  `https://${id}-${projectNumber}.${region}.run.app`
]
