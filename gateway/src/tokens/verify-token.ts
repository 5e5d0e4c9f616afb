import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWK, type JWTVerifyGetKey } from 'jose';
import { AppError } from '@govshare/platform';
import type { Role } from '@govshare/contracts';
import type { Caller } from '../caller.ts';

// Asymmetric algorithms only: HS* (shared secrets) and "none" can never verify.
export const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256'];
const ROLES: Role[] = ['consumer', 'steward', 'auditor', 'admin'];
const DEPT = /^[A-Z][A-Z0-9_]{1,15}$/;

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Local keys (dev issuer) or the URL of an external issuer's JWKS. */
  jwks: { keys: JWK[] } | { url: string };
  isRevoked: (jti: string) => boolean;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Caller>;

/**
 * Verifies a caller's bearer token: signature by a key from the JWKS (kid lookup), pinned
 * algorithms, iss, aud, exp and nbf, the govshare claims (sub, dept, roles, jti) and revocation.
 * Every failure is UNAUTHENTICATED with a message saying which check failed.
 */
export function createTokenVerifier(o: TokenVerifierOptions): TokenVerifier {
  const keys: JWTVerifyGetKey = 'url' in o.jwks ? createRemoteJWKSet(new URL(o.jwks.url)) : createLocalJWKSet(o.jwks);
  // A token whose signature and claims checked out is remembered until it expires, so a client
  // reusing its token costs one signature check, not one per request. Revocation and expiry are
  // still checked on every use.
  const verified = new Map<string, { caller: Caller; exp: number }>();
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization ?? '');
    if (!match) throw new AppError('UNAUTHENTICATED', 'missing bearer token (Authorization: Bearer <jwt>)');
    const hit = verified.get(match[1]);
    if (hit) {
      if (hit.exp * 1000 <= Date.now()) {
        verified.delete(match[1]);
        throw new AppError('UNAUTHENTICATED', 'invalid token: token expired (exp)');
      }
      if (o.isRevoked(hit.caller.jti)) throw new AppError('UNAUTHENTICATED', 'token has been revoked');
      return hit.caller;
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        algorithms: ACCEPTED_ALGORITHMS,
        issuer: o.issuer,
        audience: o.audience,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        clockTolerance: 5,
      }));
    } catch (err) {
      throw new AppError('UNAUTHENTICATED', `invalid token: ${describeJoseError(err)}`);
    }
    const { sub, jti, dept, roles } = payload as Record<string, unknown>;
    if (typeof dept !== 'string' || !DEPT.test(dept)) throw new AppError('UNAUTHENTICATED', 'invalid token: claim "dept" must be a department code');
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
      throw new AppError('UNAUTHENTICATED', `invalid token: claim "roles" must be a non-empty list of ${ROLES.join(', ')}`);
    }
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new AppError('UNAUTHENTICATED', 'invalid token: claim "sub" must be a non-empty string');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 200) throw new AppError('UNAUTHENTICATED', 'invalid token: claim "jti" must be a non-empty string');
    if (o.isRevoked(jti)) throw new AppError('UNAUTHENTICATED', 'token has been revoked');
    const caller: Caller = { sub, dept, roles: [...new Set(roles as Role[])], jti };
    if (verified.size >= 10_000) verified.clear();
    verified.set(match[1], { caller, exp: payload.exp! });
    return caller;
  };
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired (exp)';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" ${err.reason === 'check_failed' ? 'check failed' : err.reason}`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed (EdDSA or ES256 only)';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token (kid)';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed token';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError) return (err as Error).message;
  return 'malformed token';
}
