/** Small numeric helpers. */
export function median(xs: number[]): number {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
