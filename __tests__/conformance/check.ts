/**
 * Checks recorded requests (and the stand-in's answers) against Google's descriptions of the
 * APIs (see discovery.ts): a known method for the verb and path, every query parameter allowed
 * and well typed (`updateMask` paths resolving to fields), every body field present in the
 * request message with the right JSON type and enum value; every answered field present in the
 * response message.
 */
import type { RequestRecord } from '../../fake-gcp'
import type { Shape } from './declared'
import { SYSTEM_PARAMS, type ApiDescription, type Field, type Method } from './discovery'

export interface Violation {
  /** `VERB /path?query` */
  request: string
  /** the method the request was matched to (or the candidates) */
  method: string
  what: string
  /** what the description says instead */
  description: string
}

export interface Checked {
  method?: Method
  violations: Violation[]
}

const MAX_SHOWN = 160
const shorten = (s: string): string => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s)
export const label = (r: Pick<RequestRecord, 'method' | 'path' | 'query'>): string => shorten(`${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`)
export const methodName = (m: Method): string => `${m.api}/${m.version} ${m.id}`

export type Out = { what: string; description: string }[]

/** One API's messages and enums, and the check of one JSON value against a field or message. */
class Schema {
  constructor(readonly d: ApiDescription) {}

  fieldsOf(message: string): string {
    const m = this.d.messages.get(message)
    if (!m) return `(no message ${message})`
    if (m.mapValue) return `a map of ${this.typeName(m.mapValue)}`
    return [...m.fields.values()].map(f => f.name).join(', ')
  }

  typeName(f: Field): string {
    const t = f.kind === 'message' || f.kind === 'enum' ? `${f.kind} ${f.type}` : f.kind
    return f.repeated ? `repeated ${t}` : t
  }

  message(name: string, value: unknown, at: string, out: Out): void {
    const m = this.d.messages.get(name)
    if (!m) {
      out.push({ what: `${at || 'body'}: message ${name} is not described`, description: `${this.d.api}/${this.d.version} has no message ${name}` })
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.push({ what: `${at || 'body'} is ${jsonType(value)}`, description: `${name} is a JSON object` })
      return
    }
    for (const [k, v] of Object.entries(value)) {
      const path = at ? `${at}.${k}` : k
      if (m.mapValue) {
        this.field(m.mapValue, v, path, out, name)
        continue
      }
      const f = m.fields.get(k)
      if (!f) {
        out.push({ what: `unknown field ${path}`, description: `${name} has: ${this.fieldsOf(name)}` })
        continue
      }
      this.field(f, v, path, out, name)
    }
  }

  field(f: Field, v: unknown, at: string, out: Out, owner: string): void {
    // proto3 JSON: null is accepted for every field and means the default
    if (v === null) return
    if (f.repeated) {
      if (!Array.isArray(v)) {
        out.push({ what: `${at} is ${jsonType(v)}`, description: `${owner}.${f.name} is ${this.typeName(f)} (a JSON array)` })
        return
      }
      v.forEach((x, i) => this.single(f, x, `${at}[${i}]`, out, owner))
      return
    }
    this.single(f, v, at, out, owner)
  }

