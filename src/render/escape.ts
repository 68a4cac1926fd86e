/**
 * Text that comes from Google (names, URIs, audiences, error messages) is data: one escaping
 * function per medium it is shown in, so it can add no markup, link, mention, hidden marker or
 * workflow command. Shell words are quoted where commands are built (src/remedies.ts).
 */

const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085]/g

/** One log line: folded, so no part of it can start a line of its own (`::warning::…` is a workflow command). */
export const logLine = (value: string): string => value.replace(LINE_BREAKS, ' ⏎ ')

/**
 * Plain markdown text, safe in a paragraph or a table cell: every character markdown or HTML
 * gives a meaning to is escaped or encoded, line breaks folded, and `@` made unable to start a
 * mention (GitHub links mentions in rendered text, whatever escaping produced it).
 */
export function mdText(value: string): string {
  return (
    value
      .replace(LINE_BREAKS, ' ')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\\`*_[\]|~]/g, c => `\\${c}`)
      // GitHub links `@login` after any non-word character; an email's `@` follows a word character.
      .replace(/(^|[^A-Za-z0-9_])@/g, '$1@\u2060')
  )
}

/** Inline code (outside tables): a fence longer than any backtick run inside, so the value cannot close it. */
export function mdCode(value: string): string {
  const v = value.replace(LINE_BREAKS, ' ')
  const longest = Math.max(0, ...[...v.matchAll(/`+/g)].map(m => m[0].length))
  const fence = '`'.repeat(longest + 1)
  // A value that starts or ends with a backtick needs a space inside the fence (CommonMark strips one).
  const pad = v.startsWith('`') || v.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${v}${pad}${fence}`
}

/** A fenced block (commands, diffs): its fence is longer than any backtick run in the lines. */
export function mdBlock(lang: string, lines: string[]): string {
  const longest = Math.max(2, ...lines.flatMap(l => [...l.matchAll(/`+/g)].map(m => m[0].length)))
  const fence = '`'.repeat(longest + 1)
  return [`${fence}${lang}`, ...lines, fence].join('\n')
}
