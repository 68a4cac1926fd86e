/**
 * Predefined roles → permissions. Each API module declares its own roles (apis.ts joins them);
 * the basic roles span every API, so they live here.
 * Patterns: an exact permission, `svc.*` (prefix), or a RegExp for the basic roles, whose real
 * lists run to thousands of entries; what matters here is their gist (editor cannot set IAM
 * policies, viewer only reads).
 */
export type Grant = string | RegExp
export interface RoleDef {
  grants: Grant[]
  except?: RegExp
}
export type Roles = Record<string, RoleDef>

const READS = /\.(get|list|getIamPolicy)$/
export const BASIC_ROLES: Roles = {
  'roles/owner': { grants: [/.*/] },
  'roles/editor': {
    grants: [/.*/],
    except: /(\.setIamPolicy|\.getAccessToken|\.getOpenIdToken|\.signBlob|\.signJwt|\.implicitDelegation|privateLogEntries\.list)$/
  },
  'roles/viewer': { grants: [READS], except: /^(logging\.privateLogEntries|secretmanager\.versions\.access)/ },
  'roles/browser': {
    grants: ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.folders.get', 'resourcemanager.folders.list']
  }
}
const BASIC = new Set(['roles/owner', 'roles/editor', 'roles/viewer'])

/** The roles one stand-in knows, joined from the basic roles and every module's. */
export class RoleTable {
  private readonly roles: Roles = {}
  constructor(...parts: Roles[]) {
    for (const part of parts)
      for (const [name, def] of Object.entries(part)) {
        // two modules defining one role would make its meaning depend on their order
        if (this.roles[name]) throw new Error(`fake-gcp: role ${name} is defined twice`)
        this.roles[name] = def
      }
  }

  known(): string[] {
    return Object.keys(this.roles)
  }

  /** Does `role` grant `permission`? Unknown (e.g. custom) roles grant nothing here. */
  grants(role: string, permission: string): boolean {
    const r = this.roles[role]
    if (!r) return false
    if (r.except?.test(permission)) return false
    return r.grants.some(g => (typeof g === 'string' ? (g.endsWith('.*') ? permission.startsWith(g.slice(0, -1)) : g === permission) : g.test(permission)))
  }

  /** A role that grants a permission, for messages ("grant roles/x"). */
  roleFor(permission: string): string | undefined {
    return this.known()
      .filter(r => !BASIC.has(r))
      .find(r => this.grants(r, permission))
  }
}

/** A role name IAM would reject outright (not merely one it does not know). */
export const isMalformedRole = (role: string): boolean =>
  !/^(roles\/[A-Za-z0-9_.]+|projects\/[a-z0-9-]+\/roles\/[A-Za-z0-9_.]+|organizations\/[0-9]+\/roles\/[A-Za-z0-9_.]+)$/.test(role)
