// Compact JWS (RFC 7515) with EdDSA over Ed25519 (RFC 8037), verified with WebCrypto. Both signed
// things the console checks (audit checkpoints, red/black lists) are such JWS. Only this one
// algorithm is accepted: the header cannot pick a weaker one, and a key of another type is refused.
import { type Bytes, fromBase64Url, fromUtf8, utf8 } from './bytes.ts';

/** An Ed25519 public key as a JWK (the fields this code reads). */
export interface Ed25519PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid?: string;
  alg?: string;
}

export interface Jwks {
  keys: Ed25519PublicJwk[];
}

export type JwsResult =
  | { ok: true; header: Record<string, unknown>; payload: Bytes; keyId: string }
  | { ok: false; reason: string };

const fail = (reason: string) => ({ ok: false as const, reason });

function parseHeader(segment: string): Record<string, unknown> | null {
  const bytes = fromBase64Url(segment);
  const text = bytes && fromUtf8(bytes);
  if (text === null || text === undefined) return null;
  try {
    const h = JSON.parse(text);
    return h && typeof h === 'object' && !Array.isArray(h) ? h : null;
  } catch {
    return null;
  }
}

/** The key's id (kid) named in a compact JWS header, or null when the JWS has none or is malformed. */
export function jwsKeyId(jws: string): string | null {
  const h = typeof jws === 'string' ? parseHeader(jws.split('.')[0] ?? '') : null;
  return h && typeof h.kid === 'string' ? h.kid : null;
}

/**
 * Verifies `jws` with the key among `keys` whose kid the header names. Refuses: a malformed JWS, an
 * alg other than EdDSA, a typ other than `typ`, any critical extension, a kid not among the keys, a
 * key that is not Ed25519, a bad signature.
 */
export async function verifyEdDsaJws(jws: string, keys: readonly Ed25519PublicJwk[], typ: string): Promise<JwsResult> {
  if (typeof jws !== 'string') return fail('the signature (JWS) is missing');
  const parts = jws.split('.');
  if (parts.length !== 3) return fail('the signature is not a compact JWS (three dot-separated parts)');
  const [h64, p64, s64] = parts as [string, string, string];
  const header = parseHeader(h64);
  if (!header) return fail('the JWS header is not base64url-encoded JSON');
  if (header.alg !== 'EdDSA') return fail(`the JWS is signed with alg "${String(header.alg)}"; only EdDSA is accepted`);
  if (header.typ !== typ) return fail(`the JWS has type "${String(header.typ)}"; expected "${typ}"`);
  if (header.crit !== undefined) return fail('the JWS has critical header extensions this verifier does not know');
  if (typeof header.kid !== 'string') return fail('the JWS header names no key (kid)');
  const kid = header.kid;
  const jwk = keys.find((k) => k && k.kid === kid);
  if (!jwk) return fail(`the JWS is signed with key "${kid}", which is not among the published keys`);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    return fail(`published key "${kid}" is not an Ed25519 public key`);
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519')
    return fail(`published key "${kid}" is for alg "${jwk.alg}", not EdDSA`);
  const payload = fromBase64Url(p64);
  if (!payload) return fail('the JWS payload is not base64url');
  const signature = fromBase64Url(s64);
  if (!signature || signature.length !== 64) return fail('the JWS signature is not 64 base64url-encoded bytes');
  let key: CryptoKey;
  try {
    // Only the public coordinates: extra members (use, key_ops, alg spelled "EdDSA") are not WebCrypto's to judge.
    key = await globalThis.crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
  } catch {
    return fail(`published key "${kid}" cannot be read as an Ed25519 public key`);
  }
  const ok = await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, signature, utf8(`${h64}.${p64}`));
  if (!ok)
    return fail(`the signature does not verify with key "${kid}": the signed content or the signature was changed`);
  return { ok: true, header, payload, keyId: kid };
}

/** Checks a JWKS document's shape (it comes over the network); returns its keys or a reason. */
export function readJwks(value: unknown): { ok: true; keys: Ed25519PublicJwk[] } | { ok: false; reason: string } {
  const keys = (value as Jwks | null)?.keys;
  if (!Array.isArray(keys)) return fail('the key set is not a JWKS ({"keys": [...]})');
  return { ok: true, keys: keys.filter((k) => k && typeof k === 'object') };
}
