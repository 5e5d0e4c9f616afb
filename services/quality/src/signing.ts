import canonicalizeModule from 'canonicalize';
import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import { generateEd25519, keyFile, loadOrCreateKeyPair, type KeyPairJwk } from '@govshare/platform';

const canonicalizeFn = ((canonicalizeModule as any).default ?? canonicalizeModule) as (
  v: unknown,
) => string | undefined;

/** RFC 8785 (JCS) canonical JSON. */
export function canonicalJson(value: unknown): string {
  const s = canonicalizeFn(value);
  if (s === undefined) throw new Error('value cannot be canonicalised');
  return s;
}

export const PUBLICATION_KEY_ID = 'quality-publication-1';

/** The quality service's own publication-signing key: <dataDir>/keys/quality-publication.jwk.json (in memory for ':memory:'). */
export async function loadPublicationKeys(dataDir: string): Promise<KeyPairJwk> {
  if (dataDir === ':memory:') return generateEd25519(PUBLICATION_KEY_ID);
  return loadOrCreateKeyPair(keyFile(dataDir, 'quality-publication'), PUBLICATION_KEY_ID);
}

/** Compact JWS (EdDSA) whose payload is the canonical JSON bytes of `body`. */
export async function signCanonical(body: unknown, privateJwk: JWK): Promise<{ canonical: string; jws: string }> {
  const canonical = canonicalJson(body);
  const key = await importJWK(privateJwk, 'EdDSA');
  const jws = await new CompactSign(new TextEncoder().encode(canonical))
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid, typ: 'govshare-publication+jws', cty: 'json' })
    .sign(key);
  return { canonical, jws };
}

/** Verifies a publication: the JWS signature, and that its payload is the canonical JSON of `body`. */
export async function verifyPublication(body: unknown, jws: string, publicJwk: JWK): Promise<boolean> {
  try {
    const { payload } = await compactVerify(jws, await importJWK(publicJwk, 'EdDSA'));
    return new TextDecoder().decode(payload) === canonicalJson(body);
  } catch {
    return false;
  }
}
