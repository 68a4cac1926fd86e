/**
 * The target kinds and how they are found. Adding a kind: its module (kind, reads, remedies),
 * its client under google/, and one line in LOCATORS.
 */
import type { GoogleClients } from '../google/clients'
import type { Policy } from '../google/types'
import { locationName } from '../names'
import { cloudRunJobLocator } from './cloud-run-job'
import { functionLocator } from './functions'
import { serviceLocator } from './service'
import { workflowLocator } from './workflow'
import type { Locator, ReadContext, Target, Writable } from './types'

export type { Access, ExecutionResult, Locator, OauthAuth, OidcAuth, ReadContext, Target, TargetKind, TargetRef, Writable } from './types'

export const LOCATORS: readonly Locator[] = [functionLocator, serviceLocator, cloudRunJobLocator, workflowLocator]

/** The inputs that name a target (`function`, `service`, `cloud_run_job`, `workflow`), in the contract's order. */
export const TARGET_INPUTS: readonly string[] = LOCATORS.map(l => l.input)

export function locatorFor(input: string): Locator {
  const l = LOCATORS.find(x => x.input === input)
  if (!l) throw new Error(`no target kind is named by the input '${input}'`)
  return l
}

/** The read of the target a job URI calls, when a kind recognises the URI. */
export function fromUri(uri: string, universe: string): ((ctx: ReadContext) => Promise<Target>) | undefined {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    return undefined
  }
  for (const l of LOCATORS) {
    const read = l.fromUri(u, universe)
    if (read) return read
  }
  return undefined
}

/** One run's reads of targets: each target and each region listing at most once. */
export function readContext(g: GoogleClients, s: { project: string; region: string; universe: string }, writable: (w: Writable) => void): ReadContext {
  const targets = new Map<string, Promise<Target>>()
  const listings = new Map<string, Promise<unknown[]>>()
  let projectPolicy: Promise<Policy> | undefined
  return {
    g,
    project: s.project,
    parent: locationName(s.project, s.region),
    universe: s.universe,
    projectPolicy: () => (projectPolicy ??= g.projects.iam.getIamPolicy(`projects/${s.project}`)),
    writable,
    memo(key, read) {
      let p = targets.get(key)
      if (!p) {
        p = read()
        targets.set(key, p)
      }
      return p
    },
    listing<T>(key: string, list: () => Promise<T[]>): Promise<T[]> {
      let p = listings.get(key)
      if (!p) {
        p = list()
        listings.set(key, p)
      }
      return p as Promise<T[]>
    },
    started: <T>(key: string) => listings.get(key) as Promise<T[]> | undefined
  }
}

/** Starts every kind's region listing now, so an audit's listings run alongside the jobs listing. */
export function startListings(ctx: ReadContext): void {
  for (const l of LOCATORS) l.startListings?.(ctx)
}
