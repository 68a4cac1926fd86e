/**
 * Cloud Run: the v2 API, the v1 IAM methods gcloud uses, and the Knative-style v1 surface of
 * `gcloud run services describe`; jobs and their executions are in run-jobs.ts.
 */
import { notFound } from './errors'
import { iamMethods } from './iam-methods'
import type { ApiModule } from './module'
import { addRunJob, regionOf, runJobRoutes } from './run-jobs'
import { listPage, route, type Ctx, type Route } from './router'
import { defaultRunUrls, type DomainMappingSpec, type ServiceSpec } from './scenario'
import { parseName, type FakeState, type ServiceRec } from './state'

const TIME = '2025-01-01T00:00:00.000000Z'
const INGRESS_ANNOTATION: Record<string, string> = {
  INGRESS_TRAFFIC_ALL: 'all',
  INGRESS_TRAFFIC_INTERNAL_ONLY: 'internal',
  INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER: 'internal-and-cloud-load-balancing'
}

function lookup(state: FakeState, project: string, region: string, id: string): ServiceRec | undefined {
  const proj = state.project(project)
  return proj ? state.services.get(`projects/${proj.projectId}/locations/${region}/services/${id}`) : undefined
}

const computeSa = (state: FakeState, s: ServiceRec): string => `${state.project(s.project)!.projectNumber}-compute@developer.gserviceaccount.com`

export function v2Service(state: FakeState, s: ServiceRec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: s.name,
    uid:
      '00000000-0000-4000-8000-' +
      s.id
        .padEnd(12, '0')
        .slice(0, 12)
        .replace(/[^0-9a-f]/g, 'a'),
    generation: '1',
    labels: s.functionName ? { 'goog-managed-by': 'cloudfunctions' } : {},
    createTime: TIME,
    updateTime: TIME,
    creator: state.caller.replace(/^[a-zA-Z]+:/, ''),
    lastModifier: state.caller.replace(/^[a-zA-Z]+:/, ''),
    ingress: s.spec.ingress ?? 'INGRESS_TRAFFIC_ALL',
    launchStage: 'GA',
    template: {
      serviceAccount: computeSa(state, s),
      containers: [
        {
          image: `us-docker.pkg.dev/cloudrun/container/hello`,
          ports: [{ name: 'http1', containerPort: 8080 }],
          resources: { limits: { cpu: '1000m', memory: '512Mi' }, cpuIdle: true }
        }
      ],
      timeout: '300s',
      maxInstanceRequestConcurrency: 80
    },
    traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    uri: s.uri,
    urls: s.urls,
    observedGeneration: '1',
    terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: TIME },
    conditions: [
      { type: 'RoutesReady', state: 'CONDITION_SUCCEEDED', lastTransitionTime: TIME },
      { type: 'ConfigurationsReady', state: 'CONDITION_SUCCEEDED', lastTransitionTime: TIME }
    ],
    latestReadyRevision: `${s.name}/revisions/${s.id}-00001-abc`,
    latestCreatedRevision: `${s.name}/revisions/${s.id}-00001-abc`,
    trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
    etag: '"CAAAAAAAAAAAAAAA/cHJvamVjdHM"'
  }
  if (s.spec.customAudiences?.length) out.customAudiences = s.spec.customAudiences
  if (s.spec.invokerIamDisabled) out.invokerIamDisabled = true
  // GoogleCloudRunV2Service.defaultUriDisabled / .iapEnabled (run v2 messages); whether Google then
  // still returns uri/urls is not documented for services: the stand-in keeps them
  if (s.spec.defaultUriDisabled) out.defaultUriDisabled = true
  if (s.spec.iapEnabled) out.iapEnabled = true
  return out
}

