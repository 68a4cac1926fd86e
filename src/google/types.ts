/** The REST (JSON) shapes of the Google resources the action reads, as far as it uses them. */

export interface OidcToken {
  serviceAccountEmail?: string
  audience?: string
}

export interface OauthToken {
  serviceAccountEmail?: string
  scope?: string
}

export interface HttpTarget {
  uri?: string
  httpMethod?: string
  headers?: Record<string, string>
  body?: string
  oidcToken?: OidcToken
  oauthToken?: OauthToken
}

export interface RpcStatus {
  code?: number
  message?: string
}

export interface Job {
  name: string
  description?: string
  schedule?: string
  timeZone?: string
  state?: 'ENABLED' | 'PAUSED' | 'DISABLED' | 'UPDATE_FAILED' | 'STATE_UNSPECIFIED'
  httpTarget?: HttpTarget
  pubsubTarget?: unknown
  appEngineHttpTarget?: unknown
  status?: RpcStatus
  lastAttemptTime?: string
  scheduleTime?: string
  userUpdateTime?: string
}

export interface Binding {
  role: string
  members?: string[]
  condition?: { expression: string; title?: string; description?: string }
}

export interface Policy {
  version?: number
  etag?: string
  bindings?: Binding[]
  auditConfigs?: unknown[]
}

export interface CloudFunction {
  name: string
  environment?: 'GEN_1' | 'GEN_2' | 'ENVIRONMENT_UNSPECIFIED'
  url?: string
  state?: string
  serviceConfig?: { uri?: string; service?: string; ingressSettings?: string; serviceAccountEmail?: string }
}

export interface RunService {
  name: string
  uri?: string
  urls?: string[]
  customAudiences?: string[]
  ingress?: string
  invokerIamDisabled?: boolean
  /** The `run.app` URLs do not resolve: only a custom domain or load balancer reaches it. */
  defaultUriDisabled?: boolean
  /** Identity-Aware Proxy checks each request before Cloud Run IAM does. */
  iapEnabled?: boolean
}

/** A Cloud Run (Admin v1) domain mapping: a custom domain routed to a service. */
export interface DomainMapping {
  metadata?: { name?: string; namespace?: string }
  spec?: { routeName?: string }
  status?: { url?: string }
}

/** An IAM service account (IAM v1), as far as the diagnosis reads it. */
export interface ServiceAccount {
  name?: string
  email?: string
  projectId?: string
  uniqueId?: string
  disabled?: boolean
}

/** One rule of an IAM v2 deny policy. */
export interface DenyRule {
  deniedPrincipals?: string[]
  exceptionPrincipals?: string[]
  deniedPermissions?: string[]
  exceptionPermissions?: string[]
  denialCondition?: { expression?: string; title?: string }
}

/** An IAM v2 deny policy; listed without its rules, read with them. */
export interface DenyPolicy {
  name: string
  displayName?: string
  rules?: { description?: string; denyRule?: DenyRule }[]
}

/** Resource Manager v1 `projects.getAncestry`: the project first, then folders, then the organization. */
export interface Ancestry {
  ancestor?: { resourceId?: { type?: string; id?: string } }[]
}

/** Policy Troubleshooter v3's answer, as far as the report quotes it. */
export interface TroubleshootResponse {
  overallAccessState?: 'OVERALL_ACCESS_STATE_UNSPECIFIED' | 'CAN_ACCESS' | 'CANNOT_ACCESS' | 'UNKNOWN_INFO' | 'UNKNOWN_CONDITIONAL'
  allowPolicyExplanation?: {
    allowAccessState?: string
    explainedPolicies?: { allowAccessState?: string; fullResourceName?: string }[]
  }
  denyPolicyExplanation?: {
    denyAccessState?: string
    explainedResources?: {
      denyAccessState?: string
      fullResourceName?: string
      explainedPolicies?: { denyAccessState?: string; policy?: { name?: string; displayName?: string } }[]
    }[]
  }
}

export interface Project {
  projectId: string
  projectNumber: string
}

export interface LogEntry {
  logName?: string
  timestamp?: string
  insertId?: string
  severity?: string
  resource?: { type?: string; labels?: Record<string, string> }
  httpRequest?: { status?: number }
  jsonPayload?: Record<string, unknown> & { '@type'?: string; jobName?: string; status?: string; debugInfo?: string; url?: string }
}

/** A Cloud Run job (Admin v2), as far as the action reads it. */
export interface RunJob {
  name: string
  latestCreatedExecution?: { name?: string; createTime?: string; completionTime?: string; completionStatus?: string }
}

export interface RunCondition {
  type?: string
  state?: string
  message?: string
  reason?: string
  executionReason?: string
}

/** One execution of a Cloud Run job: its `Completed` condition says how it ended. */
export interface RunExecution {
  name: string
  createTime?: string
  startTime?: string
  completionTime?: string
  conditions?: RunCondition[]
  runningCount?: number
  succeededCount?: number
  failedCount?: number
  cancelledCount?: number
}

export interface Workflow {
  name: string
  state?: string
}

/** One execution of a workflow (Workflow Executions v1). */
export interface WorkflowExecution {
  name: string
  state?: 'STATE_UNSPECIFIED' | 'QUEUED' | 'ACTIVE' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'UNAVAILABLE'
  startTime?: string
  endTime?: string
  duration?: string
  error?: { payload?: string; context?: string }
}
