/**
 * The registry: every API the stand-in serves is one module in MODULES. Its routes, its part of a
 * scenario, its roles and the endpoint overrides a client needs all come from this one list.
 */
import { functions } from './functions'
import { githubOidc } from './github-oidc'
import { iam } from './iam'
import { logging } from './logging'
import type { ApiModule, ModuleEnv, ServedApi } from './module'
import { resourceManager } from './resourcemanager'
import { BASIC_ROLES, RoleTable } from './roles'
import { CLOUD_PLATFORM, type Route } from './router'
import { run } from './run'
import { scheduler } from './scheduler'
import type { FakeState } from './state'
import { sts } from './sts'
import { policyTroubleshooter } from './troubleshooter'
import { workflowExecutions, workflows } from './workflows'

export type { ApiModule, ModuleEnv, ServedApi } from './module'
export { GCLOUD_ONLY_APIS } from './module'

/** In load order: Resource Manager first (projects), Functions before Run (gen 2 services). */
export const MODULES: readonly ApiModule[] = [
  resourceManager,
  functions,
  run,
  workflows,
  workflowExecutions,
  scheduler,
  iam,
  policyTroubleshooter,
  logging,
  sts,
  githubOidc
]

/** Every API some module serves, each once, by override id. */
export const servedApis = (modules: readonly ApiModule[] = MODULES): ServedApi[] => [...new Set(modules.flatMap(m => m.apis))]

/** `CLOUDSDK_API_ENDPOINT_OVERRIDES_<id>` → `url` for every served API. */
export const endpointOverrides = (url: string, modules: readonly ApiModule[] = MODULES): Record<string, string> =>
  Object.fromEntries(servedApis(modules).map(a => [`CLOUDSDK_API_ENDPOINT_OVERRIDES_${a}`, url]))

export const roleTable = (modules: readonly ApiModule[] = MODULES): RoleTable => new RoleTable(BASIC_ROLES, ...modules.map(m => m.roles ?? {}))

export const loaders = (modules: readonly ApiModule[] = MODULES): ((state: FakeState) => void)[] => modules.flatMap(m => (m.load ? [m.load] : []))

/** Every module's routes, each tagged with the APIs it belongs to and the scopes that cover it. */
export function buildRoutes(env: ModuleEnv, modules: readonly ApiModule[] = MODULES): Route[] {
  return modules.flatMap(m => m.routes(env).map(r => ({ ...r, apis: m.apis, scopes: [CLOUD_PLATFORM, ...(m.scopes ?? [])] })))
}

/**
 * The API a `https://HOST/...` URL addresses, if HOST is a Google API host: `<id>.googleapis.com`,
 * or a regional `<region>-<id>.googleapis.com` as gcloud uses for Cloud Run.
 */
export function apiOfHost(host: string): string | undefined {
  const m = /^(?:[a-z]+-[a-z]+\d+-)?([a-z0-9]+)\.googleapis\.com$/i.exec(host.replace(/:443$/, ''))
  return m ? m[1].toUpperCase() : undefined
}
