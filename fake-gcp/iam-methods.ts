/** The getIamPolicy / setIamPolicy / testIamPermissions trio every resource type exposes, over the one policy engine. */
import { invalidArgument, notFound, type ApiError } from './errors'
import { route, type Ctx, type Route } from './router'
import type { Policy } from './scenario'

export interface IamTarget {
  /** route template of the resource path, without the trailing :verb */
  path: string
  /** full resource name from the parameters, or undefined when it does not exist */
  resolve: (c: Ctx) => string | undefined
  /** the name shown in errors (what the caller addressed) */
  display: (c: Ctx) => string
  /** e.g. 'run.services' → run.services.getIamPolicy */
  permissionPrefix: string
  /** permissions testIamPermissions accepts for this resource type */
  validPermission: (p: string) => boolean
  notFoundMessage: (c: Ctx) => string
  /** HTTP verbs getIamPolicy answers on: GET for Functions and Run, POST for Resource Manager and IAM */
  getVerbs: ('GET' | 'POST')[]
  /** the API's own wording for a denial, when it is not the usual one */
  deny?: (permission: string, shown: string) => ApiError
}

function requestedVersion(c: Ctx): number {
  const raw =
    c.method === 'GET'
      ? c.query.get('options.requestedPolicyVersion')
      : (c.body.options as { requestedPolicyVersion?: number } | undefined)?.requestedPolicyVersion
  const v = raw === undefined || raw === null || raw === '' ? 0 : Number(raw)
  if (![0, 1, 3].includes(v)) throw invalidArgument(`Invalid requested policy version: ${String(raw)}. Valid versions are 0, 1 and 3.`)
  return v
}

export function iamMethods(t: IamTarget): Route[] {
  const re = (verb: string): string => `${t.path}:${verb}`
  const resolve = (c: Ctx, permission?: string): string => {
    const shown = t.display(c)
    const resource = t.resolve(c)
    // permission first: without rights a caller cannot learn whether the resource exists
    if (permission && !c.state.can(c.identity, resource ?? shown, permission)) {
      if (t.deny) throw t.deny(permission, shown)
      c.state.require(c.identity, resource ?? shown, permission, shown)
    }
    if (!resource) throw notFound(t.notFoundMessage(c))
    return resource
  }
  const get = (c: Ctx): Policy => {
    const version = requestedVersion(c)
    const resource = resolve(c, `${t.permissionPrefix}.getIamPolicy`)
    return c.state.policies.read(resource, version)
  }
  return [
    ...t.getVerbs.map(verb => route(verb, re('getIamPolicy'), get)),
    route('POST', re('setIamPolicy'), c => {
      const resource = resolve(c, `${t.permissionPrefix}.setIamPolicy`)
      const p = c.body.policy as Policy | undefined
      if (!p || typeof p !== 'object') throw invalidArgument('Invalid JSON payload: "policy" is required.')
      const written = c.state.policies.write(resource, p)
      // the answer shows conditions only to a caller that wrote a version 3 policy
      return (p.version ?? 1) >= 3 ? written : c.state.policies.peek(resource, 1)
    }),
    route('POST', re('testIamPermissions'), c => {
      const resource = resolve(c)
      const asked = c.body.permissions
      if (!Array.isArray(asked)) throw invalidArgument('Invalid JSON payload: "permissions" must be a list.')
      for (const p of asked)
        if (typeof p !== 'string' || p.includes('*') || !/^[a-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/.test(p) || !t.validPermission(p))
          throw invalidArgument(`Permission ${String(p)} is not valid for this resource.`)
      const held = (asked as string[]).filter(p => c.state.can(c.identity, resource, p))
      return held.length ? { permissions: held } : {}
    })
  ]
}
