import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, importJWK } from 'jose';
import { serverAudits } from 'graphql-http';
import fc from 'fast-check';
import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import { AUDIENCE, ISSUER, hubSetups, codes, startHub, type Hub } from './hub.ts';

describe.each(hubSetups())('tokens, limits and protocol at the gateway (%s)', (backend) => {
  let hub: Hub;
  const logLines: string[] = [];
  beforeAll(async () => {
    hub = await startHub(backend, { logLines });
  });
  afterAll(() => hub?.close());

  it('refuses missing, expired, foreign-audience and HS256 tokens with 401 UNAUTHENTICATED', async () => {
    const key = await importJWK(hub.issuerPrivateJwk, 'EdDSA');
    const base = () =>
      new SignJWT({ dept: 'MCA', roles: ['consumer'] })
        .setProtectedHeader({ alg: 'EdDSA', kid: hub.issuerPrivateJwk.kid })
        .setIssuer(ISSUER)
        .setSubject('x')
        .setJti('j');
    const now = Math.floor(Date.now() / 1000);
    const tokens: [string, string | undefined][] = [
      ['none', undefined],
      [
        'expired',
        await base()
          .setAudience(AUDIENCE)
          .setIssuedAt(now - 7200)
          .setExpirationTime(now - 3600)
          .sign(key),
      ],
      ['audience', await base().setAudience('someone-else').setIssuedAt().setExpirationTime('5m').sign(key)],
      [
        'hs256',
        await new SignJWT({ dept: 'MCA', roles: ['consumer'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject('x')
          .setJti('j')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('x'.repeat(32))),
      ],
    ];
    for (const [name, token] of tokens) {
      const res = await hub.gql(token, '{ me { sub } }');
      expect(res.status, name).toBe(401);
      expect(codes(res.body), name).toEqual(['UNAUTHENTICATED']);
      expect(res.body.data, name).toBeUndefined();
    }
  });

  it('refuses tokens naming an unknown department or the hub itself, or living longer than 12 h; takes the scheme in any case', async () => {
    const refused: [string, string, RegExp][] = [
      ['unknown department', await hub.token('ZZZ', ['consumer']), /"dept" names no department of the hub \(ZZZ\)/],
      ['the hub', await hub.token('HUB', ['admin']), /"dept" is HUB/],
      [
        '13 hours',
        await hub.token('MCA', ['consumer'], { ttlSeconds: 13 * 3600 }),
        /lifetime 46800 s \(exp - iat\) exceeds the maximum 43200 s/,
      ],
    ];
    for (const [name, token, message] of refused) {
      const res = await hub.gql(token, '{ me { sub } }');
      expect(res.status, name).toBe(401);
      expect(codes(res.body), name).toEqual(['UNAUTHENTICATED']);
      expect(res.body.errors[0].message, name).toMatch(message);
    }
    const auditor = await hub.token('PSB', ['auditor']);
    const log = await hub.gql(
      auditor,
      '{ auditEvents(filter: { action: "auth.denied" }, first: 100) { nodes { reason } } }',
    );
    const reasons = log.body.data.auditEvents.nodes.map((e: any) => e.reason);
    for (const [name, , message] of refused)
      expect(
        reasons.some((r: string) => message.test(r)),
        name,
      ).toBe(true);
    const twelveHours = await hub.token('MCA', ['consumer'], { ttlSeconds: 12 * 3600 });
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await fetch(`${hub.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `${scheme} ${twelveHours}` },
        body: JSON.stringify({ query: '{ me { dept } }' }),
      });
      expect((await res.json()).data, scheme).toEqual({ me: { dept: 'MCA' } });
    }
  });

  it('an admin revokes a token by jti and it is refused from then on', async () => {
    const victim = await hub.token('MCA', ['consumer'], { jti: 'to-be-revoked' });
    expect((await hub.gql(victim, '{ me { tokenId } }')).body.data.me.tokenId).toBe('to-be-revoked');
    const r = await hub.gql(
      await hub.token('PSB', ['admin']),
      'mutation { revokeToken(jti: "to-be-revoked", reason: "laptop lost") }',
    );
    expect(r.body.data.revokeToken).toBe(true);
    const after = await hub.gql(victim, '{ me { sub } }');
    expect(after.status).toBe(401);
    expect(after.body.errors[0].message).toMatch(/revoked/);
  });

  it('limits depth, aliases, cost, page size and body size', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: me { sub }`).join(' ');
    expect(codes((await hub.gql(t, `{ ${aliases} }`)).body)).toContain('QUERY_TOO_COMPLEX');
    const costly = Array.from(
      { length: 14 },
      (_, i) => `r${i}: records(dataset: "legal-persons", first: 100) { nodes { key data } }`,
    ).join(' ');
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
    // No object type of the schema nests deeper than the limit; __type is held to it like any field.
    const deepType = `{ __type(name: "Query") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }`;
    expect(codes((await hub.gql(t, deepType)).body)).toEqual(['QUERY_TOO_COMPLEX']);
    expect((await hub.gql(t, `{ me { department { code } } }`)).body.errors).toBeUndefined();
  });

  it('an authenticated caller loads the schema with the standard introspection query; deeper or wider introspection is refused', async () => {
    const t = await hub.token('MCA', ['consumer']);
    for (const options of [
      {},
      {
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      },
    ]) {
      const res = await hub.gql(t, getIntrospectionQuery(options));
      expect(res.body.errors).toBeUndefined();
      // What GraphiQL and graphql-codegen do with the reply: build the schema from it.
      expect(buildClientSchema(res.body.data).getQueryType()?.getFields().records).toBeDefined();
    }
    expect((await hub.gql(undefined, getIntrospectionQuery())).status).toBe(401);
    const ofTypes = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;
    const refused = [
      `{ __schema { queryType { fields { type { ${ofTypes(16)} } } } } }`, // 21 deep
      `{ __type(name: "Query") { fields { type { ${ofTypes(5)} } } } }`, // __type: the general limit, 9 deep
      `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`, // lists in lists
    ];
    for (const query of refused) {
      const res = await hub.gql(t, query);
      expect(codes(res.body), query).toEqual(['QUERY_TOO_COMPLEX']);
      expect(res.body.errors[0].message, query).toMatch(/^query too complex: /);
    }
    expect(
      (await hub.gql(t, `{ __schema { queryType { fields { type { ${ofTypes(15)} } } } } }`)).body.errors,
    ).toBeUndefined();
  });

  it('answers errors with codes and no internals', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const syntax = await hub.gql(t, `{ me { sub `);
    expect(codes(syntax.body)).toEqual(['BAD_USER_INPUT']);
    const unknownField = await hub.gql(t, `{ me { password } }`);
    expect(codes(unknownField.body)).toEqual(['BAD_USER_INPUT']);
    const missing = await hub.gql(t, `{ dataset(id: "no-such-dataset") { id } }`);
    expect(missing.body.data.dataset).toBeNull();
    const badFilter = await hub.gql(
      t,
      `{ records(dataset: "legal-persons", where: { field: "registeredCapital", eq: 1, gt: 2 }) { totalCount } }`,
    );
    expect(codes(badFilter.body)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(badFilter.body)).not.toMatch(/stack|select |at .*\.ts/i);
  });

  it('a variable of the wrong type is BAD_USER_INPUT naming the variable, and logs nothing', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const logged = logLines.length;
    const res = await hub.gql(t, 'query($n: Int) { records(dataset: "legal-persons", first: $n) { totalCount } }', {
      n: 'abc',
    });
    expect(res.status).toBe(400);
    expect(codes(res.body)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors[0].message).toMatch(/"\$n".*Int/);
    expect(logLines.slice(logged)).toEqual([]);
  });

  it('limit refusals are QUERY_TOO_COMPLEX in plain words, and __typename aliases count', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const typenames = Array.from({ length: 16 }, (_, i) => `t${i}: __typename`).join(' ');
    const deep = `{ me { department { code } } __type(name: "Me") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }`;
    for (const query of [
      `{ ${typenames} }`,
      `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { sub }`).join(' ')} }`,
      deep,
    ]) {
      const res = await hub.gql(t, query);
      expect(codes(res.body), query).toEqual(['QUERY_TOO_COMPLEX']);
      expect(res.body.errors[0].message, query).toMatch(/^query too complex: /);
      expect(res.body.errors[0].message, query).not.toMatch(/syntax/i);
      expect(res.body.data, query).toBeUndefined();
    }
    const fifteen = Array.from({ length: 15 }, (_, i) => `t${i}: __typename`).join(' ');
    expect((await hub.gql(t, `{ ${fifteen} }`)).body.data.t14).toBe('Query');
  });

  it('an unknown field of any length gets a short error', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const name = 'x'.repeat(61_000);
    for (const query of [
      `{ me { ${name} } }`,
      `{ ${name} }`,
      `{ me { sub ${'{'.repeat(10)}`,
      `{ records(dataset: "legal-persons", ${name}: 1) { totalCount } }`,
    ]) {
      const res = await hub.gql(t, query);
      expect(codes(res.body)).toEqual(['BAD_USER_INPUT']);
      expect(JSON.stringify(res.body).length).toBeLessThan(2000);
    }
    const res = await hub.gql(t, `{ me { ${name} } }`);
    expect(res.body.errors[0].message).toMatch(/^Cannot query field "x{64}…" on type "Me"/);
  });

  it('answers an unsupported or unacceptable media type, and a hash-only persisted query, with an error body', async () => {
    const t = await hub.token('MCA', ['consumer']);
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${hub.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, ...headers },
        body: JSON.stringify(body),
      });
    const hashOnly = { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } };
    const json = { 'content-type': 'application/json' };
    const gqlResponse = { ...json, accept: 'application/graphql-response+json' };
    // A hash-only query is answered like any other request error, for either accepted media type.
    const cases: [string, Response, number][] = [
      [
        '415',
        await post({ 'content-type': 'text/plain', accept: 'application/json' }, { query: '{ me { sub } }' }),
        415,
      ],
      ['406', await post({ ...json, accept: 'text/html' }, { query: '{ me { sub } }' }), 406],
      ['persisted', await post(gqlResponse, hashOnly), 400],
      ['syntax', await post(gqlResponse, { query: '{ me {' }), 400],
      ['persisted, application/json', await post(json, hashOnly), 200],
      ['syntax, application/json', await post(json, { query: '{ me {' }), 200],
    ];
    for (const [name, res, status] of cases) {
      expect(res.status, name).toBe(status);
      expect(res.headers.get('content-type'), name).toMatch(/json/);
      const body = await res.json();
      expect(body.errors, name).toHaveLength(1);
      expect(body.errors[0].message, name).toMatch(/\w/);
      expect(typeof body.errors[0].extensions.code, name).toBe('string');
      expect(body.data, name).toBeUndefined();
    }
  });

  it('refuses a NUL in any argument, literal or variable, naming the argument, audits it, and others read on', async () => {
    const t = await hub.token('MCA', ['consumer'], { sub: 'nul-prober' });
    const psb = await hub.token('PSB', ['consumer']);
    // Where a caller can put a string: a literal ID, a variable, a filter value (JSON), a list item, an input field.
    const positions: [string, (s: string) => [string, Record<string, unknown>?]][] = [
      ['argument "id"', (s) => [`{ dataset(id: ${JSON.stringify(s)}) { id } }`]],
      [
        'argument "dataset" (variable "$d")',
        (s) => ['query($d: ID!) { records(dataset: $d) { totalCount } }', { d: s }],
      ],
      [
        'argument "where.eq"',
        (s) => [
          `{ records(dataset: "legal-persons", where: { field: "name", eq: ${JSON.stringify(s)} }) { totalCount } }`,
        ],
      ],
      [
        'argument "where.or[0].in[1]" (variable "$w")',
        (s) => [
          'query($w: RecordFilter) { records(dataset: "legal-persons", where: $w) { totalCount } }',
          { w: { or: [{ field: 'name', in: ['a', s] }] } },
        ],
      ],
      [
        'argument "fields[1]"',
        (s) => [`{ records(dataset: "legal-persons", fields: ["name", ${JSON.stringify(s)}]) { totalCount } }`],
      ],
      ['argument "filter.sub"', (s) => [`{ auditEvents(filter: { sub: ${JSON.stringify(s)} }) { nodes { id } } }`]],
    ];
    const withNul = fc
      .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
      .map(([a, b]) => `${a}\u0000${b}`);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...positions), withNul, async ([argument, build], value) => {
        const [query, variables] = build(value);
        // A read by another department at the same moment is answered: the refused request never reaches the audit batch.
        const [res, other] = await Promise.all([
          hub.gql(t, query, variables),
          hub.gql(psb, '{ records(dataset: "legal-persons", first: 1) { totalCount } }'),
        ]);
        expect(codes(res.body)).toEqual(['BAD_USER_INPUT']);
        expect(res.body.errors[0].message).toBe(`${argument} contains a NUL character (U+0000), which is not allowed`);
        expect(res.body.data).toBeUndefined();
        expect(other.body.errors).toBeUndefined();
      }),
      { numRuns: 12 },
    );
    // A lone surrogate is no text either (an ID holding one failed as an internal error on its way to
    // the catalog). graphql's parser refuses one in a literal; variables are the guard's.
    for (const [argument, build] of positions) {
      const [query, variables] = build('x\udc00');
      const res = await hub.gql(t, query, variables);
      expect(codes(res.body), query).toEqual(['BAD_USER_INPUT']);
      if (variables)
        expect(res.body.errors[0].message).toBe(
          `${argument} contains a lone surrogate (not well-formed Unicode), which is not allowed`,
        );
    }
    // However deep the value, the check holds and the message stays short.
    // (The body is written by hand: JSON.stringify recurses and runs out of stack first.)
    const depth = 20_000;
    const query = JSON.stringify(
      'query($w: RecordFilter) { records(dataset: "legal-persons", where: $w) { totalCount } }',
    );
    const res = await fetch(`${hub.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
      body: `{"query":${query},"variables":{"w":{"field":"name","eq":${'['.repeat(depth)}"x\\u0000"${']'.repeat(depth)}}}}`,
    });
    const nested = await res.json();
    expect(codes(nested)).toEqual(['BAD_USER_INPUT']);
    expect(nested.errors[0].message).toMatch(/^argument "where\.eq(\[0\])+…" \(variable "\$w"\) contains a NUL/);
    expect(nested.errors[0].message.length).toBeLessThan(300);
    const auditor = await hub.token('PSB', ['auditor']);
    const log = await hub.gql(
      auditor,
      '{ auditEvents(filter: { sub: "nul-prober" }, first: 100) { nodes { action outcome errorCode reason } } }',
    );
    const refusals = log.body.data.auditEvents.nodes;
    expect(refusals.length).toBeGreaterThanOrEqual(12 + 2 + 1);
    for (const e of refusals)
      expect(e).toMatchObject({
        outcome: 'denied',
        errorCode: 'BAD_USER_INPUT',
        reason: expect.stringMatching(/^argument ".*(NUL|lone surrogate)/),
      });
    for (const e of refusals) expect(e.action).toMatch(/^graphql\.(dataset|records|auditEvents)$/);
  });

  it('refuses an ID longer than any the hub has, naming the argument and the limit', async () => {
    const t = await hub.token('MCA', ['consumer']);
    for (const [query, variables] of [
      [`{ records(dataset: "${'x'.repeat(5000)}") { totalCount } }`],
      ['query($id: ID!) { dataset(id: $id) { id } }', { id: 'a'.repeat(101) }],
    ] as [string, Record<string, unknown>?][]) {
      const res = await hub.gql(t, query, variables);
      expect(codes(res.body)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors[0].message).toMatch(
        /^argument "(dataset|id)".* is (5000|101) characters long; an ID has at most 100$/,
      );
    }
    // 100 characters pass the edge (the catalog then refuses this one by its dataset id pattern).
    const hundred = await hub.gql(t, `{ dataset(id: "${'a'.repeat(100)}") { id } }`);
    expect(codes(hundred.body)).toEqual(['BAD_USER_INPUT']);
    expect(hundred.body.errors[0].message).not.toMatch(/characters long/);
    // A dept argument goes into the catalog's paths too: a 5,000-character one once answered "catalog service error 414".
    const steward = await hub.token('HRSS', ['steward']);
    const longDept = await hub.gql(steward, `{ governanceFigures(dept: "${'H'.repeat(5000)}") { received } }`);
    expect(codes(longDept.body)).toEqual(['BAD_USER_INPUT']);
    expect(longDept.body.errors[0].message).toMatch(/^argument "dept" is not a department code/);
    expect(codes((await hub.gql(steward, `{ governanceFigures(dept: "HRSS") { received } }`)).body)).toEqual([]);
  });

  it('follows the GraphQL-over-HTTP spec (graphql-http audit, MUST items)', async () => {
    const token = await hub.token('MCA', ['consumer']);
    const audits = serverAudits({
      url: `${hub.gatewayUrl}/graphql`,
      fetchFn: (input: any, init: any = {}) =>
        fetch(input, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` } }),
    });
    const failedMusts: string[] = [];
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status === 'error' && audit.name.startsWith('MUST'))
        failedMusts.push(`${audit.name}: ${result.reason}`);
    }
    expect(audits.length).toBeGreaterThan(20);
    expect(failedMusts).toEqual([]);
  });
});
