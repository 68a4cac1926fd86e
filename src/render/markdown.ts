/**
 * The report as markdown: the job summary and the PR comment say the same thing. Read in five
 * seconds: the verdict and the cause that matters most first, failures before passes, every
 * command once in a block, changes as a diff. Everything that came from Google goes through
 * ./escape.
 */
import { lastSegment } from '../names'
import { remedyProse, type Change, type Check } from '../engine/plan'
import { explainingCheck, wasRepaired, type JobOutcome, type Outcome } from '../engine/outcome'
import { rpcName, shownStatus } from '../engine/testrun'
import { mdBlock, mdCode, mdText } from './escape'

const ICON: Record<string, string> = { ok: '✅', warning: '⚠️', error: '❌' }
const VERDICT: Record<string, string> = { ok: '✅ ok', fixed: '🔧 fixed', drift: '⚠️ drift', failed: '❌ failed' }

/** What the action did or would do about a finding, in a few words. */
function action(c: Check, o: Outcome, j: JobOutcome): string {
  if (c.blocker) return 'by hand (see the commands)'
  if (!c.fixedBy) return c.severity === 'warning' ? 'a warning: the run does not fail on it' : 'by hand'
  if (o.mode === 'fix' && j.writeFailed.includes(c.fixedBy)) return `not fixed (the ${c.fixedBy} write failed)`
  if (o.mode === 'fix')
    return o.applied && j.changes.some(ch => ch.kind === c.fixedBy) ? 'fixed' : o.applied ? 'already in place' : 'not fixed (nothing written)'
  return '`mode: fix` repairs it'
}

/** The finding that explains the verdict best: a blocker, then a failed attempt, then drift. */
function mainCause(o: Outcome): string | undefined {
  if (o.error) return mdText(o.error)
  const bad = o.jobs.filter(j => j.result === 'failed' || j.result === 'drift')
  for (const pick of [
    (j: JobOutcome) => j.plan.checks.find(c => c.severity === 'error' && c.blocker),
    (j: JobOutcome) => (j.attempt && !j.attempt.passed ? j : undefined),
    (j: JobOutcome) => j.plan.checks.find(c => c.severity === 'error' && c.fixedBy && !wasRepaired(o, j, c))
  ])
    for (const j of bad) {
      const hit = pick(j)
      if (!hit) continue
      const id = mdCode(lastSegment(j.plan.job))
      const fixable = j.plan.checks.some(c => c.severity === 'error' && c.fixedBy && !c.blocker && !wasRepaired(o, j, c))
      const hasCommands = j.plan.checks.some(c => c.command && c.severity !== 'ok' && !wasRepaired(o, j, c))
      const fix = o.mode === 'verify' && fixable ? 'run with `mode: fix`, or paste the commands below' : hasCommands ? 'paste the commands below' : 'see below'
      if ('plan' in hit) {
        const a = hit.attempt!
        const status = a.error ? 'was not tested' : `got ${shownStatus(a) ? `HTTP ${shownStatus(a)}` : 'no status'}`
        const x = a.execution
        const ended =
          x && !x.succeeded
            ? `, ${!x.name ? 'its execution could not be followed' : x.running ? 'its execution still ran at the timeout' : `its execution ended ${mdText(x.state)}`}`
            : ''
        // The finding the explanation quotes, by its title; else the explanation's first clause.
        const check = explainingCheck(hit)
        const cause = check ? check.title : x ? undefined : hit.explanation?.split(/; |: /)[0]
        return `${id} ${status}${ended}${cause ? ` — ${mdText(cause)}` : ''}; ${fix}`
      }
      return `${id}: ${hit.title} — ${mdText(hit.found)}; ${hit.blocker ? (hasCommands ? 'fix it by hand (command below)' : 'fix it by hand (see below)') : fix}`
    }
  return undefined
}

function verdict(o: Outcome): string {
  const tested = o.jobs.some(j => j.attempt)
  const n = o.changes.length
  if (o.result === 'ok') return `## ${VERDICT.ok}: every job is set up right${tested ? ' and its test attempt passed' : ''}`
  if (o.result === 'fixed') return `## ${VERDICT.fixed}: ${n} change(s) repaired the drift${tested ? '; every test attempt passed' : ''}`
  return `## ${VERDICT[o.result]}: ${mainCause(o) ?? 'see the jobs below'}`
}

