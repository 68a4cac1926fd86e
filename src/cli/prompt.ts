/** The question fix asks on a terminal before it writes: `Apply N change(s)? [y/N]`. */
import { createInterface } from 'node:readline'

/** Resolves true only for y or yes; no answer, end of input or Ctrl-C is no. */
export function ask(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  return new Promise(resolve => {
    const rl = createInterface({ input, output, terminal: true })
    let answered = false
    const done = (yes: boolean): void => {
      if (answered) return
      answered = true
      rl.close()
      resolve(yes)
    }
    rl.on('SIGINT', () => {
      output.write('\n')
      done(false)
    })
    rl.on('close', () => done(false))
    rl.question(question, a => done(/^(y|yes)$/i.test(a.trim())))
  })
}
