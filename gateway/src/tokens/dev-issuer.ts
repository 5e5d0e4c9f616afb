import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';
import { keyFile, loadOrCreateKeyPair, type KeyPairJwk } from '@govshare/platform/keys';
import type { Role } from '@govshare/contracts';

/**
 * The development issuer: an Ed25519 key created on first start under the data dir. Real
 * deployments trust an external issuer's JWKS instead (GOVSHARE_JWKS_URL).
 */
export function loadDevIssuerKeys(dataDir: string): Promise<KeyPairJwk> {
  return loadOrCreateKeyPair(keyFile(dataDir, 'dev-issuer'), 'govshare-dev-1');
}

export interface MintOptions {
  sub: string;
  dept: string;
  roles: Role[];
  issuer: string;
  audience: string;
  ttlSeconds?: number;
  jti?: string;
}

export async function mintCallerToken(privateJwk: JWK, o: MintOptions): Promise<string> {
  const key = await importJWK(privateJwk, 'EdDSA');
  return new SignJWT({ dept: o.dept, roles: o.roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid, typ: 'JWT' })
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setSubject(o.sub)
    .setJti(o.jti ?? randomUUID())
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${o.ttlSeconds ?? 3600}s`)
    .sign(key);
}