/** The Knative Service object the v1 API returns. */
function knativeService(state: FakeState, s: ServiceRec): Record<string, unknown> {
  const num = state.project(s.project)!.projectNumber
  const rev = `${s.id}-00001-abc`
  const annotations: Record<string, string> = {
    'serving.knative.dev/creator': state.caller.replace(/^[a-zA-Z]+:/, ''),
    'serving.knative.dev/lastModifier': state.caller.replace(/^[a-zA-Z]+:/, ''),
    'run.googleapis.com/ingress': INGRESS_ANNOTATION[s.spec.ingress ?? 'INGRESS_TRAFFIC_ALL'],
    'run.googleapis.com/ingress-status': INGRESS_ANNOTATION[s.spec.ingress ?? 'INGRESS_TRAFFIC_ALL'],
    'run.googleapis.com/urls': JSON.stringify(s.urls)
  }
  if (s.spec.customAudiences?.length) annotations['run.googleapis.com/custom-audiences'] = JSON.stringify(s.spec.customAudiences)
  if (s.spec.invokerIamDisabled) annotations['run.googleapis.com/invoker-iam-disabled'] = 'true'
  // gcloud: container_resource.DISABLE_URL_ANNOTATION and service.IAP_ANNOTATION (printed as "Iap Enabled")
  if (s.spec.defaultUriDisabled) annotations['run.googleapis.com/default-url-disabled'] = 'true'
  if (s.spec.iapEnabled) annotations['run.googleapis.com/iap-enabled'] = 'true'
  const ready = (type: string): Record<string, string> => ({ type, status: 'True', lastTransitionTime: '2025-01-01T00:00:00.000000Z' })
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: s.id,
      namespace: num,
      selfLink: `/apis/serving.knative.dev/v1/namespaces/${num}/services/${s.id}`,
      uid: '00000000-0000-4000-8000-000000000001',
      resourceVersion: 'AAYbAAAAAAA',
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00.000000Z',
      labels: { 'cloud.googleapis.com/location': s.region, ...(s.functionName ? { 'goog-managed-by': 'cloudfunctions' } : {}) },
      annotations
    },
    spec: {
      template: {
        metadata: { annotations: { 'autoscaling.knative.dev/maxScale': '100' } },
        spec: {
          containerConcurrency: 80,
          timeoutSeconds: 300,
          serviceAccountName: computeSa(state, s),
          containers: [
            {
              image: 'us-docker.pkg.dev/cloudrun/container/hello',
              ports: [{ name: 'http1', containerPort: 8080 }],
              resources: { limits: { cpu: '1000m', memory: '512Mi' } }
            }
          ]
        }
      },
      traffic: [{ percent: 100, latestRevision: true }]
    },
    status: {
      observedGeneration: 1,
      conditions: [ready('Ready'), ready('ConfigurationsReady'), ready('RoutesReady')],
      latestReadyRevisionName: rev,
      latestCreatedRevisionName: rev,
      traffic: [{ revisionName: rev, percent: 100, latestRevision: true }],
      url: s.uri,
      address: { url: s.uri }
    }
  }
}

const P2 = '/{version:v1|v2}/projects/{project}/locations/{location}/services/{service}'
const svcName = (c: Ctx): string => `projects/${c.params.project}/locations/${c.params.location}/services/${c.params.service}`
const notFoundMsg = (version: string, project: string, region: string, id: string): string =>
  version === 'v2'
    ? `Resource '${id}' of kind 'SERVICE' in region '${region}' in project '${project}' does not exist.`
    : `Resource 'services/${id}' was not found`

