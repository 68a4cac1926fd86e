/**
 * Finds Cloud Functions, from the `function` input or a `cloudfunctions.net` URI. Whether a
 * function is gen 1 or gen 2 is known only once it is read; each generation is its own kind.
 */
import type { CloudFunction } from '../google/types'
import { functionName, parseFunctionRef, parseFunctionUrl } from '../names'
import { gen1FromFunction } from './gen1'
import { gen2FromFunction } from './gen2'
import type { Locator, ReadContext, Target } from './types'

function readFunction(ctx: ReadContext, name: string): Promise<Target> {
  return ctx.memo(name, async () => {
    const listing = ctx.started<CloudFunction>('functions')
    const listed = listing && name.startsWith(`${ctx.parent}/`) ? (await listing.catch(() => [] as CloudFunction[])).find(f => f.name === name) : undefined
    const fn = listed ?? (await ctx.g.functions.getFunction(name))
    return fn.environment === 'GEN_2' ? gen2FromFunction(ctx, fn, name) : gen1FromFunction(ctx, fn, name)
  })
}

export const functionLocator: Locator = {
  input: 'function',
  parseInput: parseFunctionRef,
  fullName: functionName,
  read: readFunction,
  fromUri(u) {
    const f = parseFunctionUrl(u.href)
    return f && (ctx => readFunction(ctx, functionName(f)))
  },
  startListings: ctx => void ctx.listing('functions', () => ctx.g.functions.listFunctions(ctx.parent)).catch(() => undefined)
}
