/**
 * A gen 2 Cloud Function: a Cloud Run service underneath. Callable at its `cloudfunctions.net`
 * URL and at the service's `run.app` URLs; Cloud Run checks `roles/run.invoker` on the service,
 * so a `roles/cloudfunctions.invoker` grant on the function itself does nothing.
 */
import type { CloudFunction } from '../google/types'
import { functionUrlOf, originOf, serviceName, splitName } from '../names'
import { holders } from '../policy'
import { defaultFunctionUrl } from './gen1'
import { cloudRun, readService } from './service'
import type { ReadContext, Target, TargetKind } from './types'

// Its urls are the function URL first, then the service's.
const functionUrl = (t: Target): string => t.urls[0]
const serviceUrls = (t: Target): string[] => t.urls.slice(1)

export const gen2: TargetKind = {
  ...cloudRun,
  id: 'gen2',
  noun: 'gen 2 function',
  calls: (t, uri) => functionUrlOf(uri) === functionUrl(t) || cloudRun.servedBy(serviceUrls(t), uri),
  auth: {
    ...cloudRun.auth,
    defaultAudience(t, uri, current) {
      if (current && t.customAudiences.includes(current)) return current
      if (functionUrlOf(uri) === functionUrl(t)) return functionUrl(t)
      return cloudRun.originAudience(serviceUrls(t), uri) ?? originOf(serviceUrls(t)[0] ?? functionUrl(t))
    }
  },
  nearMisses(t, member) {
    const notes = holders(t.lookalikePolicy, 'roles/cloudfunctions.invoker').has(member)
      ? ['roles/cloudfunctions.invoker on the gen 2 function, which does not govern invocation (Cloud Run checks roles/run.invoker on the service)']
      : []
    return [...notes, ...cloudRun.wrongRole(t, member)]
  }
}

/** A function read from the Functions API that turned out to be gen 2: its service decides. */
export async function gen2FromFunction(ctx: ReadContext, fn: CloudFunction, name: string): Promise<Target> {
  const serviceRef = fn.serviceConfig?.service
  if (!serviceRef) throw new Error(`Function ${name} is gen 2 but names no Cloud Run service (serviceConfig.service); is it still deploying?`)
  const { project, location } = splitName(name)
  const service = serviceRef.startsWith('projects/') ? serviceRef : serviceName({ project, region: location, id: serviceRef })
  // Through the service memo: a job calling the function's run.app URL shares the one read of the service and its policy.
  const [svc, lookalikePolicy] = await Promise.all([
    readService(ctx, service),
    // Read only to explain a grant that landed on the function by mistake.
    ctx.g.functions.iamV2.getIamPolicy(name).catch(() => undefined)
  ])
  const url = fn.url ?? defaultFunctionUrl(name)
  return {
    ...svc,
    kind: gen2,
    name,
    urls: [url, ...svc.urls],
    audiences: [...new Set([...svc.audiences, url])],
    ingress: svc.ingress ?? fn.serviceConfig?.ingressSettings,
    lookalikePolicy
  }
}