  single(f: Field, v: unknown, at: string, out: Out, owner: string): void {
    const bad = (expected: string): void => {
      out.push({
        what: `${at} is ${jsonType(v)} ${shorten(JSON.stringify(v) ?? '')}`,
        description: `${owner}.${f.name} is ${f.kind}${f.type ? ` ${f.type}` : ''}: ${expected}`
      })
    }
    switch (f.kind) {
      case 'json':
        return
      case 'string':
        if (typeof v !== 'string') bad('a JSON string')
        return
      case 'bytes':
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) bad('a base64 JSON string')
        return
      case 'bool':
        if (typeof v !== 'boolean') bad('true or false')
        return
      case 'int32':
      case 'int64':
        if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v)))
          bad('an integer (a JSON number, or a decimal string)')
        return
      case 'double':
      case 'float':
        if (typeof v !== 'number' && !(typeof v === 'string' && /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(v))) bad('a JSON number')
        return
      case 'enum': {
        const e = this.d.enums.get(f.type!)
        const ok = typeof v === 'string' ? e?.values.has(v) : typeof v === 'number' && [...(e?.values.values() ?? [])].includes(v)
        if (!ok)
          out.push({
            what: `${at} = ${JSON.stringify(v)} is not a value of ${f.type}`,
            description: `${owner}.${f.name} takes ${[...(e?.values.keys() ?? [])].join(', ')}`
          })
        return
      }
      case 'message':
        this.message(f.type!, v, at, out)
        return
    }
  }

  /** A query parameter's string value against its field's type. */
  queryValue(f: Field, v: string, at: string, out: Out, owner: string): void {
    const bad = (expected: string): void => void out.push({ what: `query ${at}=${shorten(v)}`, description: `${owner}.${f.name} is ${f.kind}: ${expected}` })
    switch (f.kind) {
      case 'int32':
      case 'int64':
        if (!/^-?\d+$/.test(v)) bad('an integer')
        return
      case 'bool':
        if (v !== 'true' && v !== 'false') bad('true or false')
        return
      case 'double':
      case 'float':
        if (!Number.isFinite(Number(v))) bad('a number')
        return
      case 'enum': {
        const e = this.d.enums.get(f.type!)
        if (!e?.values.has(v))
          out.push({
            what: `query ${at}=${v} is not a value of ${f.type}`,
            description: `${owner}.${f.name} takes ${[...(e?.values.keys() ?? [])].join(', ')}`
          })
        return
      }
      case 'message':
        out.push({ what: `query ${at} is a message`, description: `${owner}.${f.name} is ${f.type}: not a query parameter` })
        return
      default:
        return
    }
  }

  /** A FieldMask path (`httpTarget.oidcToken.audience`) against a message: undefined when every segment is a field. */
  maskPath(message: string, path: string): string | undefined {
    let cur = message
    const segs = path.split('.')
    for (let i = 0; i < segs.length; i++) {
      const m = this.d.messages.get(cur)
      if (!m) return `${cur} is not described`
      if (m.mapValue) {
        // a map key, then (for message values) that message's fields
        if (i === segs.length - 1 || m.mapValue.kind !== 'message')
          return i === segs.length - 1 ? undefined : `${segs.slice(i + 1).join('.')} goes below a map value of ${m.mapValue.kind}`
        cur = m.mapValue.type!
        continue
      }
      const f = m.fields.get(segs[i])
      if (!f) return `${segs[i]} is not a field of ${cur} (has: ${this.fieldsOf(cur)})`
      if (i < segs.length - 1) {
        if (f.kind !== 'message' || f.repeated) return `${segs.slice(0, i + 1).join('.')} is ${this.typeName(f)}: a mask cannot go below it`
        cur = f.type!
      }
    }
    return undefined
  }
}

function jsonType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return `a ${typeof v}`
}

export class Conformance {
  private readonly schemas = new Map<ApiDescription, Schema>()
  constructor(readonly apis: ApiDescription[]) {
    for (const d of apis) this.schemas.set(d, new Schema(d))
  }

  schema(m: Method): Schema {
    return this.schemas.get(this.apis.find(d => d.api === m.api && d.version === m.version)!)!
  }

