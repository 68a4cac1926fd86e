/**
 * A workflow, run on a schedule: Scheduler creates an execution through Workflow Executions
 * with an OAuth token. Workflows has no per-workflow IAM, so `roles/workflows.invoker` is
 * granted on the project.
 */
import type { WorkflowExecution } from '../google/types'
import { parseWorkflowRef, splitName, workflowName } from '../names'
import { gcloud } from '../remedies'
import { follow } from './executions'
import type { Locator, ReadContext, Target, TargetKind } from './types'

const ROLES = ['roles/workflows.invoker', 'roles/workflows.editor', 'roles/workflows.admin', 'roles/editor', 'roles/owner']
const PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/workflows\/([^/]+)\/executions$/

function parseWorkflowUri(uri: string, universe: string): { project: string; location: string; id: string } | undefined {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    return undefined
  }
  if (u.hostname.toLowerCase() !== `workflowexecutions.${universe}`) return undefined
  const m = PATH.exec(decodeURIComponent(u.pathname))
  return m ? { project: m[1], location: m[2], id: m[3] } : undefined
}

export const workflow: TargetKind = {
  id: 'workflow',
  noun: 'workflow',
  bindingNoun: 'project',
  auth: { type: 'oauth' },
  iam: 'cloudresourcemanager.v1',
  setIamPolicy: { permission: 'resourcemanager.projects.setIamPolicy', role: 'roles/resourcemanager.projectIamAdmin' },
  access: () => ({ role: ROLES[0], permission: 'workflows.executions.create', roles: ROLES }),
  calls(t, uri) {
    const host = new URL(t.urls[0]).hostname
    const w = parseWorkflowUri(uri, host.slice('workflowexecutions.'.length))
    const { project, location, id } = splitName(t.name)
    return !!w && w.location === location && w.id === id && (w.project === project || /^\d+$/.test(w.project))
  },
  nearMisses: () => [],
  // The permission is checked on the workflow itself, which inherits the project's policy.
  fullResourceName: t => `//workflows.googleapis.com/${t.name}`,
  grantCommand(t, member, role) {
    const project = t.bindingResource.slice('projects/'.length)
    return gcloud(project, ['projects', 'add-iam-policy-binding', project], { member, role })
  },
  followExecution: (g, t, sinceMs, deadline, pollMs) =>
    follow<WorkflowExecution>({
      list: () => g.workflows.listExecutions(t.name),
      get: name => g.workflows.getExecution(name),
      createdAt: e => e.startTime,
      end: e => {
        if (e.state === 'ACTIVE' || e.state === 'QUEUED' || !e.state) return undefined
        const durationMs = e.startTime && e.endTime ? Date.parse(e.endTime) - Date.parse(e.startTime) : undefined
        return { state: e.state, succeeded: e.state === 'SUCCEEDED', durationMs, error: e.error?.payload ?? e.error?.context }
      },
      sinceMs,
      deadline,
      pollMs
    })
}

async function readWorkflow(ctx: ReadContext, name: string): Promise<Target> {
  return ctx.memo(name, async () => {
    const [wf, policy] = await Promise.all([ctx.g.workflows.getWorkflow(name), ctx.projectPolicy()])
    const { location, id } = splitName(wf.name)
    const project = `projects/${ctx.project}`
    ctx.writable({ resource: project, iam: workflow.iam, permissions: [workflow.setIamPolicy.permission] })
    return {
      kind: workflow,
      name: wf.name,
      bindingResource: project,
      policy,
      urls: [`https://workflowexecutions.${ctx.universe}/v1/projects/${ctx.project}/locations/${location}/workflows/${id}/executions`],
      audiences: [],
      customAudiences: [],
      invokerIamDisabled: false
    }
  })
}

export const workflowLocator: Locator = {
  input: 'workflow',
  parseInput: parseWorkflowRef,
  fullName: workflowName,
  read: readWorkflow,
  fromUri(u, universe) {
    const w = parseWorkflowUri(u.href, universe)
    return w && (ctx => readWorkflow(ctx, workflowName({ project: /^\d+$/.test(w.project) ? ctx.project : w.project, region: w.location, id: w.id })))
  }
}
