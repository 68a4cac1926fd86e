/**
 * Google's own description of an API, read from the clients gcloud generates from the Discovery
 * documents (`lib/googlecloudsdk/generated_clients/apis/<api>/<version>/`): each method's verb,
 * path template, query parameters and request/response messages (`<api>_<version>_client.py`),
 * and each message's fields with their types and enum values (`<api>_<version>_messages.py`).
 *
 * A small reader of apitools' generated Python, not a Python parser: it relies on the shape
 * apitools writes (one field per line, `method_config = lambda: base_api.ApiMethodInfo(...)`).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** How a field is written in JSON (proto3 JSON mapping, as Google's REST front end reads it). */
export type Kind = 'string' | 'bytes' | 'int64' | 'int32' | 'bool' | 'double' | 'float' | 'enum' | 'message' | 'json'

export interface Field {
  /** the JSON name (after apitools' custom mappings, e.g. `options.requestedPolicyVersion`, `$.xgafv`) */
  name: string
  /** the Python attribute */
  pyName: string
  kind: Kind
  repeated: boolean
  /** the qualified message or enum name, for kind message / enum */
  type?: string
}

export interface Message {
  /** qualified name: nested classes are `Outer.Inner` */
  name: string
  /** by JSON name */
  fields: Map<string, Field>
  /** a JSON object map (`@encoding.MapUnrecognizedFields('additionalProperties')`): the values' field */
  mapValue?: Field
}

export interface EnumType {
  name: string
  /** JSON value → number */
  values: Map<string, number>
}

export interface Method {
  api: string
  version: string
  /** e.g. cloudscheduler.projects.locations.jobs.patch */
  id: string
  httpMethod: string
  /** the template the regex was built from (flat_path when the description has one) */
  template: string
  relativePath: string
  flatPath?: string
  pattern: RegExp
  pathParams: string[]
  /** by JSON name; each is a field of the request type */
  queryParams: Map<string, Field>
  /** '' (no body), '<request>' (the whole request message), or the request message's field that is the body */
  requestField: string
  requestType: string
  responseType: string
  /** the message the body must be, if the method takes one */
  bodyType?: string
}

export interface ApiDescription {
  api: string
  version: string
  file: string
  methods: Method[]
  messages: Map<string, Message>
  enums: Map<string, EnumType>
}

/** The system parameters every Google API accepts in the query (besides StandardQueryParameters' own). */
export const SYSTEM_PARAMS = [
  'alt',
  '$alt',
  'fields',
  'key',
  'prettyPrint',
  'quotaUser',
  'upload_protocol',
  'uploadType',
  'callback',
  'access_token',
  '$.xgafv'
]

let sdkRoot: string | undefined
/** gcloud's SDK root (`gcloud info --format='value(installation.sdk_root)'`), or GCLOUD_SDK_ROOT. */
export function gcloudSdkRoot(): string {
  if (sdkRoot) return sdkRoot
  const fromEnv = process.env.GCLOUD_SDK_ROOT
  sdkRoot = fromEnv
    ? fromEnv
    : execFileSync(process.env.GCLOUD_BIN ?? 'gcloud', ['info', '--format=value(installation.sdk_root)'], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true' }
      }).trim()
  return sdkRoot
}

export const generatedDir = (api: string, version: string, root = gcloudSdkRoot()): string =>
  join(root, 'lib', 'googlecloudsdk', 'generated_clients', 'apis', api, version)

/** Whether gcloud ships a generated client for api/version. */
export const ships = (api: string, version: string, root?: string): boolean => existsSync(join(generatedDir(api, version, root), `${api}_${version}_client.py`))

export function loadApi(api: string, version: string, root?: string): ApiDescription {
  const dir = generatedDir(api, version, root)
  const clientFile = join(dir, `${api}_${version}_client.py`)
  const messagesFile = join(dir, `${api}_${version}_messages.py`)
  if (!existsSync(clientFile)) throw new Error(`gcloud ships no generated client for ${api} ${version} (looked for ${clientFile})`)
  const { messages, enums } = parseMessages(readFileSync(messagesFile, 'utf8'))
  const methods = parseClient(readFileSync(clientFile, 'utf8'), api, version, messages)
  return { api, version, file: clientFile, methods, messages, enums }
}

// ---------------------------------------------------------------------------------------------
// messages

const FIELD_KINDS: Record<string, Kind> = {
  StringField: 'string',
  BytesField: 'bytes',
  IntegerField: 'int64',
  BooleanField: 'bool',
  FloatField: 'double',
  EnumField: 'enum',
  MessageField: 'message'
}

