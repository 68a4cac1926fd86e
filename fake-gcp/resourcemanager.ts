/**
 * Resource Manager: projects (v1 and v3), the folders and organization above them (v1 getAncestry,
 * v3 folders/organizations get, every version's getIamPolicy gcloud uses) and their IAM policies.
 */
import { ApiError } from './errors'
import { iamMethods } from './iam-methods'
import type { ApiModule } from './module'
import { route, type Ctx, type Route } from './router'
import type { FakeState, HierarchyNodeRec, ProjectRec } from './state'

// Resource Manager does not name the permission in its denials
const denied = (): ApiError => new ApiError(403, 'The caller does not have permission', 'PERMISSION_DENIED')

/** The organization a scenario without one still has: every project needs a parent. */
export const DEFAULT_ORGANIZATION = '111111111111'
const CREATED = '2024-01-01T00:00:00.000Z'

function project(c: Ctx, id: string): ProjectRec {
  const p = c.state.project(id)
  if (!p || !c.state.can(c.identity, `projects/${p.projectId}`, 'resourcemanager.projects.get')) throw denied()
  return p
}

/** A folder or the organization the caller may read (`kind` 'folders' or 'organizations'); 403 either way otherwise. */
function node(c: Ctx, kind: 'folders' | 'organizations', id: string): HierarchyNodeRec {
  const name = `${kind}/${id}`
  const n = c.state.hierarchy.get(name)
  if (!n || !c.state.can(c.identity, name, `resourcemanager.${kind}.get`)) throw denied()
  return n
}

/** v1's ResourceId for `folders/ID` / `organizations/ID`. */
const resourceId = (name: string): { type: string; id: string } => {
  const [kind, id] = name.split('/')
  return { type: kind === 'folders' ? 'folder' : 'organization', id }
}

function resourceManagerRoutes(): Route[] {
  return [
    route('GET', '/v1/projects/{project}', c => {
      const p = project(c, c.params.project)
      return {
        projectNumber: p.projectNumber,
        projectId: p.projectId,
        lifecycleState: 'ACTIVE',
        name: p.projectId,
        createTime: CREATED,
        parent: resourceId(p.parent!)
      }
    }),
    route('GET', '/v3/projects/{project}', c => {
      const p = project(c, c.params.project)
      return {
        name: `projects/${p.projectNumber}`,
        parent: p.parent,
        projectId: p.projectId,
        state: 'ACTIVE',
        displayName: p.projectId,
        createTime: CREATED,
        updateTime: CREATED,
        etag: 'W/"fake"'
      }
    }),
    // GetAncestryResponse: "Ancestors are ordered from bottom to top of the resource hierarchy."
    route('POST', '/v1/projects/{project}:getAncestry', c => {
      const p = project(c, c.params.project)
      const chain = c.state.ancestry(`projects/${p.projectId}`).slice(1)
      return { ancestor: [{ resourceId: { type: 'project', id: p.projectId } }, ...chain.map(n => ({ resourceId: resourceId(n) }))] }
    }),
    route('GET', '/{version:v2|v3}/folders/{folder}', c => {
      const f = node(c, 'folders', c.params.folder)
      if (c.params.version === 'v2') return { name: f.name, parent: f.parent, displayName: f.displayName, lifecycleState: 'ACTIVE', createTime: CREATED }
      return { name: f.name, parent: f.parent, displayName: f.displayName, state: 'ACTIVE', createTime: CREATED, updateTime: CREATED, etag: 'W/"fake"' }
    }),
    route('GET', '/{version:v1|v3}/organizations/{organization}', c => {
      const o = node(c, 'organizations', c.params.organization)
      const customer = 'C0fake00'
      if (c.params.version === 'v1')
        return { name: o.name, displayName: o.displayName, owner: { directoryCustomerId: customer }, creationTime: CREATED, lifecycleState: 'ACTIVE' }
      return {
        name: o.name,
        displayName: o.displayName,
        directoryCustomerId: customer,
        state: 'ACTIVE',
        createTime: CREATED,
        updateTime: CREATED,
        etag: 'W/"fake"'
      }
    }),
    ...iamMethods({
      path: '/{version:v1|v3}/projects/{project}',
      resolve: c => {
        const p = c.state.project(c.params.project)
        return p && `projects/${p.projectId}`
      },
      display: c => `projects/${c.params.project}`,
      permissionPrefix: 'resourcemanager.projects',
      validPermission: () => true,
      notFoundMessage: () => 'The caller does not have permission',
      getVerbs: ['POST'],
      deny: denied
    }),
    ...(['folders', 'organizations'] as const)
      .map(kind =>
        iamMethods({
          path: kind === 'folders' ? '/{version:v2|v3}/folders/{id}' : '/{version:v1|v3}/organizations/{id}',
          resolve: c => (c.state.hierarchy.has(`${kind}/${c.params.id}`) ? `${kind}/${c.params.id}` : undefined),
          display: c => `${kind}/${c.params.id}`,
          permissionPrefix: `resourcemanager.${kind}`,
          validPermission: () => true,
          notFoundMessage: () => 'The caller does not have permission',
          getVerbs: ['POST'],
          deny: denied
        })
      )
      .flat()
  ]
}

/** Folders and the organization first, so each project's parent can be checked. */
function load(state: FakeState): void {
  const s = state.scenario
  const org = `organizations/${s.organization?.id ?? DEFAULT_ORGANIZATION}`
  state.hierarchy.set(org, { name: org, displayName: s.organization?.displayName ?? 'example.com' })
  state.policies.load(org, s.organization?.iamPolicy)
  state.policies.loadDeny(org, s.organization?.denyPolicies)
  for (const f of s.folders ?? []) {
    const name = `folders/${f.id}`
    state.hierarchy.set(name, { name, displayName: f.displayName ?? f.id, parent: f.parent })
    state.policies.load(name, f.iamPolicy)
    state.policies.loadDeny(name, f.denyPolicies)
  }
  for (const f of s.folders ?? []) {
    if (!state.hierarchy.has(f.parent) || !/^(folders|organizations)\//.test(f.parent))
      throw new Error(`scenario: folder ${f.id} names unknown parent ${f.parent}`)
    if (state.ancestry(f.parent).includes(`folders/${f.id}`)) throw new Error(`scenario: folder ${f.id} is its own ancestor`)
  }
  for (const p of s.projects) {
    const parent = p.parent ?? org
    if (!state.hierarchy.has(parent)) throw new Error(`scenario: project ${p.projectId} names unknown parent ${parent}`)
    state.projects.set(p.projectId, { projectId: p.projectId, projectNumber: p.projectNumber, parent })
    state.policies.load(`projects/${p.projectId}`, p.iamPolicy)
    state.policies.loadDeny(`projects/${p.projectId}`, p.denyPolicies)
  }
}

export const resourceManager: ApiModule = {
  name: 'Resource Manager',
  apis: ['CLOUDRESOURCEMANAGER'],
  // first in the registry: every other part of a scenario names its project
  load,
  routes: () => resourceManagerRoutes(),
  roles: {
    'roles/resourcemanager.projectIamAdmin': {
      grants: ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy']
    },
    'roles/resourcemanager.folderViewer': { grants: ['resourcemanager.folders.get', 'resourcemanager.folders.list'] },
    'roles/resourcemanager.folderIamAdmin': {
      grants: ['resourcemanager.folders.get', 'resourcemanager.folders.list', 'resourcemanager.folders.getIamPolicy', 'resourcemanager.folders.setIamPolicy']
    },
    'roles/resourcemanager.organizationViewer': { grants: ['resourcemanager.organizations.get'] }
  }
}
