/**
 * The report in a terminal, read top to bottom: the verdict and the cause that matters most,
 * each job's failing checks (passing ones folded into a line), its test run, the changes as a
 * diff, then the commands to paste. Text from Google is data: control characters (which could
 * drive the terminal) are replaced and line breaks folded.
 */
import { lastSegment } from '../names'
import { remedyProse, type Change } from '../engine/plan'
import { explainingCheck, wasRepaired, type JobOutcome, type Outcome } from '../engine/outcome'
import { rpcName, shownStatus } from '../engine/testrun'
import { PROGRAM } from './args'

export interface TextOptions {
  /** ANSI colour (stdout is a terminal and NO_COLOR is unset). */
  color: boolean
  /** One line under the verdict: project, credentials. */
  context?: string
  /** Fix was asked and answered no: nothing was written. */
  declined?: boolean
  /** Renames the inputs a message quotes (`'job'` → `--job`). */
  label?: (input: string) => string | undefined
}

/** One terminal-safe line: no escape sequence or other control character from Google's text. */
export const term = (s: string): string => s.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd')

/** Renames the inputs a message quotes (`'job'` → `--job`), as readSettings' label does. */
export const relabelInputs = (s: string, label: (input: string) => string | undefined): string =>
  s.replace(/'([a-z][a-z_]*)'/g, (quoted, input: string) => label(input) ?? quoted)

type Paint = (s: string) => string

function painter(color: boolean) {
  const sgr =
    (open: number, close: number): Paint =>
    s =>
      color ? `\x1b[${open}m${s}\x1b[${close}m` : s
  return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) }
}

const MARK: Record<string, string> = { ok: '✓', fixed: '✓', drift: '!', failed: '✗', warning: '!', error: '✗' }

/** The finding that explains the verdict best: the run's error, a blocker, a failed attempt, then drift. */
function mainCause(o: Outcome, relabel: (s: string) => string): string | undefined {
  if (o.error) return relabel(term(o.error))
  const bad = o.jobs.filter(j => j.result === 'failed' || j.result === 'drift')
  const hint = (j: JobOutcome): string =>
    o.mode === 'verify' && !j.plan.checks.some(c => c.blocker) ? `run ${PROGRAM} fix, or paste the commands below` : 'see below'
  for (const j of bad) {
    const c = j.plan.checks.find(x => x.severity === 'error' && x.blocker)
    if (c) return `${term(lastSegment(j.plan.job))}: ${c.title.toLowerCase()}: ${term(c.found)}; fix it by hand (command below)`
  }
  for (const j of bad) {
    const a = j.attempt
    if (!a || a.passed) continue
    const status = a.error ? `was not tested (${term(a.error)})` : `got ${shownStatus(a) ? `HTTP ${shownStatus(a)}` : 'no status'}`
    const x = a.execution && !a.execution.succeeded ? `, its execution ${a.execution.running ? 'still ran' : `ended ${term(a.execution.state)}`}` : ''
    const named = explainingCheck(j)
    const cause = named ? ` — ${named.title.toLowerCase()}; ${hint(j)}` : j.explanation ? `: ${relabel(term(j.explanation))}` : ''
    return `${term(lastSegment(j.plan.job))} ${status}${x}${cause}`
  }
  for (const j of bad) {
    const c = j.plan.checks.find(x => x.severity === 'error' && x.fixedBy && !wasRepaired(o, j, x))
    if (c) return `${term(lastSegment(j.plan.job))}: ${c.title.toLowerCase()}: ${term(c.found)}; ${hint(j)}`
  }
  return undefined
}

function verdict(o: Outcome, p: ReturnType<typeof painter>, relabel: (s: string) => string): string {
  const tested = o.jobs.some(j => j.attempt)
  const head = (color: Paint) => p.bold(color(`${MARK[o.result]} ${o.result}`))
  if (o.result === 'ok') return `${head(p.green)}: every job is set up right${tested ? ' and its test attempt passed' : ''}`
  if (o.result === 'fixed') return `${head(p.green)}: ${o.changes.length} change(s) repaired the drift${tested ? '; every test attempt passed' : ''}`
  return `${head(o.result === 'drift' ? p.yellow : p.red)}: ${mainCause(o, relabel) ?? 'see the jobs below'}`
}

