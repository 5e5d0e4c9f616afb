import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { AppError } from './errors.ts';

export const SERVICE_TOKEN_ISSUER = 'govshare-gateway';
const ALG = 'EdDSA';

export interface KeyPairJwk {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function generateEd25519(kid: string): Promise<KeyPairJwk> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  return { privateJwk, publicJwk };
}

/** Loads an Ed25519 key pair from `file`, creating it (mode 0600) on first use. */
export async function loadOrCreateKeyPair(file: string, kid: string): Promise<KeyPairJwk> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as KeyPairJwk;
  const pair = await generateEd25519(kid);
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, JSON.stringify(pair), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(readFileSync(file, 'utf8')) as KeyPairJwk;
    throw err;
  }
  return pair;
}

export interface ServiceTokenSigner {
  tokenFor(audience: string): Promise<string>;
}

/** Signs short-lived tokens (audience = the called service), reusing one until it is half-spent. */
export function createServiceTokenSigner(privateJwk: JWK, ttlSeconds = 60): ServiceTokenSigner {
  const keyPromise = importJWK(privateJwk, ALG);
  const cache = new Map<string, { token: string; renewAt: number }>();
  return {
    async tokenFor(audience) {
      const now = Date.now();
      const hit = cache.get(audience);
      if (hit && hit.renewAt > now) return hit.token;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid })
        .setIssuer(SERVICE_TOKEN_ISSUER)
        .setAudience(audience)
        .setSubject('gateway')
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(await keyPromise);
      cache.set(audience, { token, renewAt: now + (ttlSeconds * 1000) / 2 });
      return token;
    },
  };
}

export type ServiceTokenVerifier = (authorization: string | undefined) => Promise<JWTPayload>;

/**
 * Verifies the gateway's service tokens for one audience. A verified token is remembered until it
 * expires, so the signature is checked once per token, not once per call.
 */
export function createServiceTokenVerifier(publicJwk: JWK, audience: string): ServiceTokenVerifier {
  const keyPromise = importJWK(publicJwk, ALG);
  const verified = new Map<string, { payload: JWTPayload; exp: number }>();
  return async (authorization) => {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!token) throw new AppError('UNAUTHENTICATED', 'missing service token');
    const now = Math.floor(Date.now() / 1000);
    const hit = verified.get(token);
    if (hit && hit.exp > now) return hit.payload;
    try {
      const { payload } = await jwtVerify(token, await keyPromise, {
        algorithms: [ALG],
        issuer: SERVICE_TOKEN_ISSUER,
        audience,
        requiredClaims: ['exp', 'iat', 'jti'],
        maxTokenAge: '10m',
      });
      if (verified.size > 1000) verified.clear();
      verified.set(token, { payload, exp: payload.exp! });
      return payload;
    } catch {
      throw new AppError('UNAUTHENTICATED', 'invalid service token');
    }
  };
}
