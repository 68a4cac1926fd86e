/** Reading IAM policies: who holds a role, and how. */
import type { Binding, Policy } from './google/types'

/** Members that hold `role` on a policy through an unconditional binding. */
export function holders(policy: Policy | undefined, role: string): Set<string> {
  const out = new Set<string>()
  for (const b of policy?.bindings ?? []) if (b.role === role && !b.condition) for (const m of b.members ?? []) out.add(m)
  return out
}

/** Members that hold `role` only when a condition is met. */
export const conditionalHolders = (policy: Policy | undefined, role: string): Set<string> =>
  new Set((policy?.bindings ?? []).filter((b: Binding) => b.role === role && b.condition).flatMap(b => b.members ?? []))
