/**
 * A Cloud Run job, run on a schedule: Scheduler calls the Admin API's `:run` with an OAuth
 * token, and `run.jobs.run` (or, for a body with `overrides`, `run.jobs.runWithOverrides`) is
 * checked on the job. A 200 there means an execution was created, not that it succeeded.
 */
import type { Job, RunExecution } from '../google/types'
import { parseRunJobRef, runJobName, splitName } from '../names'
import { gcloud } from '../remedies'
import { follow } from './executions'
import type { Locator, ReadContext, Target, TargetKind } from './types'

const RUN = ['roles/run.invoker', 'roles/run.jobsExecutor', 'roles/run.jobsExecutorWithOverrides', 'roles/run.developer', 'roles/run.admin']
const WITH_OVERRIDES = ['roles/run.jobsExecutorWithOverrides', 'roles/run.developer', 'roles/run.admin']
const BASIC = ['roles/editor', 'roles/owner']

/** Both URL forms Scheduler may call: Admin v2, and the legacy regional v1 (the console's "Add trigger" made these). */
const V2 = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/:]+):run$/
const V1 = /^\/apis\/run\.googleapis\.com\/v1\/namespaces\/([^/]+)\/jobs\/([^/:]+):run$/

interface JobUri {
  project: string
  location: string
  id: string
}

function parseJobUri(uri: string, universe: string): JobUri | undefined {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    return undefined
  }
  const host = u.hostname.toLowerCase()
  const path = decodeURIComponent(u.pathname)
  const v2 = host === `run.${universe}` ? V2.exec(path) : null
  if (v2) return { project: v2[1], location: v2[2], id: v2[3] }
  const region = host.endsWith(`-run.${universe}`) ? host.slice(0, -`-run.${universe}`.length) : undefined
  const v1 = region ? V1.exec(path) : null
  return v1 ? { project: v1[1], location: region!, id: v1[2] } : undefined
}

/** Whether the job's body asks to override the container, task count or timeout. */
export function hasOverrides(job: Job): boolean {
  const body = job.httpTarget?.body
  if (!body) return false
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64').toString('utf8'))
    return typeof parsed === 'object' && parsed !== null && 'overrides' in parsed
  } catch {
    return false
  }
}

export const cloudRunJob: TargetKind = {
  id: 'cloud_run_job',
  noun: 'Cloud Run job',
  bindingNoun: 'Cloud Run job',
  auth: { type: 'oauth' },
  iam: 'run.v2',
  fullResourceName: t => `//run.googleapis.com/${t.bindingResource}`,
  setIamPolicy: { permission: 'run.jobs.setIamPolicy', role: 'roles/run.admin' },
  access(_t, job) {
    if (hasOverrides(job))
      return {
        role: 'roles/run.jobsExecutorWithOverrides',
        permission: 'run.jobs.runWithOverrides',
        roles: [...WITH_OVERRIDES, ...BASIC],
        why: "the job's body has overrides"
      }
    return { role: 'roles/run.invoker', permission: 'run.jobs.run', roles: [...RUN, ...BASIC] }
  },
  calls(t, uri) {
    const u = parseJobUri(uri, t.urls[0] ? new URL(t.urls[0]).hostname.replace(/^run\./, '') : 'googleapis.com')
    const { project, location, id } = splitName(t.name)
    // The URI may name the project by number; the location and job id decide then.
    return !!u && u.location === location && u.id === id && (u.project === project || /^\d+$/.test(u.project))
  },
  nearMisses: () => [],
  grantCommand(t, member, role) {
    const { project, location, id } = splitName(t.bindingResource)
    return gcloud(project, ['run', 'jobs', 'add-iam-policy-binding', id], { region: location, member, role })
  },
  followExecution: (g, t, sinceMs, deadline, pollMs) =>
    follow({
      list: () => g.run.listExecutions(t.name),
      get: name => g.run.getExecution(name),
      createdAt: e => e.createTime,
      end: runEnd,
      sinceMs,
      deadline,
      pollMs
    })
}

/** How a Cloud Run execution ended, from its `Completed` condition; undefined while it runs. */
function runEnd(e: RunExecution): { state: string; succeeded: boolean; error?: string; durationMs?: number } | undefined {
  const done = e.conditions?.find(c => c.type === 'Completed')
  const duration = e.startTime && e.completionTime ? Date.parse(e.completionTime) - Date.parse(e.startTime) : undefined
  if (done?.state === 'CONDITION_SUCCEEDED') return { state: 'EXECUTION_SUCCEEDED', succeeded: true, durationMs: duration }
  if (done?.state === 'CONDITION_FAILED' || (e.completionTime && (e.failedCount ?? 0) > 0))
    return { state: 'EXECUTION_FAILED', succeeded: false, durationMs: duration, error: done?.message ?? `${e.failedCount ?? 0} task(s) failed` }
  if (e.completionTime && (e.cancelledCount ?? 0) > 0) return { state: 'EXECUTION_CANCELLED', succeeded: false, durationMs: duration, error: done?.message }
  return undefined
}

async function readRunJob(ctx: ReadContext, name: string): Promise<Target> {
  return ctx.memo(name, async () => {
    ctx.writable({ resource: name, iam: cloudRunJob.iam, permissions: [cloudRunJob.setIamPolicy.permission] })
    const [job, policy] = await Promise.all([ctx.g.run.getJob(name), ctx.g.run.iam.getIamPolicy(name)])
    const { project, location, id } = splitName(job.name)
    return {
      kind: cloudRunJob,
      name: job.name,
      bindingResource: job.name,
      policy,
      urls: [`https://run.${ctx.universe}/v2/projects/${project}/locations/${location}/jobs/${id}:run`],
      audiences: [],
      customAudiences: [],
      invokerIamDisabled: false
    }
  })
}

export const cloudRunJobLocator: Locator = {
  input: 'cloud_run_job',
  parseInput: parseRunJobRef,
  fullName: runJobName,
  read: readRunJob,
  fromUri(u, universe) {
    const j = parseJobUri(u.href, universe)
    return j && (ctx => readRunJob(ctx, runJobName({ project: /^\d+$/.test(j.project) ? ctx.project : j.project, region: j.location, id: j.id })))
  }
}
