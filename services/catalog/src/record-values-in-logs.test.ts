// What a caller sends as record values (personal fields included) never reaches a log line: NUL is
// refused before any query, and a query that fails in the database is logged without its parameters.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createLogger, createServiceTokenSigner, generateEd25519, openDatabase } from '@govshare/platform';
import { startCatalog } from './index.ts';
import { freshSchemaPrefix, testTargets } from './test-support.ts';
import { departments } from './schema.ts';

const schema = {
  type: 'object',
  properties: {
    idNumber: { type: 'string', 'x-key': true, 'x-sensitivity': 'personal' },
    name: { type: 'string', 'x-sensitivity': 'personal' },
  },
  required: ['idNumber', 'name'],
  additionalProperties: false,
};

// Values that must never be logged, in every form a log line could hold them.
const ID = '110101199003071234';
const NAME = '张三丰';
const leaks = (log: string) => [ID, NAME, JSON.stringify(NAME).slice(1, -1), '\\u5f20'].filter((v) => log.includes(v));

describe.each(testTargets)('record values stay out of the catalog log on $name', ({ url: databaseUrl }) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  let base: string;
  let started: Awaited<ReturnType<typeof startCatalog>>;
  let signer: ReturnType<typeof createServiceTokenSigner>;
  const prefix = freshSchemaPrefix();

  const call = async (path: string, body: unknown, contentType = 'application/json') => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signer.tokenFor('catalog')}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    const keys = await generateEd25519('test-key');
    signer = createServiceTokenSigner(keys.privateJwk);
    started = await startCatalog({
      databaseUrl,
      dataDir: ':memory:',
      schemaPrefix: prefix,
      servicePublicJwk: keys.publicJwk,
      port: 0,
      demoData: false,
      logger: createLogger('catalog', 'info', sink),
    });
    base = started.url;
    await started.db.insert(departments).values({ code: 'TST', nameZh: '测试局', nameEn: 'Test Bureau' });
    expect(
      (await call('/datasets', { id: 'people', title: 'People', ownerDept: 'TST', tier: 'INTERNAL', schema })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await started?.close();
    if (databaseUrl) {
      const d = await openDatabase({
        service: 'catalog',
        tables: {},
        migrationsFolder: new URL('../migrations', import.meta.url).pathname,
        databaseUrl,
        schemaPrefix: prefix,
      });
      await d.drop();
      await d.close();
    }
  });

  it('refuses NUL in ingested values (row and field) and in filter values (400 naming the field)', async () => {
    const batch = await call('/datasets/people/records', {
      mode: 'append',
      records: [{ idNumber: ID, name: `${NAME}\u0000` }],
    });
    expect(batch.status).toBe(400);
    expect(batch.body.error.details.errors).toEqual([
      expect.objectContaining({ row: 1, field: 'name', rule: 'nul-character' }),
    ]);
    expect(leaks(batch.body.error.message)).toEqual([]); // the summary is copied into the audit log

    const csv = await call('/datasets/people/records', `idNumber,name\n${ID},ok\n${ID}\u0000,${NAME}\n`, 'text/csv');
    expect(csv.status).toBe(400);
    expect(csv.body.error.details.errors).toEqual([
      expect.objectContaining({ row: 2, field: 'idNumber', rule: 'nul-character' }),
    ]);

    for (const where of [
      { field: 'name', op: 'eq', value: `${NAME}\u0000` },
      {
        or: [
          { field: 'idNumber', op: 'prefix', value: 'x' },
          { field: 'name', op: 'in', value: [NAME, `\u0000${ID}`] },
        ],
      },
    ]) {
      const q = await call('/datasets/people/records/query', { fields: ['name'], where });
      expect(q.status).toBe(400);
      expect(q.body.error).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'name', rule: 'nul-character' } });
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(leaks(lines.join(''))).toEqual([]);
  });

  it('logs a query that fails in the database without its parameters or the values it quotes', async () => {
    // A constraint the catalog does not know of makes the insert fail inside the database.
    await started.db.execute(
      sql.raw(`alter table records add constraint no_such_name check (data->>'name' <> '${NAME}')`),
    );
    try {
      lines.length = 0;
      const res = await call('/datasets/people/records', { mode: 'append', records: [{ idNumber: ID, name: NAME }] });
      expect(res).toEqual({
        status: 500,
        body: { error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' } },
      });
      expect(leaks(lines.join(''))).toEqual([]);
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error');
      // What helps find the cause stays: the failed statement (placeholders only) and the database's code.
      expect(logged.err.message).toMatch(/^Failed query: insert into "records"/);
      expect(JSON.stringify(logged.err)).toMatch(/"code":"23514"/);
      expect(logged.err.stack).toMatch(/\n\s+at /);
    } finally {
      await started.db.execute(sql`alter table records drop constraint no_such_name`);
    }
  });
});
