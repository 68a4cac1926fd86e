/** The report as markdown: the job summary and the PR comment say the same thing. */
import { lastSegment } from '../names'
import type { Check } from '../engine/plan'
import { wasRepaired, type JobOutcome, type Outcome } from '../engine/outcome'
import { rpcName, shownStatus } from '../engine/testrun'

const ICON: Record<string, string> = { ok: '✅', warning: '⚠️', error: '❌' }
const RESULT_LINE: Record<string, string> = {
  ok: '✅ **ok**: every job is set up right.',
  fixed: '🔧 **fixed**: drift was repaired.',
  drift: '⚠️ **drift**: something is set up wrong; run with `mode: fix` to repair it.',
  failed: '❌ **failed**'
}

const cell = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')

function action(c: Check, o: Outcome, j: JobOutcome): string {
  if (c.severity === 'ok') return '—'
  if (c.blocker) return 'cannot be fixed by the action'
  if (!c.fixedBy) return '—'
  // The job's own changes include the project's service agent grant (see changesOfJob).
  const done = j.changes.some(ch => ch.kind === c.fixedBy)
  if (o.mode === 'fix' && j.writeFailed.includes(c.fixedBy)) return `not fixed (the ${c.fixedBy} write failed)`
  if (o.mode === 'fix') return o.applied && done ? `fixed (${c.fixedBy})` : o.applied ? 'already in place' : 'not fixed (nothing written)'
  return `mode: fix would repair (${c.fixedBy})`
}

export function testLine(j: JobOutcome, expected: number): string {
  const a = j.attempt
  if (!a) return 'Test run: not run.'
  if (a.error) return `Test run: ❌ ${a.error}.`
  const shown = shownStatus(a)
  const status = shown ? `HTTP ${shown}` : `status unknown (job status ${a.rpcCode ? rpcName(a.rpcCode) : 'none'})`
  const how = a.inferred ? ' (inferred from the job status: the execution log entry was not available)' : ' (from the execution log)'
  // An execution is followed only after the attempt itself passed: its line carries its own mark.
  const attemptOk = a.passed || !!a.execution
  const parts = [`Test run: ${attemptOk ? '✅' : '❌'} ${status}${how}, expected ${expected}`]
  if (a.latencyMs !== undefined) parts.push(`attempt seen ${(a.latencyMs / 1000).toFixed(1)} s after jobs.run`)
  if (a.runs > 1) parts.push(`${a.runs} runs`)
  if (a.propagationMs !== undefined) parts.push(`IAM propagation took ${(a.propagationMs / 1000).toFixed(1)} s`)
  let line = parts.join('; ') + '.'
  const x = a.execution
  if (x) {
    const took = x.durationMs !== undefined ? ` after ${(x.durationMs / 1000).toFixed(1)} s` : ''
    line += ` Execution \`${x.name || 'none found'}\`: ${x.succeeded ? '✅' : '❌'} ${x.running ? 'still running at the timeout' : `${x.state}${took}`}${x.error ? ` (${x.error})` : ''}.`
  }
  if (a.debugInfo) line += ` Scheduler says: \`${a.debugInfo}\`.`
  if (j.explanation) line += ` Cause: ${j.explanation}.`
  return line
}

export function renderMarkdown(o: Outcome): string {
  const tested = o.jobs.some(j => j.attempt)
  const passed = tested && (o.result === 'ok' || o.result === 'fixed') ? ' Every test attempt passed.' : ''
  const out: string[] = [
    `## Cloud Scheduler OIDC check (${o.mode})`,
    '',
    RESULT_LINE[o.result] + passed + (o.result === 'failed' && o.error ? ` ${o.error}` : '')
  ]
  for (const j of o.jobs) {
    out.push('', `### \`${lastSegment(j.plan.job)}\` → ${j.plan.target ? `\`${j.plan.target}\`` : 'no target'} (${j.result})`, '')
    out.push('| | Check | Found | Expected | Action |', '|---|---|---|---|---|')
    // A repaired finding is marked as repaired, so a fixed run's table does not read as a failure.
    for (const c of j.plan.checks)
      out.push(`| ${wasRepaired(o, j, c) ? '🔧' : ICON[c.severity]} | ${c.title} | ${cell(c.found)} | ${cell(c.expected)} | ${cell(action(c, o, j))} |`)
    out.push('', testLine(j, o.expectedStatus))
    // What the action repaired needs no hand fix; what it cannot repair does.
    const remedies = j.plan.checks.filter(c => c.severity !== 'ok' && c.remedy && !wasRepaired(o, j, c))
    if (remedies.length) {
      out.push('', '<details><summary>How to fix by hand</summary>', '')
      for (const c of remedies) out.push(`- **${c.title}**: ${c.remedy}`)
      out.push('', '</details>')
    }
  }
  if (o.changes.length) {
    out.push('', o.mode === 'fix' ? '### Changes made' : '### Changes `mode: fix` would make', '')
    for (const c of o.changes) out.push(`- \`${c.kind}\` on \`${c.resource}\`: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`)
  }
  return out.join('\n') + '\n'
}
