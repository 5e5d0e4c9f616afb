import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  errors as joseErrors,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { AppError } from '@govshare/platform';
import type { Role } from '@govshare/contracts';
import type { Caller } from '../caller.ts';
import { HUB_DEPT, type DepartmentDirectory } from './departments.ts';

// Asymmetric algorithms only: HS* (shared secrets) and "none" can never verify.
export const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256'];
const ROLES: Role[] = ['consumer', 'steward', 'auditor', 'admin'];
/** What a department code looks like (tokens' dept claim, and every dept argument). */
export const DEPARTMENT_CODE = /^[A-Z][A-Z0-9_]{1,15}$/;

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Local keys (dev issuer) or the URL of an external issuer's JWKS. */
  jwks: { keys: JWK[] } | { url: string };
  isRevoked: (jti: string) => boolean;
  /** The departments a token may name (the catalog's). */
  departments: DepartmentDirectory;
  /** Longest lifetime (exp - iat, and exp - nbf) of a token accepted, seconds: a stolen token is good for at most this long. */
  maxLifetimeSeconds: number;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Caller>;

/**
 * Verifies a caller's bearer token: signature by a key from the JWKS (kid lookup), pinned
 * algorithms, iss, aud, exp and nbf, a bounded lifetime, the govshare claims (sub, dept: a department
 * of the catalog, roles, jti) and revocation.
 * Every failure is UNAUTHENTICATED with a message saying which check failed.
 */
export function createTokenVerifier(o: TokenVerifierOptions): TokenVerifier {
  const keys: JWTVerifyGetKey = 'url' in o.jwks ? createRemoteJWKSet(new URL(o.jwks.url)) : createLocalJWKSet(o.jwks);
  // A token whose signature and claims checked out is remembered until it expires, so a client
  // reusing its token costs one signature check, not one per request. Revocation and expiry are
  // still checked on every use.
  const verified = new Map<string, { caller: Caller; exp: number }>();
  return async (authorization) => {
    // The scheme is case-insensitive (RFC 7235).
    const match = /^bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(authorization ?? '');
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
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
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
    refuseLongLifetime(payload.exp!, payload.iat!, payload.nbf, o.maxLifetimeSeconds);
    if (typeof dept !== 'string' || !DEPARTMENT_CODE.test(dept))
      throw new AppError('UNAUTHENTICATED', 'invalid token: claim "dept" must be a department code');
    if (dept === HUB_DEPT)
      throw new AppError(
        'UNAUTHENTICATED',
        `invalid token: claim "dept" is ${HUB_DEPT}, the hub's own identity, which no caller may use`,
      );
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
      throw new AppError(
        'UNAUTHENTICATED',
        `invalid token: claim "roles" must be a non-empty list of ${ROLES.join(', ')}`,
      );
    }
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200)
      throw new AppError('UNAUTHENTICATED', 'invalid token: claim "sub" must be a non-empty string');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 200)
      throw new AppError('UNAUTHENTICATED', 'invalid token: claim "jti" must be a non-empty string');
    if (o.isRevoked(jti)) throw new AppError('UNAUTHENTICATED', 'token has been revoked');
    if (!(await o.departments.has(dept)))
      throw new AppError('UNAUTHENTICATED', `invalid token: claim "dept" names no department of the hub (${dept})`);
    const caller: Caller = { sub, dept, roles: [...new Set(roles as Role[])], jti };
    if (verified.size >= 10_000) verified.clear();
    verified.set(match[1], { caller, exp: payload.exp! });
    return caller;
  };
}

/** A token valid for longer than the maximum is refused, however it was issued. */
function refuseLongLifetime(exp: number, iat: number, nbf: number | undefined, max: number): void {
  for (const [claim, from] of [
    ['iat', iat],
    ['nbf', nbf],
  ] as const) {
    if (from !== undefined && exp - from > max) {
      throw new AppError(
        'UNAUTHENTICATED',
        `invalid token: lifetime ${exp - from} s (exp - ${claim}) exceeds the maximum ${max} s`,
      );
    }
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired (exp)';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${err.claim}" ${err.reason === 'check_failed' ? 'check failed' : err.reason}`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed (EdDSA or ES256 only)';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token (kid)';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed token';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError) return (err as Error).message;
  return 'malformed token';
}