function testLine(j: JobOutcome, expected: number, p: ReturnType<typeof painter>): string {
  const a = j.attempt
  if (!a) return p.dim('test run: not run')
  if (a.error) return `test run: ${p.red('✗')} ${term(a.error)}`
  const shown = shownStatus(a)
  const status = shown ? `HTTP ${shown}` : `status unknown (job status ${a.rpcCode ? rpcName(a.rpcCode) : 'none'})`
  const ok = a.passed || !!a.execution
  const parts = [
    `test run: ${ok ? p.green('✓') : p.red('✗')} ${status} ${a.inferred ? '(inferred from the job status)' : '(from the execution log)'}, expected ${expected}`
  ]
  if (a.latencyMs !== undefined) parts.push(`attempt seen ${(a.latencyMs / 1000).toFixed(1)} s after jobs.run`)
  if (a.runs > 1) parts.push(`${a.runs} runs`)
  if (a.propagationMs !== undefined) parts.push(`IAM propagation took ${(a.propagationMs / 1000).toFixed(1)} s`)
  const lines = [parts.join('; ')]
  const x = a.execution
  if (x) {
    const took = x.durationMs !== undefined ? ` after ${(x.durationMs / 1000).toFixed(1)} s` : ''
    lines.push(
      `execution ${term(x.name || '(none found)')}: ${x.succeeded ? p.green('✓') : p.red('✗')} ${x.running ? 'still running at the timeout' : `${term(x.state)}${took}`}${x.error ? ` (${term(x.error)})` : ''}`
    )
  }
  if (a.debugInfo) lines.push(`Scheduler says: ${term(a.debugInfo)}`)
  const named = explainingCheck(j)
  if (named) lines.push(`cause: ${named.title} (above)`)
  else if (j.explanation) lines.push(`cause: ${term(j.explanation)}`)
  return lines.join('\n    ')
}

/** One change as a diff: `audience: (none) → https://…`, or the member a role gains. */
export function changeLines(c: Change, p: ReturnType<typeof painter> = painter(false)): string[] {
  const one = (v: string | null | undefined): string => (v ? term(v) : '(none)')
  const head = `${p.bold(term(lastSegment(c.resource)))} ${p.dim(`${c.kind} ${term(c.resource)}`)}`
  if (c.kind === 'iam.invoker' || c.kind === 'iam.service_agent') return [head, `  ${p.green('+')} ${term(c.after.role)}: ${one(c.after.member)}`]
  const before: Record<string, string | null> = c.before ? { ...c.before } : {}
  const after: Record<string, string> = { ...c.after }
  return [head, ...Object.keys(after).flatMap(k => (one(before[k]) === one(after[k]) ? [] : [`  ${k}: ${p.red(one(before[k]))} → ${p.green(one(after[k]))}`]))]
}

export function renderText(o: Outcome, opts: TextOptions): string {
  const p = painter(opts.color)
  const relabel = (s: string): string => (opts.label ? relabelInputs(s, opts.label) : s)
  const out: string[] = [verdict(o, p, relabel)]
  if (opts.declined) out.push(p.yellow('Nothing written: the changes were declined.'))
  out.push(p.dim(`${o.mode} · ${o.jobs.length} job(s)${opts.context ? ` · ${opts.context}` : ''}`))
  const commands: string[] = []
  for (const j of o.jobs) {
    const color = j.result === 'failed' ? p.red : j.result === 'drift' ? p.yellow : p.green
    out.push('', `${p.bold(term(lastSegment(j.plan.job)))} → ${j.plan.target ? term(j.plan.target) : 'no target'}  ${color(`${MARK[j.result]} ${j.result}`)}`)
    const shown = j.plan.checks.filter(c => c.severity !== 'ok')
    const passing = j.plan.checks.filter(c => c.severity === 'ok')
    for (const c of shown) {
      const repaired = wasRepaired(o, j, c)
      const mark = repaired ? p.green('✓') : c.severity === 'warning' ? p.yellow('!') : p.red('✗')
      const what = repaired
        ? 'fixed'
        : c.blocker
          ? 'fix by hand'
          : c.fixedBy && o.mode === 'verify'
            ? `${PROGRAM} fix repairs it`
            : c.fixedBy && j.writeFailed.includes(c.fixedBy)
              ? `not fixed: the ${c.fixedBy} write failed`
              : c.severity === 'warning'
                ? 'warning'
                : ''
      out.push(`  ${mark} ${c.title}: ${term(c.found)} ${p.dim(`(expected ${term(c.expected)})`)}${what ? ` — ${what}` : ''}`)
      const cmd = c.command
      const prose = repaired ? '' : relabel(term(remedyProse(c)))
      if (prose) out.push(`      ${p.dim(prose)}`)
      if (cmd && !repaired && !commands.includes(term(cmd))) commands.push(p.dim(`# ${term(lastSegment(j.plan.job))}: ${c.title}`), term(cmd))
    }
    if (passing.length)
      out.push(`  ${p.green('✓')} ${shown.length ? `${passing.length} more` : `all ${passing.length}`} checks pass: ${passing.map(c => c.title).join(', ')}`)
    out.push(`  ${testLine(j, o.expectedStatus, p)}`)
  }
  if (o.changes.length) {
    out.push('', p.bold(o.mode === 'fix' ? 'Changes made:' : `Changes ${PROGRAM} fix would make:`))
    for (const c of o.changes) out.push(...changeLines(c, p).map(l => `  ${l}`))
  }
  if (commands.length) out.push('', p.bold(o.mode === 'verify' ? `To fix by hand (or run ${PROGRAM} fix):` : 'To fix by hand:'), ...commands.map(c => `  ${c}`))
  if (o.notes.length) out.push('', p.dim('Not seen by this run:'), ...o.notes.map(n => `  ${p.dim(term(n))}`))
  return out.join('\n') + '\n'
}
