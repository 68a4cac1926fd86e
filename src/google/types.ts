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
