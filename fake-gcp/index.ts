/** Public API of the Google Cloud stand-in: start it from a Scenario, point clients at it, inspect it. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildRoutes, endpointOverrides, loaders, roleTable } from './apis'
import { Attempts } from './attempts'
import { GITHUB_OIDC_PATH } from './github-oidc'
import type { Job, Policy, Scenario } from './scenario'
import { Dispatcher, listen } from './server'
import { FakeState, type LogEntry, type RequestRecord } from './state'

export * from './scenario'
export { FakeState } from './state'
export type { LogEntry, RequestRecord, FunctionRec, ServiceRec, ProjectRec } from './state'
export { ApiError } from './errors'
export { parseFilter } from './filter'
export { PolicyEngine } from './policy'
export type { Identity } from './policy'
export { MODULES, servedApis } from './apis'
export type { ApiModule } from './apis'

export interface FakeGcp {
  /** 'http://127.0.0.1:PORT/' */
  url: string
  /** env for the action as a child process: endpoint overrides, ADC (external_account via WIF + impersonation), the runner's OIDC variables, project */
  actionEnv(dir: string, opts?: { serviceAccount?: string; adc?: boolean }): Record<string, string>
  /** env for gcloud: endpoint overrides, a token file for `opts.member` (default: the caller), an isolated config dir, no network */
  gcloudEnv(dir: string, opts?: { member?: string }): Record<string, string>
  /** an access token for `member`, for direct REST calls */
  tokenFor(member: string): string
  requests: RequestRecord[]
  state: FakeState
  getJob(name: string): Job
  /** the full version 3 view */
  getPolicy(resource: string): Policy
  /** every log entry written, including ones not yet visible to entries:list */
  logEntries(): LogEntry[]
  /** resolves when every attempt already triggered has finished (status and logs written) */
  idle(): Promise<void>
  close(): Promise<void>
}

/** google-github-actions/auth adds the audience to the runner's request URL, keeping its query. */
function withAudience(requestUrl: string, audience: string): string {
  const u = new URL(requestUrl)
  u.searchParams.set('audience', audience)
  return u.toString()
}

export async function startFakeGcp(scenario: Scenario, opts: { port?: number } = {}): Promise<FakeGcp> {
  const state = new FakeState(scenario, roleTable(), loaders())
  // Scheduler's attempts to a Google API meet that API's routes, as a request from outside would
  const attempts: Attempts = new Attempts(state, (api, req) => dispatcher.dispatch(req, r => !!r.apis?.includes(api)))
  const dispatcher: Dispatcher = new Dispatcher(state, buildRoutes({ state, attempts }))
  const server = await listen(state, dispatcher, opts.port)
  const url = server.url
  const defaultProject = scenario.projects[0]?.projectId ?? ''
  const overrides = endpointOverrides(url)
  const email = (member: string): string => member.replace(/^serviceAccount:/, '')

  return {
    url,
    requests: state.requests,
    state,
    tokenFor: member => state.tokens.mint(state.identity(member)),
    getJob(name) {
      const j = state.jobs.get(name)
      if (!j) throw new Error(`fake-gcp: no job ${name}`)
      return structuredClone(j)
    },
    getPolicy: resource => state.policies.full(resource),
    logEntries: () => state.logs.map(s => structuredClone(s.entry)),
    idle: () => attempts.idle(),
    async close() {
      attempts.close()
      await server.close()
    },

    actionEnv(dir, o = {}) {
      const oidcUrl = `${url}${GITHUB_OIDC_PATH}`
      const env: Record<string, string> = {
        ...overrides,
        // A runner's URL carries a query (api-version); @actions/core appends `&audience=`.
        ACTIONS_ID_TOKEN_REQUEST_URL: `${oidcUrl}?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: state.githubRequestToken,
        GOOGLE_CLOUD_PROJECT: defaultProject
      }
      if (o.adc !== false) {
        if (!scenario.wif) throw new Error('fake-gcp: actionEnv with ADC needs scenario.wif')
        const provider = scenario.wif.provider
        const sa = email(o.serviceAccount ?? scenario.caller)
        // exactly what google-github-actions/auth writes for WIF with impersonation
        const adc = {
          type: 'external_account',
          audience: `//iam.googleapis.com/${provider}`,
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: `${url}v1/token`,
          service_account_impersonation_url: `${url}v1/projects/-/serviceAccounts/${sa}:generateAccessToken`,
          credential_source: {
            url: withAudience(env.ACTIONS_ID_TOKEN_REQUEST_URL, `https://iam.googleapis.com/${provider}`),
            headers: { Authorization: `Bearer ${state.githubRequestToken}` },
            format: { type: 'json', subject_token_field_name: 'value' }
          }
        }
        mkdirSync(dir, { recursive: true })
        const file = join(dir, `gha-creds-${Math.random().toString(16).slice(2, 10)}.json`)
        writeFileSync(file, JSON.stringify(adc, null, 2))
        env.GOOGLE_APPLICATION_CREDENTIALS = file
      }
      return env
    },

    gcloudEnv(dir, o = {}) {
      const config = join(dir, 'gcloud')
      mkdirSync(config, { recursive: true })
      const tokenFile = join(dir, `gcloud-token-${Math.random().toString(16).slice(2, 10)}`)
      writeFileSync(tokenFile, state.tokens.mint(state.identity(o.member ?? scenario.caller)))
      return {
        ...overrides,
        CLOUDSDK_CONFIG: config,
        CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
        CLOUDSDK_CORE_PROJECT: defaultProject,
        CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
        CLOUDSDK_SURVEY_DISABLE_PROMPTS: 'true',
        CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
        CLOUDSDK_METRICS_ENVIRONMENT: 'fake-gcp',
        // gcloud run derives regional hosts (REGION-127.0.0.1:PORT) that do not resolve: send everything through this server as a proxy
        CLOUDSDK_PROXY_TYPE: 'http',
        CLOUDSDK_PROXY_ADDRESS: '127.0.0.1',
        CLOUDSDK_PROXY_PORT: String(server.port),
        NO_PROXY: '',
        no_proxy: ''
      }
    }
  }
}