/** Lines of Python code with docstrings removed (apitools writes them as r"""…""" blocks). */
function codeLines(text: string): string[] {
  const out: string[] = []
  let inDoc = false
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (inDoc) {
      if (t.includes('"""')) inDoc = false
      continue
    }
    const m = /^r?"""/.exec(t)
    if (m) {
      const rest = t.slice(m[0].length)
      if (!rest.includes('"""')) inDoc = true
      continue
    }
    out.push(line)
  }
  return out
}

const indentOf = (line: string): number => line.length - line.trimStart().length

function splitArgs(args: string): string[] {
  const out: string[] = []
  let depth = 0
  let quote = ''
  let cur = ''
  for (const ch of args) {
    if (quote) {
      cur += ch
      if (ch === quote) quote = ''
      continue
    }
    if (ch === "'" || ch === '"') quote = ch
    else if ('([{'.includes(ch)) depth++
    else if (')]}'.includes(ch)) depth--
    if (ch === ',' && depth === 0) {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) out.push(cur.trim())
  return out
}

const unquote = (s: string): string => s.replace(/^'(.*)'$/s, '$1').replace(/^"(.*)"$/s, '$1')

interface RawField extends Field {
  /** the class the field was declared in, for resolving nested type names */
  scope: string
  rawType?: string
}

export function parseMessages(text: string): { messages: Map<string, Message>; enums: Map<string, EnumType> } {
  const messages = new Map<string, Message>()
  const enums = new Map<string, EnumType>()
  const raw: RawField[] = []
  const mapClasses = new Set<string>()
  const stack: { indent: number; name: string; kind: 'Message' | 'Enum' }[] = []
  let mapNext = false
  const lines = codeLines(text)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]
    if (!line.trim() || line.trim().startsWith('#')) continue
    const indent = indentOf(line)
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop()
    // a statement spanning lines: join until the parentheses balance
    while ((line.match(/\(/g)?.length ?? 0) > (line.match(/\)/g)?.length ?? 0) && i + 1 < lines.length) line += ' ' + lines[++i].trim()
    const t = line.trim()
    if (/^@encoding\.MapUnrecognizedFields\('additionalProperties'\)/.test(t)) {
      mapNext = true
      continue
    }
    const cls = /^class (\w+)\(_messages\.(Message|Enum)\):/.exec(t)
    if (cls) {
      const outer = stack[stack.length - 1]
      const name = outer ? `${outer.name}.${cls[1]}` : cls[1]
      stack.push({ indent, name, kind: cls[2] as 'Message' | 'Enum' })
      if (cls[2] === 'Enum') enums.set(name, { name, values: new Map() })
      else messages.set(name, { name, fields: new Map() })
      if (mapNext) mapClasses.add(name)
      mapNext = false
      continue
    }
    mapNext = false
    const top = stack[stack.length - 1]
    if (!top) continue
    if (top.kind === 'Enum') {
      const v = /^(\w+) = (-?\d+)$/.exec(t)
      if (v) enums.get(top.name)!.values.set(v[1], Number(v[2]))
      continue
    }
    const f = /^(\w+) = _messages\.(\w+)\((.*)\)$/.exec(t)
    if (!f) continue
    const kind = FIELD_KINDS[f[2]]
    if (!kind) throw new Error(`discovery: unknown field type ${f[2]} in ${top.name}.${f[1]}`)
    const args = splitArgs(f[3])
    const kw = Object.fromEntries(args.filter(a => /^\w+=/.test(a)).map(a => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]))
    const field: RawField = { name: f[1], pyName: f[1], kind, repeated: kw.repeated === 'True', scope: top.name }
    if (kind === 'message' || kind === 'enum') field.rawType = unquote(args[0])
    if (kind === 'int64' && /INT32/.test(kw.variant ?? '')) field.kind = 'int32'
    if (kind === 'double' && /FLOAT/.test(kw.variant ?? '')) field.kind = 'float'
    if (field.rawType && /^extra_types\.Json(Value|Object|Array)$/.test(field.rawType)) {
      field.kind = 'json'
      delete field.rawType
    }
    raw.push(field)
    messages.get(top.name)!.fields.set(field.name, field)
  }

  // apitools' renames: AddCustomJsonFieldMapping(Cls, 'py', 'json'), AddCustomJsonEnumMapping(Cls.Enum, 'py', 'json')
  const code = lines.join('\n')
  for (const m of code.matchAll(/encoding\.AddCustomJsonFieldMapping\(\s*([\w.]+),\s*'([^']+)',\s*'([^']+)'\)/g)) {
    const msg = messages.get(m[1])
    const field = msg?.fields.get(m[2])
    if (!msg || !field) continue
    msg.fields.delete(m[2])
    field.name = m[3]
    msg.fields.set(m[3], field)
  }
  for (const m of code.matchAll(/encoding\.AddCustomJsonEnumMapping\(\s*([\w.]+),\s*'([^']+)',\s*'([^']+)'\)/g)) {
    const e = enums.get(m[1])
    const n = e?.values.get(m[2])
    if (!e || n === undefined) continue
    e.values.delete(m[2])
    e.values.set(m[3], n)
  }

  // resolve type names: innermost enclosing scope first, as Python (and apitools) do
  for (const f of raw) {
    if (!f.rawType) continue
    const table: Map<string, unknown> = f.kind === 'enum' ? enums : messages
    const parts = f.scope.split('.')
    let found: string | undefined
    for (let n = parts.length; n >= 0 && !found; n--) {
      const q = [...parts.slice(0, n), f.rawType].join('.')
      if (table.has(q)) found = q
    }
    if (!found) throw new Error(`discovery: cannot resolve ${f.kind} type ${f.rawType} of ${f.scope}.${f.pyName}`)
    f.type = found
    delete f.rawType
  }
  for (const f of raw) delete (f as Partial<RawField>).scope
  for (const name of mapClasses) {
    const m = messages.get(name)!
    const ap = m.fields.get('additionalProperties')
    const entry = ap?.type ? messages.get(ap.type) : undefined
    const value = entry?.fields.get('value')
    if (value) m.mapValue = value
  }
  return { messages, enums }
}

