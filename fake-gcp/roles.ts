/**
 * Predefined roles → permissions, for the roles the action and its tests meet.
 * Patterns: an exact permission, `svc.*` (prefix), or a RegExp for the basic roles, whose real
 * lists run to thousands of entries; what matters here is their gist (editor cannot set IAM
 * policies, viewer only reads).
 */
type Grant = string | RegExp

const READS = /\.(get|list|getIamPolicy)$/
const ROLES: Record<string, { grants: Grant[]; except?: RegExp }> = {
  'roles/owner': { grants: [/.*/] },
  'roles/editor': {
    grants: [/.*/],
    except: /(\.setIamPolicy|\.getAccessToken|\.getOpenIdToken|\.signBlob|\.signJwt|\.implicitDelegation|privateLogEntries\.list)$/
  },
  'roles/viewer': { grants: [READS], except: /^(logging\.privateLogEntries|secretmanager\.versions\.access)/ },
  'roles/browser': {
    grants: ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.folders.get', 'resourcemanager.folders.list']
  },

  'roles/cloudscheduler.admin': { grants: ['cloudscheduler.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'] },
  'roles/cloudscheduler.viewer': {
    grants: [
      'cloudscheduler.jobs.get',
      'cloudscheduler.jobs.list',
      'cloudscheduler.locations.get',
      'cloudscheduler.locations.list',
      'resourcemanager.projects.get'
    ]
  },
  'roles/cloudscheduler.jobRunner': { grants: ['cloudscheduler.jobs.run'] },
  'roles/cloudscheduler.serviceAgent': {
    grants: [
      'iam.serviceAccounts.getAccessToken',
      'iam.serviceAccounts.getOpenIdToken',
      'iam.serviceAccounts.actAs',
      'pubsub.topics.publish',
      'cloudscheduler.jobs.run'
    ]
  },

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
  'roles/cloudfunctions.invoker': { grants: ['cloudfunctions.functions.invoke', 'cloudfunctions.functions.call'] },

  'roles/run.admin': { grants: ['run.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'] },
  'roles/run.developer': { grants: ['run.*', 'resourcemanager.projects.get', 'resourcemanager.projects.list'], except: /\.setIamPolicy$/ },
  'roles/run.viewer': { grants: [/^run\..*\.(get|list|getIamPolicy)$/, 'resourcemanager.projects.get'] },
  'roles/run.invoker': { grants: ['run.routes.invoke', 'run.jobs.run'] },

  'roles/resourcemanager.projectIamAdmin': {
    grants: ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy']
  },
  'roles/iam.securityAdmin': {
    grants: [
      /\.(getIamPolicy|setIamPolicy)$/,
      'resourcemanager.projects.get',
      'iam.roles.get',
      'iam.roles.list',
      'iam.serviceAccounts.get',
      'iam.serviceAccounts.list'
    ]
  },
  // Read-only view of every IAM policy (what roles/cloudfunctions.viewer lacks).
  'roles/iam.securityReviewer': { grants: [/\.getIamPolicy$/, 'resourcemanager.projects.get', 'iam.roles.get', 'iam.roles.list'] },
  'roles/iam.serviceAccountUser': {
    grants: ['iam.serviceAccounts.actAs', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list', 'resourcemanager.projects.get']
  },
  'roles/iam.serviceAccountTokenCreator': {
    grants: [
      'iam.serviceAccounts.getAccessToken',
      'iam.serviceAccounts.getOpenIdToken',
      'iam.serviceAccounts.implicitDelegation',
      'iam.serviceAccounts.signBlob',
      'iam.serviceAccounts.signJwt',
      'iam.serviceAccounts.get',
      'iam.serviceAccounts.list'
    ]
  },
  'roles/iam.workloadIdentityUser': {
    grants: ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list']
  },

  'roles/logging.viewer': {
    grants: [
      'logging.logEntries.list',
      'logging.logs.list',
      'logging.logServices.list',
      'logging.logMetrics.get',
      'logging.logMetrics.list',
      'logging.sinks.get',
      'logging.sinks.list',
      'resourcemanager.projects.get'
    ]
  },
  'roles/logging.privateLogViewer': {
    grants: ['logging.logEntries.list', 'logging.privateLogEntries.list', 'logging.logs.list', 'logging.logServices.list', 'resourcemanager.projects.get']
  }
}

export const knownRoles = (): string[] => Object.keys(ROLES)

/** Does `role` grant `permission`? Unknown (e.g. custom) roles grant nothing here. */
export function roleGrants(role: string, permission: string): boolean {
  const r = ROLES[role]
  if (!r) return false
  if (r.except?.test(permission)) return false
  return r.grants.some(g => (typeof g === 'string' ? (g.endsWith('.*') ? permission.startsWith(g.slice(0, -1)) : g === permission) : g.test(permission)))
}

/** A role name IAM would reject outright (not merely one it does not know). */
export const isMalformedRole = (role: string): boolean =>
  !/^(roles\/[A-Za-z0-9_.]+|projects\/[a-z0-9-]+\/roles\/[A-Za-z0-9_.]+|organizations\/[0-9]+\/roles\/[A-Za-z0-9_.]+)$/.test(role)

/** A role that grants a permission, for messages ("grant roles/x"). */
export function roleFor(permission: string): string | undefined {
  return Object.keys(ROLES)
    .filter(r => !['roles/owner', 'roles/editor', 'roles/viewer'].includes(r))
    .find(r => roleGrants(r, permission))
}