function runRoutes(): Route[] {
  const getService = (c: Ctx, version: string, project: string, region: string, id: string, shown: string): ServiceRec => {
    c.state.require(c.identity, `projects/${project}/locations/${region}/services/${id}`, 'run.services.get', shown)
    const s = lookup(c.state, project, region, id)
    if (!s) throw notFound(notFoundMsg(version, project, region, id))
    return s
  }
  return [
    route('GET', '/v2/projects/{project}/locations/{location}/services/{service}', c => {
      const { project, location, service } = c.params
      return v2Service(c.state, getService(c, 'v2', project, location, service, svcName(c)))
    }),
    route('GET', '/v2/projects/{project}/locations/{location}/services', c => {
      const { project, location } = c.params
      c.state.require(c.identity, `projects/${project}`, 'run.services.list', `projects/${project}/locations/${location}`)
      const proj = c.state.project(project)!
      const all = [...c.state.services.values()].filter(s => s.project === proj.projectId && (location === '-' || s.region === location))
      return listPage(c, all, 'services', 1000, s => v2Service(c.state, s))
    }),
    // v1 (Knative) get, both as a OnePlatform path and as a namespace path
    route('GET', '/v1/projects/{project}/locations/{location}/services/{service}', c => {
      const { project, location, service } = c.params
      return knativeService(c.state, getService(c, 'v1', project, location, service, svcName(c)))
    }),
    route('GET', '/apis/serving.knative.dev/v1/namespaces/{namespace}/services/{service}', c => {
      const { namespace, service } = c.params
      return knativeService(c.state, getService(c, 'v1', namespace, regionOf(c), service, `namespaces/${namespace}/services/${service}`))
    }),
    ...iamMethods({
      path: P2,
      resolve: c => lookup(c.state, c.params.project, c.params.location, c.params.service)?.name,
      display: svcName,
      permissionPrefix: 'run.services',
      validPermission: p => p.startsWith('run.'),
      notFoundMessage: c => notFoundMsg(c.params.version, c.params.project, c.params.location, c.params.service),
      getVerbs: ['GET'] // GET only (gcloud's generated clients); a POST is answered 404, as by Google
    })
  ]
}

/**
 * A DomainMapping as Cloud Run Admin v1 returns it (run v1 messages: DomainMapping, ObjectMeta,
 * DomainMappingSpec.routeName, DomainMappingStatus). status.url is "Not supported by Cloud Run",
 * so absent; the mapping is ready and its DNS records are the CNAME Google documents for
 * subdomains (ghs.googlehosted.com.).
 */
function domainMapping(state: FakeState, m: DomainMappingSpec): Record<string, unknown> {
  const num = state.project(m.project)!.projectNumber
  const cond = (type: string): Record<string, string> => ({ type, status: 'True', lastTransitionTime: TIME })
  return {
    apiVersion: 'domains.cloudrun.com/v1',
    kind: 'DomainMapping',
    metadata: {
      name: m.domain,
      namespace: num,
      selfLink: `/apis/domains.cloudrun.com/v1/namespaces/${num}/domainmappings/${m.domain}`,
      uid: '00000000-0000-4000-8000-0000000000d1',
      resourceVersion: 'AAYbAAAAAAA',
      generation: 1,
      creationTimestamp: TIME,
      labels: { 'cloud.googleapis.com/location': m.region },
      annotations: { 'serving.knative.dev/creator': state.caller.replace(/^[a-zA-Z]+:/, '') }
    },
    spec: { routeName: m.service, certificateMode: 'AUTOMATIC' },
    status: {
      conditions: [cond('Ready'), cond('CertificateProvisioned'), cond('DomainRoutable')],
      observedGeneration: 1,
      mappedRouteName: m.service,
      resourceRecords: [{ name: m.domain.split('.')[0], rrdata: 'ghs.googlehosted.com.', type: 'CNAME' }]
    }
  }
}

/**
 * Domain mappings, both forms gcloud's run v1 client knows: the namespace form gcloud run
 * domain-mappings uses on a regional endpoint (apis/domains.cloudrun.com/v1/namespaces/{ns}/domainmappings[/{d}])
 * and the OnePlatform form (v1/projects/{p}/locations/{l}/domainmappings[/{d}]). Permissions
 * run.domainmappings.get / .list (roles/run.viewer).
 */
