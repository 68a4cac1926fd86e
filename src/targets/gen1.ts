/**
 * A gen 1 Cloud Function: invoked at its own `cloudfunctions.net` URL, which is also the only
 * audience it accepts; `roles/cloudfunctions.invoker` is bound on the function (Functions v1 IAM).
 */
import type { CloudFunction } from '../google/types'
import { functionUrlOf, splitName } from '../names'
import { gcloud } from '../remedies'
import { holders } from '../policy'
import type { ReadContext, Target, TargetKind } from './types'

const ROLE = 'roles/cloudfunctions.invoker'

export const gen1: TargetKind = {
  id: 'gen1',
  noun: 'gen 1 function',
  bindingNoun: 'function',
  auth: {
    type: 'oidc',
    audienceHint: 'a gen 1 function accepts only its URL',
    audienceRule: t => `a gen 1 function accepts only its URL ${t.urls[0]}`,
    defaultAudience: t => t.urls[0] ?? '',
    acceptsCustom: () => false
  },
  iam: 'cloudfunctions.v1',
  setIamPolicy: { permission: 'cloudfunctions.functions.setIamPolicy', role: 'roles/cloudfunctions.admin' },
  access: () => ({ role: ROLE, permission: 'cloudfunctions.functions.invoke', roles: [ROLE] }),
  calls: (t, uri) => functionUrlOf(uri) === t.urls[0],
  fullResourceName: t => `//cloudfunctions.googleapis.com/${t.bindingResource}`,
  nearMisses(t, member) {
    return holders(t.policy, 'roles/run.invoker').has(member) ? ['roles/run.invoker on the target, the wrong role for a gen 1 function'] : []
  },
  grantCommand(t, member, role) {
    const { project, location, id } = splitName(t.bindingResource)
    return gcloud(project, ['functions', 'add-iam-policy-binding', id], { region: location, 'no-gen2': true, role, member })
  },
  openIngressCommand(t) {
    const { project, location, id } = splitName(t.bindingResource)
    return gcloud(project, ['functions', 'deploy', id], { region: location, 'ingress-settings': 'all' })
  }
}

/** A function read from the Functions API that turned out to be gen 1. */
export async function gen1FromFunction(ctx: ReadContext, fn: CloudFunction, name: string): Promise<Target> {
  ctx.writable({ resource: name, iam: gen1.iam, permissions: [gen1.setIamPolicy.permission] })
  const policy = await ctx.g.functions.iamV1.getIamPolicy(name)
  const url = fn.url ?? defaultFunctionUrl(name)
  return {
    kind: gen1,
    name,
    bindingResource: name,
    policy,
    urls: [url],
    audiences: [url],
    customAudiences: [],
    ingress: fn.serviceConfig?.ingressSettings,
    invokerIamDisabled: false
  }
}

/** `https://REGION-PROJECT.cloudfunctions.net/NAME`, the URL every function has. */
export function defaultFunctionUrl(name: string): string {
  const { project, location, id } = splitName(name)
  return `https://${location}-${project}.cloudfunctions.net/${id}`
}
