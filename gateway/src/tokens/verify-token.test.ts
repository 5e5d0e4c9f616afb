import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import { AppError, generateEd25519 } from '@govshare/platform';
import { createTokenVerifier, type TokenVerifierOptions } from './verify-token.ts';
import { createDepartmentDirectory } from './departments.ts';
import { mintCallerToken } from './dev-issuer.ts';

const ISS = 'test-issuer';
const AUD = 'govshare';
// The departments of the catalog, as the gateway learns them; HUB is the hub's own identity and never listed.
const departments = { has: async (code: string) => ['HRSS', 'MCA', 'NHC', 'ZZZ_LISTED'].includes(code) };
const limits = { departments, maxLifetimeSeconds: 12 * 3600 } satisfies Partial<TokenVerifierOptions>;

async function setup() {
  const dev = await generateEd25519('k1');
  const es = await generateKeyPair('ES256', { extractable: true });
  const esPublic = { ...(await exportJWK(es.publicKey)), kid: 'es1', alg: 'ES256' };
  const revoked = new Set<string>(['revoked-jti']);
  const verify = createTokenVerifier({
    issuer: ISS,
    audience: AUD,
    jwks: { keys: [dev.publicJwk, esPublic] },
    isRevoked: (j) => revoked.has(j),
    ...limits,
  });
  return { dev, es, verify };
}
describe('caller token verification', () => {
  it('accepts a valid EdDSA token from the dev issuer and an ES256 token from the JWKS', async () => {
    const { dev, verify, es } = await setup();
    const token = await mintCallerToken(dev.privateJwk, {
      sub: 'alice',
      dept: 'HRSS',
      roles: ['consumer', 'steward'],
      issuer: ISS,
      audience: AUD,
    });
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({
      sub: 'alice',
      dept: 'HRSS',
      roles: ['consumer', 'steward'],
    });
    const esToken = await new SignJWT({ dept: 'MCA', roles: ['auditor'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'es1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('bob')
      .setJti('j2')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(es.privateKey);
    await expect(verify(`Bearer ${esToken}`)).resolves.toMatchObject({ dept: 'MCA', roles: ['auditor'] });
  });

  it('rejects every bad token with UNAUTHENTICATED and says which check failed', async () => {
    const { dev, verify } = await setup();
    const key = await importJWK(dev.privateJwk, 'EdDSA');
    const base = (payload: Record<string, unknown> = { dept: 'HRSS', roles: ['consumer'] }, kid = 'k1') =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setSubject('alice')
        .setJti('j')
        .setIssuedAt()
        .setExpirationTime('5m');
    const other = await generateEd25519('k1'); // same kid, different key
    const otherKey = await importJWK(other.privateJwk, 'EdDSA');
    const hsToken = await new SignJWT({ dept: 'HRSS', roles: ['consumer'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('a')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough!!'));
    const noneToken = new UnsecuredJWT({ dept: 'HRSS', roles: ['consumer'] })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('a')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined, RegExp][] = [
      ['no header', undefined, /missing bearer/],
      ['not bearer', 'Basic abc', /missing bearer/],
      ['garbage', 'Bearer abc.def.ghi', /malformed|invalid/],
      ['HS256', `Bearer ${hsToken}`, /algorithm not allowed/],
      ['alg none', `Bearer ${noneToken}`, /algorithm not allowed|malformed/],
      ['wrong issuer', `Bearer ${await base().setIssuer('evil').sign(key)}`, /"iss"/],
      ['wrong audience', `Bearer ${await base().setAudience('other').sign(key)}`, /"aud"/],
      [
        'expired',
        `Bearer ${await base()
          .setIssuedAt(now - 7200)
          .setExpirationTime(now - 3600)
          .sign(key)}`,
        /expired/,
      ],
      [
        'not yet valid',
        `Bearer ${await base()
          .setNotBefore(now + 3600)
          .sign(key)}`,
        /"nbf"/,
      ],
      ['forged signature', `Bearer ${await base().sign(otherKey)}`, /signature/],
      ['unknown kid', `Bearer ${await base(undefined, 'nope').sign(key)}`, /no key/],
      ['no dept', `Bearer ${await base({ roles: ['consumer'] }).sign(key)}`, /"dept"/],
      ['bad dept', `Bearer ${await base({ dept: 'hrss; drop', roles: ['consumer'] }).sign(key)}`, /"dept"/],
      ['unknown role', `Bearer ${await base({ dept: 'HRSS', roles: ['root'] }).sign(key)}`, /"roles"/],
      ['empty roles', `Bearer ${await base({ dept: 'HRSS', roles: [] }).sign(key)}`, /"roles"/],
      [
        'no jti',
        `Bearer ${await new SignJWT({ dept: 'HRSS', roles: ['consumer'] }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).setSubject('a').setIssuedAt().setExpirationTime('5m').sign(key)}`,
        /"jti"/,
      ],
      [
        'no exp',
        `Bearer ${await new SignJWT({ dept: 'HRSS', roles: ['consumer'] }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).setSubject('a').setJti('j').setIssuedAt().sign(key)}`,
        /"exp"/,
      ],
      ['revoked', `Bearer ${await base().setJti('revoked-jti').sign(key)}`, /revoked/],
      [
        'unknown department',
        `Bearer ${await base({ dept: 'ZZZ', roles: ['consumer'] }).sign(key)}`,
        /"dept" names no department of the hub \(ZZZ\)/,
      ],
      ['the hub itself', `Bearer ${await base({ dept: 'HUB', roles: ['admin'] }).sign(key)}`, /"dept" is HUB/],
      [
        'lives too long',
        `Bearer ${await base()
          .setIssuedAt(now)
          .setExpirationTime(now + 12 * 3600 + 1)
          .sign(key)}`,
        /lifetime 43201 s \(exp - iat\) exceeds the maximum 43200 s/,
      ],
      [
        'back-dated iat',
        `Bearer ${await base()
          .setIssuedAt(now - 10)
          .setNotBefore(now - 5)
          .setExpirationTime(now + 12 * 3600)
          .sign(key)}`,
        /lifetime 43210 s \(exp - iat\)/,
      ],
      [
        'nbf too far from exp',
        `Bearer ${await base()
          .setIssuedAt(now + 3600)
          .setNotBefore(now - 3600)
          .setExpirationTime(now + 12 * 3600)
          .sign(key)}`,
        /\(exp - nbf\) exceeds/,
      ],
      ['no space', `Bearer${await base().sign(key)}`, /missing bearer/],
    ];
    for (const [name, header, message] of cases) {
      const err = await verify(header).then(
        () => undefined,
        (e) => e,
      );
      expect(err, name).toBeInstanceOf(AppError);
      expect(err.code, name).toBe('UNAUTHENTICATED');
      expect(err.message, name).toMatch(message);
    }
  });
});

describe('bearer scheme and lifetime', () => {
  it('takes the scheme in any case (RFC 7235) and a token of exactly the maximum lifetime', async () => {
    const { dev, verify } = await setup();
    const key = await importJWK(dev.privateJwk, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ dept: 'MCA', roles: ['consumer'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('a')
      .setJti('j')
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 12 * 3600)
      .sign(key);
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
      await expect(verify(`${scheme} ${token}`), scheme).resolves.toMatchObject({ dept: 'MCA' });
  });
});

describe('department directory', () => {
  const logger = { warn: () => {} } as never;
  it('loads the list once while fresh, reloads when old, serves a stale list while the catalog is down, then fails closed', async () => {
    let clock = 0;
    let loads = 0;
    let up = true;
    const directory = createDepartmentDirectory({
      load: async () => {
        loads++;
        if (!up) throw new Error('connect ECONNREFUSED');
        return loads === 1 ? ['MCA'] : ['MCA', 'NEW'];
      },
      freshMs: 1000,
      staleMs: 10_000,
      retryMs: 500,
      now: () => clock,
      logger,
    });
    expect(await Promise.all([directory.has('MCA'), directory.has('NEW'), directory.has('ZZZ')])).toEqual([
      true,
      false,
      false,
    ]);
    expect(loads).toBe(1);
    clock = 1000;
    expect(await directory.has('NEW')).toBe(true);
    expect(loads).toBe(2);
    up = false;
    clock = 2000;
    expect(await directory.has('NEW')).toBe(true); // stale, catalog down: the last list serves
    clock = 2100;
    expect(await directory.has('MCA')).toBe(true);
    expect(loads).toBe(3); // no new attempt within retryMs
    clock = 11_000;
    await expect(directory.has('MCA')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    up = true;
    clock = 11_600;
    expect(await directory.has('MCA')).toBe(true);
  });

  it('refuses every department while no list could be loaded', async () => {
    const directory = createDepartmentDirectory({ load: () => Promise.reject(new Error('down')), logger });
    await expect(directory.has('MCA')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('verified-token cache', () => {
  it('still refuses a cached token once it expires or is revoked', async () => {
    const dev = await generateEd25519('k1');
    const revoked = new Set<string>();
    const verify = createTokenVerifier({
      issuer: ISS,
      audience: AUD,
      jwks: { keys: [dev.publicJwk] },
      isRevoked: (j) => revoked.has(j),
      ...limits,
    });
    const short = await mintCallerToken(dev.privateJwk, {
      sub: 'a',
      dept: 'HRSS',
      roles: ['consumer'],
      issuer: ISS,
      audience: AUD,
      ttlSeconds: 1,
      jti: 'short',
    });
    const long = await mintCallerToken(dev.privateJwk, {
      sub: 'b',
      dept: 'HRSS',
      roles: ['consumer'],
      issuer: ISS,
      audience: AUD,
      jti: 'long',
    });
    await verify(`Bearer ${short}`);
    await verify(`Bearer ${long}`);
    revoked.add('long');
    await expect(verify(`Bearer ${long}`)).rejects.toThrow(/revoked/);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(verify(`Bearer ${short}`)).rejects.toThrow(/expired/);
  });
});

describe('external issuer', () => {
  it('trusts keys fetched from a JWKS URL, and nothing else', async () => {
    const { createServer } = await import('node:http');
    const issuerKeys = await generateEd25519('ext-1');
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [issuerKeys.publicJwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const verify = createTokenVerifier({
        issuer: 'https://idp.example.gov',
        audience: AUD,
        jwks: { url: `http://127.0.0.1:${port}/jwks.json` },
        isRevoked: () => false,
        ...limits,
      });
      const good = await mintCallerToken(issuerKeys.privateJwk, {
        sub: 'x',
        dept: 'NHC',
        roles: ['consumer'],
        issuer: 'https://idp.example.gov',
        audience: AUD,
      });
      await expect(verify(`Bearer ${good}`)).resolves.toMatchObject({ dept: 'NHC' });
      const stranger = await generateEd25519('ext-1');
      const forged = await mintCallerToken(stranger.privateJwk, {
        sub: 'x',
        dept: 'NHC',
        roles: ['admin'],
        issuer: 'https://idp.example.gov',
        audience: AUD,
      });
      await expect(verify(`Bearer ${forged}`)).rejects.toThrow(/signature/);
    } finally {
      server.close();
    }
  });
});
