/** Cloud Functions: the v2 API (which also returns gen 1 functions) and the v1 API for gen 1. */
import { notFound } from './errors'
import { iamMethods } from './iam-methods'
import type { ApiModule } from './module'
import { listPage, route, type Ctx, type Route } from './router'
import { addService } from './run'
import { functionUrl } from './scenario'
import { parseName, type FakeState, type FunctionRec } from './state'

const P = '/{version:v1|v2}/projects/{project}/locations/{location}/functions/{function}'

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
  c.params.version === 'v1'
    ? `Function ${c.params.function} in region ${c.params.location} in project ${c.params.project} does not exist`
    : `Resource 'projects/${c.params.project}/locations/${c.params.location}/functions/${c.params.function}' was not found`

/** v1 serves gen 1 functions only; v2 serves both generations. */
const visible = (c: Ctx, f: FunctionRec | undefined): FunctionRec | undefined =>
  f && (c.params.version === 'v2' || f.spec.environment === 'GEN_1') ? f : undefined

const name = (c: Ctx): string => `projects/${c.params.project}/locations/${c.params.location}/functions/${c.params.function}`
const find = (c: Ctx): FunctionRec | undefined => visible(c, lookup(c.state, c.params.project, c.params.location, c.params.function))

function functionsRoutes(): Route[] {
  return [
    route('GET', P, c => {
      c.state.require(c.identity, name(c), 'cloudfunctions.functions.get')
      const f = find(c)
      if (!f) throw notFound(notFoundMsg(c))
      return c.params.version === 'v1' ? v1Function(f) : v2Function(c.state, f)
    }),
    route('GET', '/{version:v1|v2}/projects/{project}/locations/{location}/functions', c => {
      const { version, project, location } = c.params
      c.state.require(c.identity, `projects/${project}`, 'cloudfunctions.functions.list', `projects/${project}/locations/${location}`)
      const proj = c.state.project(project)!
      const all = [...c.state.functions.values()].filter(f => f.project === proj.projectId && (location === '-' || f.region === location))
      // Functions v2 pages at most 1000 per call (its ListFunctionsRequest); v1 takes pageSize as well.
      return version === 'v1'
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
      resolve: c => find(c)?.name,
      display: name,
      permissionPrefix: 'cloudfunctions.functions',
      validPermission: p => p.startsWith('cloudfunctions.'),
      notFoundMessage: notFoundMsg,
      getVerbs: ['GET'] // GET only (gcloud's generated clients); a POST is answered 404, as by Google
    })
  ]
}

/** Functions first, so a gen 2 function's Cloud Run service takes its place before the scenario's other services. */
function load(state: FakeState): void {
  const services = new Map((state.scenario.services ?? []).map(s => [s.name, s]))
  for (const f of state.scenario.functions ?? []) {
    const { project, region, id } = parseName(f.name, 'functions')
    state.requireProject(project, f.name)
    const rec: FunctionRec = { name: f.name, project, region, id, spec: f, url: functionUrl(project, region, id) }
    if (f.environment === 'GEN_2') {
      rec.serviceName = `projects/${project}/locations/${region}/services/${id}`
      addService(state, services.get(rec.serviceName) ?? { name: rec.serviceName }, f.name)
    }
    state.functions.set(f.name, rec)
    state.policies.load(f.name, f.iamPolicy)
  }
}

export const functions: ApiModule = {
  name: 'Cloud Functions',
  apis: ['CLOUDFUNCTIONS'],
  load,
  routes: () => functionsRoutes(),
  roles: {
    'roles/cloudfunctions.admin': { grants: ['cloudfunctions.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'] },
    'roles/cloudfunctions.developer': {
      grants: ['cloudfunctions.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'],
      except: /\.setIamPolicy$/
    },
    'roles/cloudfunctions.viewer': {
      grants: [
        'cloudfunctions.functions.get',
        'cloudfunctions.functions.list',
        'cloudfunctions.locations.list',
        'cloudfunctions.operations.get',
        'cloudfunctions.operations.list',
        'cloudfunctions.runtimes.list',
        'resourcemanager.projects.get'
      ]
    },
    'roles/cloudfunctions.invoker': { grants: ['cloudfunctions.functions.invoke', 'cloudfunctions.functions.call'] }
  }
}