// ---------------------------------------------------------------------------------------------
// client (methods)

/** A path template as a regex: `{x}` one segment (no `/`, no `:verb`), `{+x}` any number of segments. */
export function templateRegex(template: string): RegExp {
  let src = ''
  let last = 0
  for (const m of template.matchAll(/\{(\+?)([\w.]+)\}/g)) {
    src += escapeRe(template.slice(last, m.index))
    src += m[1] ? '[^:]+' : '[^/:]+'
    last = m.index! + m[0].length
  }
  src += escapeRe(template.slice(last))
  return new RegExp(`^${src}$`)
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function parseValue(v: string): string | string[] | boolean | undefined {
  v = v.trim()
  if (v === 'True') return true
  if (v === 'False') return false
  if (v === 'None') return undefined
  if (v.startsWith('[')) {
    const inner = v.slice(1, -1).trim()
    return inner ? splitArgs(inner).map(unquote) : []
  }
  return unquote(v)
}

export function parseClient(text: string, api: string, version: string, messages: Map<string, Message>): Method[] {
  const methods: Method[] = []
  for (const m of text.matchAll(/(\w+)\.method_config = lambda: base_api\.ApiMethodInfo\(([\s\S]*?)\n\s*\)\n/g)) {
    const cfg: Record<string, string | string[] | boolean | undefined> = {}
    for (const arg of splitArgs(m[2].replace(/\n\s*/g, ' '))) {
      const eq = arg.indexOf('=')
      if (eq > 0) cfg[arg.slice(0, eq).trim()] = parseValue(arg.slice(eq + 1))
    }
    const requestType = String(cfg.request_type_name)
    const requestMsg = messages.get(requestType)
    if (!requestMsg) throw new Error(`discovery: ${String(cfg.method_id)}: no request message ${requestType}`)
    const queryParams = new Map<string, Field>()
    for (const q of (cfg.query_params as string[]) ?? []) {
      const f = [...requestMsg.fields.values()].find(x => x.pyName === q)
      if (!f) throw new Error(`discovery: ${String(cfg.method_id)}: query parameter ${q} is not a field of ${requestType}`)
      queryParams.set(f.name, f)
    }
    const requestField = String(cfg.request_field ?? '')
    let bodyType: string | undefined
    if (requestField === '<request>') bodyType = requestType
    else if (requestField) {
      const f = [...requestMsg.fields.values()].find(x => x.pyName === requestField)
      if (!f?.type) throw new Error(`discovery: ${String(cfg.method_id)}: request field ${requestField} is not a message field of ${requestType}`)
      bodyType = f.type
    }
    const flatPath = cfg.flat_path as string | undefined
    const relativePath = String(cfg.relative_path)
    const template = flatPath ?? relativePath
    methods.push({
      api,
      version,
      id: String(cfg.method_id),
      httpMethod: String(cfg.http_method),
      template,
      relativePath,
      flatPath,
      pattern: templateRegex(template),
      pathParams: (cfg.path_params as string[]) ?? [],
      queryParams,
      requestField,
      requestType,
      responseType: String(cfg.response_type_name),
      bodyType
    })
  }
  if (!methods.length) throw new Error(`discovery: no methods found for ${api} ${version}`)
  return methods
}
