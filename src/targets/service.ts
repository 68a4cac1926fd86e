/**
 * A Cloud Run service, and what every Cloud Run target shares (a gen 2 function runs on one):
 * invoked at its `run.app` URLs, it accepts their origins (no path, no query) or a custom
 * audience, and `roles/run.invoker` is bound on the service.
 */
import { ApiError } from '../google/http'
import type { DomainMapping, RunService } from '../google/types'
import { originOf, parseServiceRef, serviceName, splitName } from '../names'
import { gcloud } from '../remedies'
import { holders } from '../policy'
import type { Locator, ReadContext, Target, TargetKind } from './types'

const RUN_ROLE = 'roles/run.invoker'

/** The Cloud Run half every Cloud Run kind shares. */
export const cloudRun = {
  iam: 'run.v2',
  setIamPolicy: { permission: 'run.services.setIamPolicy', role: 'roles/run.admin' },
  bindingNoun: 'service',
  access: () => ({ role: RUN_ROLE, permission: 'run.routes.invoke', roles: [RUN_ROLE] }),
  auth: {
    type: 'oidc',
    audienceHint: 'Cloud Run accepts only its URL origin (no path or query) or a custom audience',
    audienceRule: (t: Target) => `Cloud Run accepts only ${t.audiences.join(', ')} (no path, no query)`,
    acceptsCustom: (t: Target, audience: string) => t.customAudiences.includes(audience)
  },
  grantCommand(t: Target, member: string, role: string): string {
    const { project, location, id } = splitName(t.bindingResource)
    return gcloud(project, ['run', 'services', 'add-iam-policy-binding', id], { region: location, role, member })
  },
  openIngressCommand(t: Target): string {
    const { project, location, id } = splitName(t.bindingResource)
    return gcloud(project, ['run', 'services', 'update', id], { region: location, ingress: 'all' })
  },
  wrongRole(t: Target, member: string): string[] {
    return holders(t.policy, 'roles/cloudfunctions.invoker').has(member)
      ? ['roles/cloudfunctions.invoker on the target, the wrong role for a Cloud Run service']
      : []
  },
  fullResourceName: (t: Target) => `//run.googleapis.com/${t.bindingResource}`,
  /** Whether `uri` is one of these `run.app` URLs (Cloud Run routes by host: the origin decides). */
  servedBy(serviceUrls: string[], uri: string): boolean {
    const origin = runOrigin(uri)
    return !!origin && serviceUrls.some(u => originOf(u) === origin)
  },
  /** Whether `uri` is on a custom domain mapped to the target. */
  viaDomain: (t: Target, uri: string): boolean => URL.canParse(uri) && (t.aliases ?? []).includes(originOf(uri)),
  /** The audience for a `run.app` URI: its origin when it is one of the service's. */
  originAudience(serviceUrls: string[], uri: string): string | undefined {
    return cloudRun.servedBy(serviceUrls, uri) ? runOrigin(uri) : undefined
  }
} as const

/** The origin of a `*.run.app` URL; undefined for any other URL. */
export function runOrigin(uri: string): string | undefined {
  try {
    const u = new URL(uri)
    return u.hostname.toLowerCase().endsWith('.run.app') ? u.origin : undefined
  } catch {
    return undefined
  }
}

export const serviceUrlsOf = (svc: RunService): string[] => [...new Set([svc.uri, ...(svc.urls ?? [])].filter((u): u is string => !!u))]

export const service: TargetKind = {
  ...cloudRun,
  id: 'service',
  noun: 'Cloud Run service',
  auth: {
    ...cloudRun.auth,
    defaultAudience(t, uri, current) {
      if (current && t.customAudiences.includes(current)) return current
      return cloudRun.originAudience(t.urls, uri) ?? originOf(t.urls[0] ?? '')
    }
  },
  calls: (t, uri) => cloudRun.servedBy(t.urls, uri) || cloudRun.viaDomain(t, uri),
  nearMisses: (t, member) => cloudRun.wrongRole(t, member)
}

/** A Cloud Run service and its policy, read once however many jobs (and gen 2 functions) share it. */
export function readService(ctx: ReadContext, name: string): Promise<Target> {
  return ctx.memo(name, async () => {
    ctx.writable({ resource: name, iam: service.iam, permissions: [service.setIamPolicy.permission] })
    const [svc, policy] = await Promise.all([getService(ctx, name), ctx.g.run.iam.getIamPolicy(name)])
    const urls = serviceUrlsOf(svc)
    const customAudiences = svc.customAudiences ?? []
    return {
      kind: service,
      name: svc.name,
      bindingResource: svc.name,
      policy,
      urls,
      audiences: [...new Set([...urls.map(originOf), ...customAudiences])],
      customAudiences,
      ingress: svc.ingress,
      invokerIamDisabled: svc.invokerIamDisabled === true,
      defaultUriDisabled: svc.defaultUriDisabled === true,
      iapEnabled: svc.iapEnabled === true
    }
  })
}

const listServices = (ctx: ReadContext): Promise<RunService[]> => ctx.listing('services', () => ctx.g.run.listServices(ctx.parent))

/** From the region's listing when an audit made one, else one read. */
async function getService(ctx: ReadContext, name: string): Promise<RunService> {
  const listing = ctx.started<RunService>('services')
  if (listing && name.startsWith(`${ctx.parent}/`)) {
    const listed = (await listing.catch(() => [] as RunService[])).find(s => s.name === name)
    if (listed) return listed
  }
  return ctx.g.run.getService(name)
}

export const serviceLocator: Locator = {
  input: 'service',
  parseInput: parseServiceRef,
  fullName: serviceName,
  read: readService,
  fromUri(u) {
    const origin = runOrigin(u.href)
    if (!origin) return undefined
    // A run.app host says nothing of the service's name: one listing of the region serves every job.
    return async ctx => {
      const svc = (await listServices(ctx)).find(s => serviceUrlsOf(s).some(x => originOf(x) === origin))
      if (!svc) throw new Error(`no Cloud Run service in ${ctx.parent} serves ${origin}; set 'service' (or 'region') to the service the job calls`)
      return readService(ctx, svc.name)
    }
  },
  startListings: ctx => void listServices(ctx).catch(() => undefined)
}

/**
 * A URI on a host no target kind recognises: a custom domain, when a Cloud Run domain mapping in
 * the run's region routes it to a service (one listing per run); undefined when none does.
 */
export function byDomainMapping(uri: string): ((ctx: ReadContext) => Promise<Target | undefined>) | undefined {
  if (!URL.canParse(uri)) return undefined
  const u = new URL(uri)
  if (u.protocol !== 'https:') return undefined
  return async ctx => {
    const mappings = await ctx
      .listing<DomainMapping>('domainmappings', () => ctx.g.run.listDomainMappings(ctx.parent))
      .catch((e: unknown) => {
        const why =
          e instanceof ApiError && e.httpStatus === 403
            ? 'the caller lacks run.domainmappings.list (roles/run.viewer)'
            : e instanceof Error
              ? e.message
              : String(e)
        throw new Error(
          `${u.hostname} is no Cloud Functions or Cloud Run URL, and the domain mappings of ${ctx.parent} that could route it were not read: ${why}`
        )
      })
    const m = mappings.find(d => d.metadata?.name?.toLowerCase() === u.hostname.toLowerCase())
    if (!m?.spec?.routeName) return undefined
    const t = await readService(ctx, `${ctx.parent}/services/${m.spec.routeName}`)
    // The memoised target learns the alias, so every job on this domain finds it calls the service.
    t.aliases = [...new Set([...(t.aliases ?? []), u.origin])]
    return t
  }
}
