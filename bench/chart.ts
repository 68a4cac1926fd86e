/** Hand-written SVG charts: no dependency, readable on GitHub. */

export interface Series {
  label: string
  color: string
  points: { x: number; y: number }[]
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The opening of every chart: the svg element, a white ground, the title and subtitle at x. */
function header(W: number, H: number, x: number, title: string, subtitle?: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${x}" y="24" font-size="16" font-weight="600" fill="#1f2328">${esc(title)}</text>`,
    ...(subtitle ? [`<text x="${x}" y="42" fill="#59636e">${esc(subtitle)}</text>`] : [])
  ]
}

/** A "nice" axis maximum and step: 1, 2 or 5 × 10^k. */
function niceStep(max: number, ticks = 5): { top: number; step: number } {
  const raw = Math.max(max, 1e-9) / ticks
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw)!
  return { top: Math.ceil(max / step) * step, step }
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1)
}

/** A line chart on linear axes, points marked and labelled with their y value. */
export function lineChart(o: { title: string; subtitle?: string; xLabel: string; yLabel: string; series: Series[]; width?: number; height?: number }): string {
  const W = o.width ?? 720
  const H = o.height ?? 420
  const m = { l: 64, r: 170, t: 56, b: 52 }
  const pw = W - m.l - m.r
  const ph = H - m.t - m.b
  const xs = o.series.flatMap(s => s.points.map(p => p.x))
  const ys = o.series.flatMap(s => s.points.map(p => p.y))
  const xMax = niceStep(Math.max(...xs)).top
  const { top: yMax, step: yStep } = niceStep(Math.max(...ys) * 1.08)
  const X = (x: number): number => m.l + (x / xMax) * pw
  const Y = (y: number): number => m.t + ph - (y / yMax) * ph
  const out: string[] = []
  out.push(...header(W, H, m.l, o.title, o.subtitle))
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(y)}" y2="${Y(y)}" stroke="#d1d9e0" stroke-width="1"/>`)
    out.push(`<text x="${m.l - 8}" y="${Y(y) + 4}" text-anchor="end" fill="#59636e">${fmt(y)}</text>`)
  }
  const xTicks = [...new Set(xs)].sort((a, b) => a - b)
  // No tick label at 0: it would overlap the first data tick on a linear axis.
  for (const x of xTicks) out.push(`<text x="${X(x)}" y="${m.t + ph + 18}" text-anchor="middle" fill="#59636e">${fmt(x)}</text>`)
  out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#59636e"/>`)
  out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#59636e"/>`)
  out.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle" fill="#1f2328">${esc(o.xLabel)}</text>`)
  out.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f2328">${esc(o.yLabel)}</text>`)
  o.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x)
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${pts.map(p => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ')}"/>`)
    for (const p of pts) {
      out.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="4" fill="${s.color}"/>`)
      out.push(`<text x="${(X(p.x) + 6).toFixed(1)}" y="${(Y(p.y) - 7).toFixed(1)}" fill="${s.color}" font-size="11">${fmt(p.y)}</text>`)
    }
    const ly = m.t + 10 + i * 22
    out.push(`<line x1="${m.l + pw + 16}" x2="${m.l + pw + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"/>`)
    out.push(`<text x="${m.l + pw + 46}" y="${ly + 4}" fill="#1f2328">${esc(s.label)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** Horizontal bars, one per row, value printed at the end of each bar. */
export function barChart(o: {
  title: string
  subtitle?: string
  unit: string
  bars: { label: string; value: number; color: string }[]
  width?: number
}): string {
  const W = o.width ?? 720
  const rowH = 34
  const m = { l: 250, r: 80, t: 56, b: 20 }
  const H = m.t + m.b + rowH * o.bars.length
  const pw = W - m.l - m.r
  const max = Math.max(...o.bars.map(b => b.value))
  const out: string[] = []
  out.push(...header(W, H, 16, o.title, o.subtitle))
  o.bars.forEach((b, i) => {
    const y = m.t + i * rowH
    const w = max ? (b.value / max) * pw : 0
    out.push(`<text x="${m.l - 10}" y="${y + rowH / 2 + 4}" text-anchor="end" fill="#1f2328">${esc(b.label)}</text>`)
    out.push(`<rect x="${m.l}" y="${y + 6}" width="${w.toFixed(1)}" height="${rowH - 12}" rx="3" fill="${b.color}"/>`)
    out.push(`<text x="${(m.l + w + 6).toFixed(1)}" y="${y + rowH / 2 + 4}" fill="#1f2328">${fmt(b.value)} ${esc(o.unit)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
