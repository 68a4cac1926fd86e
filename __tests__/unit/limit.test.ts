import { describe, expect, it } from '@jest/globals'
import { RateLimit, Semaphore } from '../../src/limit'

describe('Semaphore', () => {
  it('never lets more than max run at once, and runs them all', async () => {
    const sem = new Semaphore(3)
    let active = 0
    let peak = 0
    const results = await Promise.all(
      [...Array(20).keys()].map(i =>
        sem.run(async () => {
          peak = Math.max(peak, ++active)
          await new Promise(r => setTimeout(r, 2))
          active--
          return i * 2
        })
      )
    )
    expect(peak).toBe(3)
    expect(results).toEqual([...Array(20).keys()].map(i => i * 2))
  })
})

describe('RateLimit', () => {
  it('admits max starts per window at once, then waits for the window to slide', async () => {
    const limit = new RateLimit(4, 60)
    const t0 = Date.now()
    const times: number[] = []
    await Promise.all(
      [...Array(9).keys()].map(async () => {
        await limit.take()
        times.push(Date.now() - t0)
      })
    )
    times.sort((a, b) => a - b)
    expect(times.slice(0, 4).every(t => t < 30)).toBe(true)
    expect(times.slice(4, 8).every(t => t >= 55)).toBe(true)
    expect(times[8]).toBeGreaterThanOrEqual(115)
  })
})
