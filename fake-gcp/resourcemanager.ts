/** Resource Manager: get project (v1 and v3) and the project's IAM policy. */
import { ApiError } from './errors'
import { iamMethods } from './iam-methods'
import type { ApiModule } from './module'
import { route, type Ctx, type Route } from './router'

// Resource Manager does not name the permission in its denials
const denied = (): ApiError => new ApiError(403, 'The caller does not have permission', 'PERMISSION_DENIED')

function project(c: Ctx, id: string): { projectId: string; projectNumber: string } {
  const p = c.state.project(id)
  if (!p || !c.state.can(c.identity, `projects/${p.projectId}`, 'resourcemanager.projects.get')) throw denied()
  return p
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
        createTime: '2024-01-01T00:00:00.000Z',
        parent: { type: 'organization', id: '111111111111' }
      }
    }),
    route('GET', '/v3/projects/{project}', c => {
      const p = project(c, c.params.project)
      return {
        name: `projects/${p.projectNumber}`,
        parent: 'organizations/111111111111',
        projectId: p.projectId,
        state: 'ACTIVE',
        displayName: p.projectId,
        createTime: '2024-01-01T00:00:00.000Z',
        updateTime: '2024-01-01T00:00:00.000Z',
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
    })
  ]
}

export const resourceManager: ApiModule = {
  name: 'Resource Manager',
  apis: ['CLOUDRESOURCEMANAGER'],
  // first in the registry: every other part of a scenario names its project
  load: state => {
    for (const p of state.scenario.projects) {
      state.projects.set(p.projectId, { projectId: p.projectId, projectNumber: p.projectNumber })
      state.policies.load(`projects/${p.projectId}`, p.iamPolicy)
    }
  },
  routes: () => resourceManagerRoutes(),
  roles: {
    'roles/resourcemanager.projectIamAdmin': {
      grants: ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy']
    }
  }
}
