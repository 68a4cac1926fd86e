import { describe, expect, it } from '@jest/globals'
import { QuotaWaitError, RateLimit, Semaphore } from '../../src/limit'

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

  it('with a deadline: waits for a slot that opens before it, refuses at once one that opens after', async () => {
    const limit = new RateLimit(1, 80)
    await limit.take()
    const t0 = Date.now()
    await limit.take(t0 + 1000)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70)
    const t1 = Date.now()
    const refused = await limit.take(t1 + 20).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(QuotaWaitError)
    expect((refused as Error).message).toMatch(/limit of 1 per 0.08 s/)
    expect(Date.now() - t1).toBeLessThan(20)
  })
})
