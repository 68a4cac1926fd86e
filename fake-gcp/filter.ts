/**
 * The part of the Cloud Logging query language gcloud `logging read` and the action send:
 * comparisons (= != < <= > >= : =~ !~), AND / OR / NOT / -, implicit AND, parentheses,
 * quoted or bare values, log_id("..."). Precedence is Logging's: NOT, then OR, then AND.
 */
import { invalidArgument } from './errors'

export type Filter = (entry: Record<string, unknown>) => boolean

const SEVERITY = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']
const severityRank = (v: string): number => {
  const i = SEVERITY.indexOf(v.toUpperCase())
  return i >= 0 ? i * 100 : Number(v)
}
const OPS = ['=~', '!~', '>=', '<=', '!=', '=', '>', '<', ':']

class Parser {
  private i = 0
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw invalidArgument(`Unparseable filter: ${what} at line 1, column ${this.i + 1}, in "${this.s}"`)
  }
  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++
  }
  private peekWord(w: string): boolean {
    this.ws()
    return this.s.startsWith(w, this.i) && !/[A-Za-z0-9_.]/.test(this.s[this.i + w.length] ?? '')
  }
  private eof(): boolean {
    this.ws()
    return this.i >= this.s.length
  }

  parse(): Filter {
    if (this.eof()) return () => true
    const f = this.and()
    if (!this.eof()) this.fail(`unexpected '${this.s[this.i]}'`)
    return f
  }

  private and(): Filter {
    const parts = [this.or()]
    for (;;) {
      if (this.eof() || this.s[this.i] === ')') break
      if (this.peekWord('AND')) this.i += 3
      parts.push(this.or())
    }
    return parts.length === 1 ? parts[0] : e => parts.every(p => p(e))
  }

  private or(): Filter {
    const parts = [this.not()]
    while (this.peekWord('OR')) {
      this.i += 2
      parts.push(this.not())
    }
    return parts.length === 1 ? parts[0] : e => parts.some(p => p(e))
  }

  private not(): Filter {
    this.ws()
    if (this.peekWord('NOT')) {
      this.i += 3
      const f = this.not()
      return e => !f(e)
    }
    if (this.s[this.i] === '-') {
      this.i++
      const f = this.not()
      return e => !f(e)
    }
    return this.primary()
  }

  private primary(): Filter {
    this.ws()
    if (this.s[this.i] === '(') {
      this.i++
      const f = this.and()
      this.ws()
      if (this.s[this.i] !== ')') this.fail("missing ')'")
      this.i++
      return f
    }
    if (this.s.startsWith('log_id(', this.i)) {
      this.i += 'log_id('.length
      this.ws()
      const id = this.value()
      this.ws()
      if (this.s[this.i] !== ')') this.fail("missing ')'")
      this.i++
      const encoded = encodeURIComponent(id)
      return e => typeof e.logName === 'string' && e.logName.endsWith(`/logs/${encoded}`)
    }
    const path = this.fieldPath()
    this.ws()
    const op = OPS.find(o => this.s.startsWith(o, this.i))
    if (!op) this.fail(`expected a comparison after '${path.join('.')}' (global text restrictions are not supported)`)
    this.i += op.length
    this.ws()
    return compare(path, op, this.value())
  }

  private fieldPath(): string[] {
    const segs: string[] = []
    for (;;) {
      this.ws()
      if (this.s[this.i] === '"') segs.push(this.quoted())
      else {
        const m = /^[A-Za-z_@][A-Za-z0-9_@/-]*/.exec(this.s.slice(this.i))
        if (!m) this.fail(segs.length ? 'expected a field name' : `unexpected '${this.s[this.i] ?? 'end of filter'}'`)
        segs.push(m[0])
        this.i += m[0].length
      }
      if (this.s[this.i] !== '.') return segs
      this.i++
    }
  }

  private quoted(): string {
    let out = ''
    this.i++ // opening quote
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      if (this.s[this.i] === '\\') this.i++
      out += this.s[this.i++] ?? ''
    }
    if (this.s[this.i] !== '"') this.fail('unterminated string')
    this.i++
    return out
  }

  private value(): string {
    if (this.s[this.i] === '"') return this.quoted()
    const m = /^[^\s()"]+/.exec(this.s.slice(this.i))
    if (!m) this.fail('expected a value')
    this.i += m[0].length
    return m[0]
  }
}

function lookup(entry: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = entry
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[k]
  }
  return v
}

const toTime = (v: string): number => Date.parse(v.replace(/(\.\d{3})\d+/, '$1'))

function compare(path: string[], op: string, value: string): Filter {
  const field = path.join('.')
  return entry => {
    const raw = lookup(entry, path)
    if (raw === undefined || raw === null) return op === '!=' || op === '!~'
    const actual = typeof raw === 'object' ? JSON.stringify(raw) : String(raw)
    if (op === ':') return actual.toLowerCase().includes(value.toLowerCase())
    if (op === '=~' || op === '!~') {
      const hit = new RegExp(value).test(actual)
      return op === '=~' ? hit : !hit
    }
    let a: number | string = actual
    let b: number | string = value
    if (field === 'timestamp' || field === 'receiveTimestamp') {
      a = toTime(actual)
      b = toTime(value)
    } else if (field === 'severity') {
      a = severityRank(actual)
      b = severityRank(value)
    } else if (typeof raw === 'number' && !Number.isNaN(Number(value))) {
      a = raw
      b = Number(value)
    }
    switch (op) {
      case '=':
        return a === b
      case '!=':
        return a !== b
      case '>':
        return a > b
      case '<':
        return a < b
      case '>=':
        return a >= b
      default:
        return a <= b
    }
  }
}

/** Parse a Logging filter; throws Google's 400 on syntax it does not understand. */
export function parseFilter(text: string): Filter {
  return new Parser(text).parse()
}
