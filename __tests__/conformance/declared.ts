/**
 * The shapes the action declares for what it reads (src/google/types.ts), read syntactically
 * with the TypeScript compiler, so they can be checked against the response messages of the
 * methods that return them.
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'

export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'unknown' }
  | { kind: 'literals'; values: (string | number)[] }
  | { kind: 'object'; props: Map<string, Shape> }
  | { kind: 'array'; of: Shape }
  | { kind: 'map'; of: Shape; props?: Map<string, Shape> }

/** Every interface of the file, its references to the file's other interfaces resolved. */
export function readDeclared(file: string): Map<string, Shape> {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const decls = new Map<string, ts.InterfaceDeclaration>()
  src.forEachChild(n => {
    if (ts.isInterfaceDeclaration(n)) decls.set(n.name.text, n)
  })
  const done = new Map<string, Shape>()
  const members = (ms: ts.NodeArray<ts.TypeElement>): Map<string, Shape> => {
    const props = new Map<string, Shape>()
    for (const m of ms) {
      if (!ts.isPropertySignature(m) || !m.type) continue
      const name = ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(src)
      props.set(name, shape(m.type))
    }
    return props
  }
  const iface = (name: string): Shape => {
    const hit = done.get(name)
    if (hit) return hit
    const d = decls.get(name)!
    const s: Shape = { kind: 'object', props: new Map() }
    done.set(name, s)
    for (const [k, v] of members(d.members)) s.props.set(k, v)
    return s
  }
  const shape = (t: ts.TypeNode): Shape => {
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: 'string' }
      case ts.SyntaxKind.NumberKeyword:
        return { kind: 'number' }
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: 'boolean' }
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.AnyKeyword:
        return { kind: 'unknown' }
    }
    if (ts.isArrayTypeNode(t)) return { kind: 'array', of: shape(t.elementType) }
    if (ts.isTypeLiteralNode(t)) return { kind: 'object', props: members(t.members) }
    if (ts.isLiteralTypeNode(t)) {
      const l = t.literal
      return { kind: 'literals', values: [ts.isNumericLiteral(l) ? Number(l.text) : (l as ts.StringLiteral).text] }
    }
    if (ts.isUnionTypeNode(t)) {
      const parts = t.types.map(shape)
      if (parts.every(p => p.kind === 'literals')) return { kind: 'literals', values: parts.flatMap(p => (p.kind === 'literals' ? p.values : [])) }
      return parts[0]
    }
    if (ts.isIntersectionTypeNode(t)) {
      const parts = t.types.map(shape)
      const map = parts.find(p => p.kind === 'map')
      const props = new Map<string, Shape>()
      for (const p of parts) if (p.kind === 'object') for (const [k, v] of p.props) props.set(k, v)
      return map && map.kind === 'map' ? { kind: 'map', of: map.of, props } : { kind: 'object', props }
    }
    if (ts.isTypeReferenceNode(t)) {
      const n = t.typeName.getText(src)
      if (n === 'Record' && t.typeArguments?.length === 2) return { kind: 'map', of: shape(t.typeArguments[1]) }
      if (decls.has(n)) return iface(n)
    }
    throw new Error(`declared: cannot read the type ${t.getText(src)} in ${file}`)
  }
  for (const name of decls.keys()) iface(name)
  return done
}
