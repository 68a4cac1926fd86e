/**
 * The job summary as a person sees it: GitHub renders the markdown (tables, <details>, fenced
 * code) inside its own page. This writes the same markdown through a GFM renderer into a page
 * styled like GitHub's, so the look can be checked by eye or screenshotted (DEMO_HTML=dir).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { marked } from 'marked'

const STYLE = `
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:#1f2328;max-width:1012px;margin:24px auto;padding:0 16px}
.box{border:1px solid #d1d9e0;border-radius:6px;padding:16px 24px}
h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em}
h3{font-size:1.25em}
table{border-collapse:collapse;display:block;overflow:auto;margin:0 0 16px}
th,td{border:1px solid #d1d9e0;padding:6px 13px;vertical-align:top}
tr:nth-child(2n){background:#f6f8fa}
code{background:#eff1f3;border-radius:6px;padding:.2em .4em;font:85% ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border-radius:6px;padding:16px;overflow:auto}
pre code{background:none;padding:0}
summary{cursor:pointer}
`

/** Writes `<dir>/<name>.html` from a job summary's markdown; returns its path. */
export function writeSummaryHtml(dir: string, name: string, markdown: string): string {
  mkdirSync(dir, { recursive: true })
  const body = marked.parse(markdown, { gfm: true, async: false })
  const file = join(dir, `${name}.html`)
  writeFileSync(file, `<!doctype html><meta charset="utf-8"><title>${name}</title><style>${STYLE}</style><div class="box">${body}</div>\n`)
  return file
}
