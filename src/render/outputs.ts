/**
 * The run's outputs (the contract's `result`, `changes`, `http_status`, `jobs`) as strings: the
 * action sets them as step outputs, the command line prints them parsed (`--format json`). No
 * GitHub import here, so the command line's bundle needs none.
 */
import { shownStatus } from '../engine/testrun'
import type { Outcome } from '../engine/outcome'

export function outputs(o: Outcome): Record<string, string> {
  const first = o.jobs[0]?.attempt
  return {
    result: o.result,
    changes: JSON.stringify(o.changes),
    http_status: first ? (shownStatus(first) ?? '') : '',
    jobs: JSON.stringify(
      o.jobs.map(j => ({
        job: j.plan.job,
        target: j.plan.target ?? null,
        audience: j.plan.audience ?? null,
        invoker_service_account: j.plan.invoker ?? null,
        findings: j.plan.checks
          .filter(c => c.severity !== 'ok')
          .map(c => ({
            check: c.id,
            severity: c.severity,
            found: c.found,
            expected: c.expected,
            remedy: c.remedy ?? null,
            fixable: !!c.fixedBy && !c.blocker
          })),
        // A number when exact; `2xx` (shownStatus) when only success is known.
        http_status: j.attempt ? (j.attempt.httpStatus ?? shownStatus(j.attempt) ?? null) : null,
        // Only when awaited (await_execution), so v1 consumers see no new key otherwise.
        ...(j.attempt?.execution ? { execution: { name: j.attempt.execution.name, state: j.attempt.execution.state } } : {}),
        result: j.result
      }))
    )
  }
}
