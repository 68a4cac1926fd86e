/** Key pairs, JWT signing/verification and the registry of opaque access tokens the fake mints. */
import { createPublicKey, generateKeyPairSync, randomBytes, createSign, createVerify, type KeyObject } from 'node:crypto'
import type { Identity } from './policy'

export interface Signer {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
}

// RSA key generation is the slowest part of starting a fake: one pair per kid per process
const signers = new Map<string, Signer>()
export function newSigner(kid: string): Signer {
  let s = signers.get(kid)
  if (!s) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    s = { kid, privateKey, publicKey }
    signers.set(kid, s)
  }
  return s
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url')

export function signJwt(s: Signer, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', kid: s.kid, typ: 'JWT' }))
  const body = b64url(JSON.stringify(claims))
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(s.privateKey)
  return `${head}.${body}.${b64url(sig)}`
}

/** The claims if `jwt` carries a valid signature by `s`, else undefined. */
export function verifyJwt(s: Signer, jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.')
  if (parts.length !== 3) return undefined
  try {
    const ok = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(s.publicKey, Buffer.from(parts[2], 'base64url'))
    if (!ok) return undefined
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

export const decodeJwt = (jwt: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

export function jwk(s: Signer): Record<string, unknown> {
  const k = createPublicKey(s.publicKey).export({ format: 'jwk' }) as Record<string, unknown>
  return { ...k, kid: s.kid, alg: 'RS256', use: 'sig' }
}

export interface AccessToken {
  identity: Identity
  /** 'federated' tokens come from STS and are only good for impersonation */
  kind: 'access' | 'federated'
  expiresAt: number
  /** the OAuth scopes it was minted for; undefined: not restricted (gcloud's token file, tokenFor) */
  scopes?: string[]
}

/** Opaque bearer tokens, resolvable only by this fake (like Google's ya29.* tokens). */
export class TokenRegistry {
  private readonly tokens = new Map<string, AccessToken>()

  mint(identity: Identity, kind: AccessToken['kind'] = 'access', lifetimeS = 3600, scopes?: string[]): string {
    const token = `ya29.fake-${kind === 'federated' ? 'sts-' : ''}${randomBytes(24).toString('base64url')}`
    const t: AccessToken = { identity, kind, expiresAt: Date.now() + lifetimeS * 1000 }
    if (scopes) t.scopes = [...scopes]
    this.tokens.set(token, t)
    return token
  }

  resolve(token: string): AccessToken | undefined {
    const t = this.tokens.get(token)
    return t && t.expiresAt > Date.now() ? t : undefined
  }
}
