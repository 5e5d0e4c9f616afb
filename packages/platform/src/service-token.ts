import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  SignJWT,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { AppError } from './errors.ts';

export const SERVICE_TOKEN_ISSUER = 'govshare-gateway';
const ALG = 'EdDSA';

/** Who signs a service token: the gateway (every internal call) or the quality service (catalog reads). */
export interface ServiceCaller {
  issuer: string;
  subject: string;
}
export const GATEWAY_CALLER: ServiceCaller = { issuer: SERVICE_TOKEN_ISSUER, subject: 'gateway' };
export const QUALITY_CALLER: ServiceCaller = { issuer: 'govshare-quality', subject: 'quality' };

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
export function createServiceTokenSigner(
  privateJwk: JWK,
  caller: ServiceCaller = GATEWAY_CALLER,
  ttlSeconds = 60,
): ServiceTokenSigner {
  const keyPromise = importJWK(privateJwk, ALG);
  const cache = new Map<string, { token: string; renewAt: number }>();
  return {
    async tokenFor(audience) {
      const now = Date.now();
      const hit = cache.get(audience);
      if (hit && hit.renewAt > now) return hit.token;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid })
        .setIssuer(caller.issuer)
        .setAudience(audience)
        .setSubject(caller.subject)
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

/** A key a service accepts tokens from, and the issuer those tokens must name. */
export interface TrustedCaller {
  publicJwk: JWK;
  issuer: string;
}

/**
 * Verifies service tokens for one audience, signed by one of the trusted callers: the key is chosen
 * by the token's `kid` and the token's `iss` must be that key's caller, so one caller's key can never
 * speak for another. A verified token is remembered until it expires, so the signature is checked once
 * per token, not once per call. A bare JWK means "the gateway only".
 */
export function createServiceTokenVerifier(trusted: JWK | TrustedCaller[], audience: string): ServiceTokenVerifier {
  const callers = Array.isArray(trusted) ? trusted : [{ publicJwk: trusted, issuer: SERVICE_TOKEN_ISSUER }];
  const byKid = new Map(callers.map((c) => [c.publicJwk.kid, { issuer: c.issuer, key: importJWK(c.publicJwk, ALG) }]));
  const verified = new Map<string, { payload: JWTPayload; exp: number }>();
  return async (authorization) => {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!token) throw new AppError('UNAUTHENTICATED', 'missing service token');
    const now = Math.floor(Date.now() / 1000);
    const hit = verified.get(token);
    if (hit && hit.exp > now) return hit.payload;
    try {
      const trustedCaller = byKid.get(decodeProtectedHeader(token).kid);
      if (!trustedCaller) throw new Error('unknown kid');
      const { payload } = await jwtVerify(token, await trustedCaller.key, {
        algorithms: [ALG],
        issuer: trustedCaller.issuer,
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
