import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, importJWK } from 'jose';
import { serverAudits } from 'graphql-http';
import { AUDIENCE, ISSUER, backends, codes, startHub, type Hub } from './hub.ts';

describe.each(backends())('tokens, limits and protocol at the gateway (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(() => hub?.close());

  it('refuses missing, expired, foreign-audience and HS256 tokens with 401 UNAUTHENTICATED', async () => {
    const key = await importJWK(hub.issuerPrivateJwk, 'EdDSA');
    const base = () => new SignJWT({ dept: 'MCA', roles: ['consumer'] }).setProtectedHeader({ alg: 'EdDSA', kid: hub.issuerPrivateJwk.kid }).setIssuer(ISSUER).setSubject('x').setJti('j');
    const now = Math.floor(Date.now() / 1000);
    const tokens: [string, string | undefined][] = [
      ['none', undefined],
      ['expired', await base().setAudience(AUDIENCE).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(key)],
      ['audience', await base().setAudience('someone-else').setIssuedAt().setExpirationTime('5m').sign(key)],
      ['hs256', await new SignJWT({ dept: 'MCA', roles: ['consumer'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('x').setJti('j').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32)))],
    ];
    for (const [name, token] of tokens) {
      const res = await hub.gql(token, '{ me { sub } }');
      expect(res.status, name).toBe(401);
      expect(codes(res.body), name).toEqual(['UNAUTHENTICATED']);
      expect(res.body.data, name).toBeUndefined();
    }
  });

  it('an admin revokes a token by jti and it is refused from then on', async () => {
    const victim = await hub.token('MCA', ['consumer'], { jti: 'to-be-revoked' });
    expect((await hub.gql(victim, '{ me { tokenId } }')).body.data.me.tokenId).toBe('to-be-revoked');
    const r = await hub.gql(await hub.token('PSB', ['admin']), 'mutation { revokeToken(jti: "to-be-revoked", reason: "laptop lost") }');
    expect(r.body.data.revokeToken).toBe(true);
    const after = await hub.gql(victim, '{ me { sub } }');
    expect(after.status).toBe(401);
    expect(after.body.errors[0].message).toMatch(/revoked/);
  });

  it('limits depth, aliases, cost, page size and body size', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: me { sub }`).join(' ');
    expect(codes((await hub.gql(t, `{ ${aliases} }`)).body)).toContain('QUERY_TOO_COMPLEX');
    const costly = Array.from({ length: 14 }, (_, i) => `r${i}: records(dataset: "legal-persons", first: 100) { nodes { key data } }`).join(' ');
    expect(codes((await hub.gql(t, `{ ${costly} }`)).body)).toContain('QUERY_TOO_COMPLEX');
    const page = await hub.gql(t, `{ records(dataset: "legal-persons", first: 101) { nodes { key } } }`);
    expect(codes(page.body)).toEqual(['BAD_USER_INPUT']);
    const big = await fetch(`${hub.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
      body: JSON.stringify({ query: `{ me { sub } }`, variables: { pad: 'x'.repeat(200_000) } }),
    });
    expect(big.status).toBe(413);
  });

  it('depth beyond the limit is QUERY_TOO_COMPLEX', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const deep = `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }`;
    expect(codes((await hub.gql(t, deep)).body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect((await hub.gql(t, `{ me { department { code } } }`)).body.errors).toBeUndefined();
  });

  it('answers errors with codes and no internals', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const syntax = await hub.gql(t, `{ me { sub `);
    expect(codes(syntax.body)).toEqual(['BAD_USER_INPUT']);
    const unknownField = await hub.gql(t, `{ me { password } }`);
    expect(codes(unknownField.body)).toEqual(['BAD_USER_INPUT']);
    const missing = await hub.gql(t, `{ dataset(id: "no-such-dataset") { id } }`);
    expect(missing.body.data.dataset).toBeNull();
    const badFilter = await hub.gql(t, `{ records(dataset: "legal-persons", where: { field: "registeredCapital", eq: 1, gt: 2 }) { totalCount } }`);
    expect(codes(badFilter.body)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(badFilter.body)).not.toMatch(/stack|select |at .*\.ts/i);
  });

  it('follows the GraphQL-over-HTTP spec (graphql-http audit, MUST items)', async () => {
    const token = await hub.token('MCA', ['consumer']);
    const audits = serverAudits({
      url: `${hub.gatewayUrl}/graphql`,
      fetchFn: (input: any, init: any = {}) => fetch(input, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` } }),
    });
    const failedMusts: string[] = [];
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status === 'error' && audit.name.startsWith('MUST')) failedMusts.push(`${audit.name}: ${result.reason}`);
    }
    expect(audits.length).toBeGreaterThan(20);
    expect(failedMusts).toEqual([]);
  });
});
