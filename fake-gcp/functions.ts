/** Cloud Functions: the v2 API (which also returns gen 1 functions) and the v1 API for gen 1. */
import { notFound } from './errors'
import { iamMethods } from './iam-methods'
import { listPage, route, type Ctx, type Route } from './router'
import type { FakeState, FunctionRec } from './state'

const P = '/(v1|v2)/projects/([^/]+)/locations/([^/]+)/functions/([^/:]+)'

function lookup(state: FakeState, project: string, region: string, id: string): FunctionRec | undefined {
  const proj = state.project(project)
  return proj ? state.functions.get(`projects/${proj.projectId}/locations/${region}/functions/${id}`) : undefined
}

const TIME = '2025-01-01T00:00:00.000000000Z'

/** The v2 Function resource, for either generation. */
export function v2Function(state: FakeState, f: FunctionRec): Record<string, unknown> {
  const num = state.project(f.project)!.projectNumber
  const gen2 = f.spec.environment === 'GEN_2'
  const svc = gen2 ? state.services.get(f.serviceName!) : undefined
  const serviceConfig: Record<string, unknown> = {
    timeoutSeconds: 60,
    maxInstanceCount: 100,
    ingressSettings: f.spec.ingressSettings ?? 'ALLOW_ALL',
    uri: svc ? svc.uri : f.url,
    serviceAccountEmail: f.spec.serviceAccountEmail ?? (gen2 ? `${num}-compute@developer.gserviceaccount.com` : `${f.project}@appspot.gserviceaccount.com`),
    availableMemory: '256M'
  }
  if (gen2) {
    Object.assign(serviceConfig, {
      service: f.serviceName,
      allTrafficOnLatestRevision: true,
      revision: `${f.id}-00001-abc`,
      maxInstanceRequestConcurrency: 1,
      availableCpu: '0.1666'
    })
  }
  return {
    name: f.name,
    buildConfig: {
      ...(gen2 ? { build: `projects/${num}/locations/${f.region}/builds/00000000-0000-4000-8000-000000000000` } : {}),
      runtime: f.spec.runtime ?? 'nodejs20',
      entryPoint: f.spec.entryPoint ?? f.id,
      source: { storageSource: { bucket: `gcf-${gen2 ? 'v2' : ''}sources-${num}-${f.region}`, object: `${f.id}/function-source.zip` } },
      dockerRepository: `projects/${f.project}/locations/${f.region}/repositories/gcf-artifacts`,
      ...(gen2 ? {} : { dockerRegistry: 'ARTIFACT_REGISTRY' })
    },
    serviceConfig,
    state: f.spec.state ?? 'ACTIVE',
    updateTime: TIME,
    labels: { 'deployment-tool': 'cli-gcloud' },
    environment: f.spec.environment,
    url: f.url,
    createTime: TIME
  }
}

/** The v1 CloudFunction resource (gen 1 only). */
function v1Function(f: FunctionRec): Record<string, unknown> {
  return {
    name: f.name,
    httpsTrigger: { url: f.url, securityLevel: 'SECURE_ALWAYS' },
    status: f.spec.state ?? 'ACTIVE',
    entryPoint: f.spec.entryPoint ?? f.id,
    timeout: '60s',
    availableMemoryMb: 256,
    serviceAccountEmail: f.spec.serviceAccountEmail ?? `${f.project}@appspot.gserviceaccount.com`,
    updateTime: TIME,
    versionId: '1',
    labels: { 'deployment-tool': 'cli-gcloud' },
    runtime: f.spec.runtime ?? 'nodejs20',
    ingressSettings: f.spec.ingressSettings ?? 'ALLOW_ALL',
    maxInstances: 3000,
    dockerRegistry: 'ARTIFACT_REGISTRY'
  }
}

const notFoundMsg = (c: Ctx): string =>
  c.params[0] === 'v1'
    ? `Function ${c.params[3]} in region ${c.params[2]} in project ${c.params[1]} does not exist`
    : `Resource 'projects/${c.params[1]}/locations/${c.params[2]}/functions/${c.params[3]}' was not found`

/** v1 serves gen 1 functions only; v2 serves both generations. */
const visible = (c: Ctx, f: FunctionRec | undefined): FunctionRec | undefined => (f && (c.params[0] === 'v2' || f.spec.environment === 'GEN_1') ? f : undefined)

export function functionsRoutes(): Route[] {
  const name = (c: Ctx): string => `projects/${c.params[1]}/locations/${c.params[2]}/functions/${c.params[3]}`
  return [
    route('GET', new RegExp(`^${P}$`), c => {
      c.state.require(c.identity, name(c), 'cloudfunctions.functions.get')
      const f = visible(c, lookup(c.state, c.params[1], c.params[2], c.params[3]))
      if (!f) throw notFound(notFoundMsg(c))
      return c.params[0] === 'v1' ? v1Function(f) : v2Function(c.state, f)
    }),
    route('GET', /^\/(v1|v2)\/projects\/([^/]+)\/locations\/([^/]+)\/functions$/, c => {
      c.state.require(c.identity, `projects/${c.params[1]}`, 'cloudfunctions.functions.list', `projects/${c.params[1]}/locations/${c.params[2]}`)
      const proj = c.state.project(c.params[1])!
      const all = [...c.state.functions.values()].filter(f => f.project === proj.projectId && (c.params[2] === '-' || f.region === c.params[2]))
      // Functions v2 pages at most 1000 per call (its ListFunctionsRequest); v1 takes pageSize as well.
      return c.params[0] === 'v1'
        ? listPage(
            c,
            all.filter(f => f.spec.environment === 'GEN_1'),
            'functions',
            1000,
            v1Function
          )
        : listPage(c, all, 'functions', 1000, f => v2Function(c.state, f))
    }),
    ...iamMethods({
      path: P,
      resolve: c => visible(c, lookup(c.state, c.params[1], c.params[2], c.params[3]))?.name,
      display: name,
      permissionPrefix: 'cloudfunctions.functions',
      validPermission: p => p.startsWith('cloudfunctions.'),
      notFoundMessage: notFoundMsg,
      getVerbs: ['GET'] // GET only (gcloud's generated clients); a POST is answered 404, as by Google
    })
  ]
}
