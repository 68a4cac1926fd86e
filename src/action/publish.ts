/** Puts the outcome where GitHub shows it: outputs, annotations, the job summary and the PR comment. */
import * as core from '@actions/core'
import type { ActionSettings } from './inputs'
import { commentScope, commentTarget, postStickyComment } from './comment'
import { renderMarkdown } from '../render/markdown'
import { lastSegment } from '../names'
import { wasRepaired, type Outcome } from '../engine/outcome'
import { shownStatus } from '../engine/testrun'
import { outputs } from '../render/outputs'

export { outputs }

/**
 * Publishes the outcome; with `settings`, also upserts the sticky PR comment (same markdown as
 * the summary). The comment is best-effort: a refusal is a warning, never a failed step.
 */
export async function publish(o: Outcome, settings?: ActionSettings): Promise<string> {
  for (const [k, v] of Object.entries(outputs(o))) core.setOutput(k, v)
  for (const j of o.jobs) {
    const id = lastSegment(j.plan.job)
    for (const c of j.plan.checks) {
      if (c.severity === 'ok') continue
      const text = `${id}: ${c.title}: found ${c.found}, expected ${c.expected}.${c.remedy ? ' ' + c.remedy : ''}`
      const props = { title: `${id}: ${c.title}` }
      // In fix mode a repaired check is no longer an error: say it as a notice.
      if (c.severity === 'warning') core.warning(text, props)
      else if (wasRepaired(o, j, c)) core.notice(`${text} (fixed)`, props)
      else core.error(text, props)
    }
    if (j.attempt && !j.attempt.passed)
      core.error(
        `${id}: test attempt ${j.attempt.error ?? `returned ${shownStatus(j.attempt) ?? 'an unknown status'}, expected ${o.expectedStatus}`}${j.explanation ? `. Cause: ${j.explanation}` : ''}`,
        { title: `${id}: test run` }
      )
  }
  const md = renderMarkdown(o)
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(md).write()
  if (settings) await publishComment(md, settings)
  return md
}

async function publishComment(md: string, settings: ActionSettings): Promise<void> {
  const target = commentTarget({ comment: settings.comment, githubToken: settings.githubToken, scope: commentScope(settings) })
  if (!target.comment) {
    if (target.warning) core.warning(target.warning)
    return
  }
  core.setSecret(target.token)
  const r = await postStickyComment(target, md)
  if ('warning' in r) core.warning(r.warning)
  else core.info(`PR comment ${r.done} on ${target.pr.owner}/${target.pr.repo}#${target.pr.number}.`)
}