function domainMappingRoutes(): Route[] {
  const inRegion = (c: Ctx, project: string, region: string): DomainMappingSpec[] => {
    const proj = c.state.project(project)
    return [...c.state.domainMappings.values()].filter(m => m.project === proj?.projectId && (region === '-' || m.region === region))
  }
  const get = (c: Ctx, project: string, region: string, domain: string): unknown => {
    c.state.require(c.identity, `projects/${project}`, 'run.domainmappings.get', `namespaces/${project}/domainmappings/${domain}`)
    const m = inRegion(c, project, region).find(d => d.domain === domain.toLowerCase())
    // Cloud Run's v1 not-found text, as for services ("Resource 'services/ID' was not found")
    if (!m) throw notFound(`Resource 'domainmappings/${domain}' was not found`)
    return domainMapping(c.state, m)
  }
  const list = (c: Ctx, project: string, region: string): unknown => {
    c.state.require(c.identity, `projects/${project}`, 'run.domainmappings.list', `namespaces/${project}`)
    return {
      apiVersion: 'domains.cloudrun.com/v1',
      kind: 'DomainMappingList',
      metadata: { resourceVersion: 'AAYbAAAAAAA' },
      items: inRegion(c, project, region).map(m => domainMapping(c.state, m))
    }
  }
  const NS = '/apis/domains.cloudrun.com/v1/namespaces/{namespace}/domainmappings'
  const OP = '/v1/projects/{project}/locations/{location}/domainmappings'
  return [
    route('GET', `${NS}/{domain}`, c => get(c, c.params.namespace, regionOf(c), c.params.domain)),
    route('GET', NS, c => list(c, c.params.namespace, regionOf(c))),
    route('GET', `${OP}/{domain}`, c => get(c, c.params.project, c.params.location, c.params.domain)),
    route('GET', OP, c => list(c, c.params.project, c.params.location))
  ]
}

/** A Cloud Run service, with the URLs Google would assign unless the scenario names them. */
export function addService(state: FakeState, spec: ServiceSpec, functionName?: string): void {
  const { project, region, id } = parseName(spec.name, 'services')
  state.requireProject(project, spec.name)
  const defaults = defaultRunUrls(project, state.projects.get(project)!.projectNumber, region, id)
  const uri = spec.uri ?? spec.urls?.[0] ?? defaults[0]
  const urls = spec.urls ?? (spec.uri ? [spec.uri] : defaults)
  state.services.set(spec.name, { name: spec.name, project, region, id, spec, uri, urls, functionName })
  state.policies.load(spec.name, spec.iamPolicy)
}

export const run: ApiModule = {
  name: 'Cloud Run',
  apis: ['RUN'],
  // after Functions: the services backing gen 2 functions are already there
  load: state => {
    for (const svc of state.scenario.services ?? []) if (!state.services.has(svc.name)) addService(state, svc)
    for (const job of state.scenario.cloudRunJobs ?? []) addRunJob(state, job)
    for (const m of state.scenario.domainMappings ?? []) {
      const proj = state.project(m.project)
      if (!proj) throw new Error(`scenario: domain mapping ${m.domain} names unknown project ${m.project}`)
      const service = `projects/${proj.projectId}/locations/${m.region}/services/${m.service}`
      if (!state.services.has(service)) throw new Error(`scenario: domain mapping ${m.domain} names unknown service ${service}`)
      state.domainMappings.set(m.domain.toLowerCase(), { ...m, project: proj.projectId, domain: m.domain.toLowerCase() })
    }
  },
  routes: env => [...runRoutes(), ...domainMappingRoutes(), ...runJobRoutes(env.state)],
  roles: {
    'roles/run.admin': { grants: ['run.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'] },
    'roles/run.developer': { grants: ['run.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'], except: /\.setIamPolicy$/ },
    'roles/run.viewer': { grants: [/^run\..*\.(get|list|getIamPolicy)$/, 'resourcemanager.projects.get'] },
    // Google's role pages: the invoker runs jobs too; the executors run (and cancel) jobs only
    'roles/run.invoker': { grants: ['run.routes.invoke', 'run.jobs.run'] },
    'roles/run.servicesInvoker': { grants: ['run.routes.invoke'] },
    'roles/run.jobsExecutor': { grants: ['run.jobs.run', 'run.executions.cancel'] },
    'roles/run.jobsExecutorWithOverrides': { grants: ['run.jobs.run', 'run.jobs.runWithOverrides', 'run.executions.cancel'] },
    // IAP-secured Web App User: what IAP checks on a Cloud Run service with iapEnabled (attempts.ts)
    'roles/iap.httpsResourceAccessor': { grants: ['iap.webServiceVersions.accessViaIAP'] }
  }
}