/** The test attempt in one line of markdown. */
export function testLine(j: JobOutcome, expected: number): string {
  const t = mdText
  const c = mdCode
  const a = j.attempt
  if (!a) return 'Test run: not run.'
  if (a.error) return `Test run: ❌ ${t(a.error)}.`
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
    line += ` Execution ${c(x.name || 'none found')}: ${x.succeeded ? '✅' : '❌'} ${x.running ? 'still running at the timeout' : `${x.state}${took}`}${x.error ? ` (${t(x.error)})` : ''}.`
  }
  if (a.debugInfo) line += ` Scheduler says: ${c(a.debugInfo)}.`
  // A cause that is a finding of the table above is named, not repeated.
  const shownCause = explainingCheck(j)
  if (shownCause) line += ` Cause: ${shownCause.title} (above).`
  else if (j.explanation) line += ` Cause: ${t(j.explanation)}.`
  return line
}

/** One change as diff lines: what was there, what is (or would be) there. */
function diffLines(c: Change): string[] {
  const one = (v: string | null | undefined): string => (v ? v.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ') : '(none)')
  const head = `  ${lastSegment(c.resource)}  ${c.kind}  ${c.resource}`
  if (c.kind === 'iam.invoker' || c.kind === 'iam.service_agent') return [head, `+ ${c.after.role}: ${one(c.after.member)}`]
  const before: Record<string, string | null> = c.before ? { ...c.before } : {}
  const after: Record<string, string> = { ...c.after }
  return [head, ...Object.keys(after).flatMap(k => (one(before[k]) === one(after[k]) ? [] : [`- ${k}: ${one(before[k])}`, `+ ${k}: ${one(after[k])}`]))]
}

export function renderMarkdown(o: Outcome): string {
  const out: string[] = [verdict(o), '', `Cloud Scheduler auth check, \`mode: ${o.mode}\`, ${o.jobs.length} job(s).`]
  const commands: string[] = []
  for (const j of o.jobs) {
    const target = j.plan.target ? mdCode(j.plan.target) : 'no target'
    out.push('', `### ${mdCode(lastSegment(j.plan.job))} → ${target} · ${VERDICT[j.result]}`, '')
    const shown = j.plan.checks.filter(c => c.severity !== 'ok')
    const passing = j.plan.checks.filter(c => c.severity === 'ok')
    if (shown.length) {
      out.push('| | Check | Found | Expected | Action |', '|---|---|---|---|---|')
      // A repaired finding is marked as repaired, so a fixed run's table does not read as a failure.
      for (const c of shown)
        out.push(
          `| ${wasRepaired(o, j, c) ? '🔧' : ICON[c.severity]} | ${c.title} | ${mdText(c.found)} | ${mdText(c.expected)} | ${action(c, o, j)}${remedyProse(c) && !wasRepaired(o, j, c) ? `: ${mdText(remedyProse(c))}` : ''} |`
        )
      out.push('')
    }
    // Passes fold into one line; what they found stays one click away (an inherited grant, an internal ingress that is fine).
    if (passing.length)
      out.push(
        `<details><summary>✅ ${shown.length ? `${passing.length} more` : `All ${passing.length}`} checks pass: ${passing.map(c => c.title).join(', ')}.</summary>`,
        '',
        '| Check | Found |',
        '|---|---|',
        ...passing.map(c => `| ${c.title} | ${mdText(c.found)} |`),
        '',
        '</details>',
        ''
      )
    out.push(testLine(j, o.expectedStatus))
    // What the action repaired needs no hand fix; what it cannot repair does.
    for (const c of shown)
      if (c.command && !wasRepaired(o, j, c) && !commands.includes(c.command)) commands.push(`# ${lastSegment(j.plan.job)}: ${c.title}`, c.command)
  }
  if (commands.length) out.push('', o.mode === 'verify' ? '### To fix by hand (or run with `mode: fix`)' : '### To fix by hand', '', mdBlock('sh', commands))
  if (o.changes.length)
    out.push('', o.mode === 'fix' ? '### Changes made' : '### Changes `mode: fix` would make', '', mdBlock('diff', o.changes.flatMap(diffLines)))
  // What the caller could not read stays out of the way, one click down: it matters only when a finding is missing.
  if (o.notes.length)
    out.push('', `<details><summary>ℹ️ Not seen by this run (${o.notes.length})</summary>`, '', ...o.notes.map(n => `- ${mdText(n)}`), '', '</details>')
  return out.join('\n') + '\n'
}