  /** Every described method whose verb and path template match. */
  candidates(verb: string, path: string): Method[] {
    const p = path.replace(/^\//, '')
    return this.apis.flatMap(d => d.methods.filter(m => m.httpMethod === verb && m.pattern.test(p)))
  }

  /**
   * A request against the methods its verb and path can be. Several APIs share the stand-in's
   * address, so a path may match more than one method: the request conforms when one of them
   * accepts it whole (that one is credited); otherwise the violations against each are listed.
   */
  checkRequest(r: RequestRecord): Checked {
    const request = label(r)
    const cands = this.candidates(r.method, r.path)
    if (!cands.length) {
      const sameVerb = this.apis.flatMap(d =>
        d.methods.filter(m => m.pattern.test(r.path.replace(/^\//, ''))).map(m => `${m.httpMethod} ${m.template} (${methodName(m)})`)
      )
      return {
        violations: [
          {
            request,
            method: '(none)',
            what: 'no described method has this verb and path',
            description: sameVerb.length ? `the path matches only: ${sameVerb.join('; ')}` : 'no method of the loaded APIs has a path template matching it'
          }
        ]
      }
    }
    const per = cands.map(m => ({ m, out: this.requestAgainst(r, m) }))
    const ok = per.find(x => !x.out.length)
    if (ok) return { method: ok.m, violations: [] }
    return { violations: per.flatMap(({ m, out }) => out.map(o => ({ request, method: methodName(m), ...o }))) }
  }

  private requestAgainst(r: RequestRecord, m: Method): Out {
    const s = this.schema(m)
    const out: Out = []
    const req = s.d.messages.get(m.requestType)!
    const std = s.d.messages.get('StandardQueryParameters')
    const q = new URLSearchParams(r.query)
    const seen = new Map<string, number>()
    for (const [k, v] of q) {
      seen.set(k, (seen.get(k) ?? 0) + 1)
      const f = m.queryParams.get(k) ?? std?.fields.get(k)
      if (f) {
        if (!f.repeated && seen.get(k)! > 1)
          out.push({ what: `query ${k} given ${seen.get(k)} times`, description: `${m.requestType}.${f.name} is not repeated` })
        s.queryValue(f, v, k, out, m.queryParams.has(k) ? m.requestType : 'StandardQueryParameters')
        if (k === 'updateMask' && m.queryParams.has(k)) this.mask(s, m, v, out)
        continue
      }
      if (SYSTEM_PARAMS.includes(k)) continue
      const pathField = [...req.fields.values()].find(x => x.name === k && m.pathParams.includes(x.pyName))
      out.push({
        what: `query parameter ${k}${pathField ? ' (a path parameter)' : ''} is not allowed`,
        description: `${m.id} takes the query parameters: ${[...m.queryParams.keys()].join(', ') || '(none)'} and the system parameters`
      })
    }
    const body = r.body
    const empty = body === undefined || (typeof body === 'object' && body !== null && !Object.keys(body).length)
    if (!m.bodyType) {
      if (!empty) out.push({ what: `a body ${shorten(JSON.stringify(body))}`, description: `${m.id} takes no request body` })
    } else if (body !== undefined) {
      if (typeof body === 'string') out.push({ what: `a body that is not JSON: ${shorten(body)}`, description: `${m.id} takes a ${m.bodyType} (JSON)` })
      else {
        s.message(m.bodyType, body, '', out)
        const b = body as Record<string, unknown>
        const msg = s.d.messages.get(m.bodyType)
        // a FieldMask inside the body (SetIamPolicyRequest.updateMask) names fields of the message beside it
        if (typeof b.updateMask === 'string' && msg?.fields.get('updateMask')?.kind === 'string') {
          const target = [...msg.fields.values()].find(f => f.kind === 'message' && f.name in b)
          if (target) this.mask(s, { ...m, bodyType: target.type }, b.updateMask, out, 'body updateMask')
        }
      }
    }
    return out
  }

  private mask(s: Schema, m: Method, value: string, out: Out, where = 'updateMask'): void {
    if (!m.bodyType) {
      out.push({ what: `${where}=${value} on a method without a body`, description: `${m.id} takes no request body to mask` })
      return
    }
    if (value === '*' || value === '') return
    for (const p of value.split(',')) {
      const why = s.maskPath(m.bodyType, p.trim())
      if (why) out.push({ what: `${where} path ${p}`, description: why })
    }
  }

  /** The stand-in's answer to a request matched to `m`: every field must be one the response message has. */
  checkResponse(r: RequestRecord, m: Method): Violation[] {
    if (r.status < 200 || r.status >= 300 || r.response === undefined) return []
    const s = this.schema(m)
    const out: Out = []
    if (typeof r.response === 'string')
      out.push({ what: `a non-JSON answer: ${shorten(r.response)}`, description: `${m.id} answers a ${m.responseType} (JSON)` })
    else s.message(m.responseType, r.response, '', out)
    return out.map(o => ({ request: label(r), method: `${methodName(m)} → ${m.responseType}`, ...o, what: `response: ${o.what}` }))
  }

  /** A form-encoded body (STS) against a message: every key a field (its JSON or proto name), every value a string-typed field. */
  checkForm(r: RequestRecord, m: Method): Violation[] {
    const s = this.schema(m)
    const msg = s.d.messages.get(m.bodyType ?? m.requestType)
    const out: Violation[] = []
    if (!msg) return [{ request: label(r), method: methodName(m), what: 'no body message', description: `${m.requestType} is not described` }]
    const body = (r.body ?? {}) as Record<string, unknown>
    for (const [k, v] of Object.entries(body)) {
      const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
      const f = msg.fields.get(k) ?? msg.fields.get(camel)
      if (!f) out.push({ request: label(r), method: methodName(m), what: `form field ${k}`, description: `${msg.name} has: ${s.fieldsOf(msg.name)}` })
      else if (typeof v !== 'string')
        out.push({ request: label(r), method: methodName(m), what: `form field ${k} is not a string`, description: `${msg.name}.${f.name}` })
      else {
        const o: Out = []
        s.queryValue(f, v, k, o, msg.name)
        out.push(...o.map(x => ({ request: label(r), method: methodName(m), ...x })))
      }
    }
    return out
  }
}

/** What the action declares it reads (declared.ts), against a response message. */
export function declaredAgainst(d: ApiDescription, shape: Shape, message: string, at: string, unchecked: string[]): Out {
  const out: Out = []
  const walkMessage = (s: Shape, msgName: string, path: string): void => {
    const msg = d.messages.get(msgName)
    if (!msg) {
      out.push({ what: `${path}: message ${msgName} is not described`, description: `${d.api}/${d.version}` })
      return
    }
    if (s.kind === 'map' || (s.kind === 'object' && msg.mapValue)) {
      if (!msg.mapValue) {
        out.push({ what: `${path} is declared a map`, description: `${msgName} is a message with fields: ${[...msg.fields.keys()].join(', ')}` })
        return
      }
      if (s.kind === 'map') walkField(s.of, msg.mapValue, `${path}[key]`, msgName)
      const props = s.props
      if (props?.size) walkNamedInMap(props, msg.mapValue, path, msgName)
      return
    }
    if (s.kind !== 'object') {
      out.push({ what: `${path} is declared ${s.kind}`, description: `it is message ${msgName}` })
      return
    }
    for (const [k, v] of s.props) {
      const f = msg.fields.get(k)
      if (!f) {
        out.push({ what: `${path}.${k} is not in ${msgName}`, description: `${msgName} has: ${[...msg.fields.keys()].join(', ')}` })
        continue
      }
      walkField(v, f, `${path}.${k}`, msgName)
    }
  }
  // named properties of a JSON map (LogEntry.jsonPayload & {...}): a Struct the description does not shape
  const walkNamedInMap = (props: Map<string, Shape>, value: Field, path: string, owner: string): void => {
    if (value.kind === 'json')
      unchecked.push(
        `${at}${path.slice(at.length)} {${[...props.keys()].join(', ')}}: ${owner} is a JSON map (google.protobuf.Struct); its keys are not described`
      )
    else for (const [k, v] of props) walkField(v, value, `${path}.${k}`, owner)
  }
  const walkField = (s: Shape, f: Field, path: string, owner: string): void => {
    if (s.kind === 'unknown' || f.kind === 'json') return
    if (s.kind === 'array') {
      if (!f.repeated) out.push({ what: `${path} is declared an array`, description: `${owner}.${f.name} is not repeated (${f.kind})` })
      else walkSingle(s.of, f, `${path}[]`, owner)
      return
    }
    if (f.repeated) {
      out.push({ what: `${path} is declared ${s.kind}`, description: `${owner}.${f.name} is repeated (a JSON array)` })
      return
    }
    walkSingle(s, f, path, owner)
  }
  const walkSingle = (s: Shape, f: Field, path: string, owner: string): void => {
    if (s.kind === 'unknown') return
    const wrong = (json: string): void =>
      void out.push({
        what: `${path} is declared ${s.kind === 'literals' ? s.values.join(' | ') : s.kind}`,
        description: `${owner}.${f.name} is ${f.kind}${f.type ? ` ${f.type}` : ''}: ${json}`
      })
    switch (f.kind) {
      case 'message':
        walkMessage(s, f.type!, path)
        return
      case 'enum': {
        if (s.kind === 'string') return
        if (s.kind !== 'literals') return wrong('a JSON string')
        const e = d.enums.get(f.type!)!
        const missing = s.values.filter(v => typeof v !== 'string' || !e.values.has(v))
        if (missing.length) out.push({ what: `${path} declares ${missing.join(', ')}`, description: `${f.type} has: ${[...e.values.keys()].join(', ')}` })
        return
      }
      case 'string':
      case 'bytes':
        if (s.kind !== 'string' && !(s.kind === 'literals' && s.values.every(v => typeof v === 'string'))) wrong('a JSON string')
        return
      case 'int64':
        // proto3 JSON writes 64-bit integers as strings
        if (s.kind !== 'string') wrong('a JSON string (64-bit integers are strings in JSON)')
        return
      case 'int32':
      case 'double':
      case 'float':
        if (s.kind !== 'number' && !(s.kind === 'literals' && s.values.every(v => typeof v === 'number'))) wrong('a JSON number')
        return
      case 'bool':
        if (s.kind !== 'boolean') wrong('true or false')
        return
    }
  }
  walkMessage(shape, message, at)
  return out
}
