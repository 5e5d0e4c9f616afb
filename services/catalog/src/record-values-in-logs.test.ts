// What a caller sends as record values (personal fields included) never reaches a log line: NUL is
// refused before any query, and a query that fails in the database is logged without its parameters.
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createLogger, createServiceTokenSigner, generateEd25519 } from '@govshare/platform';
import type { DatasetSchema } from '@govshare/contracts';
import { startCatalog, type CatalogFace } from './index.ts';
import { asPerson, dropCatalogSchema, freshSchemaPrefix, remoteCatalog, testTargets } from './test-support.ts';
import { departments } from './schema.ts';

const schema: DatasetSchema = {
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
  let started: Awaited<ReturnType<typeof startCatalog>>;
  // Over HTTP, as the gateway calls it: the catalog's own log lines are what is checked.
  let catalog: CatalogFace;
  let closeClient: () => Promise<void>;
  const prefix = freshSchemaPrefix();
  const steward = asPerson('tst-steward', 'TST', ['steward']);
  /** The error a call ends with (it must fail). */
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a refusal');
      },
      (e) => e,
    );

  beforeAll(async () => {
    const keys = await generateEd25519('test-key');
    started = await startCatalog({
      databaseUrl,
      dataDir: ':memory:',
      schemaPrefix: prefix,
      servicePublicJwk: keys.publicJwk,
      port: 0,
      demoData: false,
      logger: createLogger('catalog', 'info', sink),
    });
    ({ face: catalog, close: closeClient } = remoteCatalog(started.url, createServiceTokenSigner(keys.privateJwk)));
    await started.db.insert(departments).values({ code: 'TST', nameZh: '测试局', nameEn: 'Test Bureau' });
    expect(
      (
        await catalog.createDataset(
          { id: 'people', title: 'People', ownerDept: 'TST', tier: 'INTERNAL', schema },
          steward,
        )
      ).id,
    ).toBe('people');
  });
  afterAll(async () => {
    await closeClient?.();
    await started?.close();
    await dropCatalogSchema(databaseUrl, prefix);
  });

  it('refuses NUL in ingested values (row and field) and in filter values (400 naming the field)', async () => {
    const batch = await refusal(
      catalog.ingestBatch(
        { id: 'people', mode: 'append', records: [{ idNumber: ID, name: `${NAME}\u0000` }] },
        steward,
      ),
    );
    expect(batch.code).toBe('BAD_USER_INPUT');
    expect(batch.details.errors).toEqual([expect.objectContaining({ row: 1, field: 'name', rule: 'nul-character' })]);
    expect(leaks(batch.message)).toEqual([]); // the summary is copied into the audit log

    const text = `idNumber,name\n${ID},ok\n${ID}\u0000,${NAME}\n`;
    const csv = await refusal(
      catalog.ingestUpload(
        { id: 'people', upload: { contentType: 'text/csv', body: Readable.from([Buffer.from(text)]) } },
        steward,
      ),
    );
    expect(csv.code).toBe('BAD_USER_INPUT');
    expect(csv.details.errors).toEqual([expect.objectContaining({ row: 2, field: 'idNumber', rule: 'nul-character' })]);

    for (const where of [
      { field: 'name', op: 'eq', value: `${NAME}\u0000` },
      {
        or: [
          { field: 'idNumber', op: 'prefix', value: 'x' },
          { field: 'name', op: 'in', value: [NAME, `\u0000${ID}`] },
        ],
      },
    ]) {
      const q = await refusal(catalog.queryRecords({ id: 'people', fields: ['name'], where: where as never }, steward));
      expect(q).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'name', rule: 'nul-character' } });
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
      const res = await refusal(
        catalog.ingestBatch({ id: 'people', mode: 'append', records: [{ idNumber: ID, name: NAME }] }, steward),
      );
      expect({ code: res.code, message: res.message, details: res.details }).toEqual({
        code: 'INTERNAL_SERVER_ERROR',
        message: 'internal error',
        details: undefined,
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
