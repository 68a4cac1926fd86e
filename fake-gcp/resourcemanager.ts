/** Resource Manager: get project (v1 and v3) and the project's IAM policy. */
import { ApiError } from './errors'
import { iamMethods } from './iam-methods'
import { route, type Ctx, type Route } from './router'

// Resource Manager does not name the permission in its denials
const denied = (): ApiError => new ApiError(403, 'The caller does not have permission', 'PERMISSION_DENIED')

function project(c: Ctx, id: string): { projectId: string; projectNumber: string } {
  const p = c.state.project(id)
  if (!p || !c.state.can(c.identity, `projects/${p.projectId}`, 'resourcemanager.projects.get')) throw denied()
  return p
}

export function resourceManagerRoutes(): Route[] {
  return [
    route('GET', /^\/v1\/projects\/([^/:]+)$/, c => {
      const p = project(c, c.params[0])
      return {
        projectNumber: p.projectNumber,
        projectId: p.projectId,
        lifecycleState: 'ACTIVE',
        name: p.projectId,
        createTime: '2024-01-01T00:00:00.000Z',
        parent: { type: 'organization', id: '111111111111' }
      }
    }),
    route('GET', /^\/v3\/projects\/([^/:]+)$/, c => {
      const p = project(c, c.params[0])
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
    ...['v1', 'v3'].flatMap(v =>
      iamMethods({
        path: `/${v}/projects/([^/:]+)`,
        resolve: c => {
          const p = c.state.project(c.params[0])
          return p && `projects/${p.projectId}`
        },
        display: c => `projects/${c.params[0]}`,
        permissionPrefix: 'resourcemanager.projects',
        validPermission: () => true,
        notFoundMessage: () => 'The caller does not have permission',
        getVerbs: ['POST'],
        deny: denied
      })
    )
  ]
}
