import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { count, eq } from 'drizzle-orm';
import { AppError } from '@govshare/platform';
import type { DatasetSchema } from '@govshare/contracts';
import { createDataset, getDataset, getDatasetRow, compiledFor, type CatalogDb } from './datasets.ts';
import { batchItems, csvItems, decodeText, ingest, ndjsonItems, streamItems, streamUpload } from './ingest.ts';
import { records } from './schema.ts';
import { addDepartment, openTestDb, testTargets } from './test-support.ts';

const schema: DatasetSchema = {
  type: 'object',
  properties: {
    pid: { type: 'string', 'x-key': true, pattern: '^P[0-9]+$' },
    name: { type: 'string', 'x-sensitivity': 'personal' },
    age: { type: ['integer', 'null'] },
    score: { type: 'number' },
    active: { type: 'boolean' },
    born: { type: 'string', format: 'date' },
    kind: { type: 'string', enum: ['a', 'b'] },
  },
  required: ['pid', 'name'],
  additionalProperties: false,
};

const good = (i: number) => ({
  pid: `P${i}`,
  name: `name ${i}`,
  age: i % 90,
  score: i / 4,
  active: i % 2 === 0,
  born: '1990-01-02',
  kind: i % 3 ? 'a' : 'b',
});

async function refused(
  p: Promise<unknown>,
): Promise<{ errors: { row: number; field: string; rule: string; message: string }[]; errorCount: number }> {
  const e = await p.then(
    () => {
      throw new Error('batch was accepted');
    },
    (err) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect(e.code).toBe('BAD_USER_INPUT');
  return e.details;
}

describe.each(testTargets)('ingest on $name', ({ url }) => {
  let db: CatalogDb;
  let close: () => Promise<void>;
  let n = 0;
  const newDataset = async () => {
    const id = `people-${++n}`;
    await createDataset(db, { id, title: 'People', ownerDept: 'TST', tier: 'INTERNAL', schema });
    return id;
  };
  const stored = async (id: string) =>
    Number((await db.select({ n: count() }).from(records).where(eq(records.datasetId, id)))[0].n);

  beforeAll(async () => {
    ({ db, close } = await openTestDb(url));
    await addDepartment(db);
  });
  afterAll(async () => close?.());

  it('appends well-shaped rows, dirty ones included (duplicate keys, blank strings)', async () => {
    const id = await newDataset();
    const rows = [good(1), good(2), { ...good(2), name: '   ' }, { pid: 'P3', name: '' }];
    expect(await ingest(db, id, 'append', batchItems(rows))).toEqual({
      datasetId: id,
      mode: 'append',
      accepted: 4,
      recordCount: 4,
    });
    expect(await ingest(db, id, 'append', batchItems([good(4)]))).toMatchObject({ accepted: 1, recordCount: 5 });
    expect(await stored(id)).toBe(5);
    const keys = (await db.select({ key: records.key }).from(records).where(eq(records.datasetId, id))).map(
      (r) => r.key,
    );
    expect(keys.filter((k) => k === 'P2')).toHaveLength(2);
  });

  it('refuses a batch with one bad row as a whole, naming row, field and rule', async () => {
    const id = await newDataset();
    await ingest(db, id, 'append', batchItems([good(0)]));
    const before = await getDataset(db, id);
    const rows = Array.from({ length: 50 }, (_, i) => good(i + 1));
    rows[36] = { ...good(37), age: 'forty' as never };
    const d = await refused(ingest(db, id, 'append', batchItems(rows)));
    expect(d.errors).toEqual([{ row: 37, field: 'age', rule: 'type', message: expect.stringContaining('age') }]);
    expect(d.errorCount).toBe(1);
    expect(await stored(id)).toBe(1);
    expect(await getDataset(db, id)).toEqual(before);
  });

  it('names each structural rule', async () => {
    const id = await newDataset();
    const rows: Record<string, unknown>[] = [
      { name: 'no key' },
      { pid: 'P1' },
      { pid: 'P2', name: 'x', extra: 1 },
      { pid: 'P3', name: 'x', kind: 'c' },
      { pid: 'P4', name: 'x', born: '1990-02-30' },
      { pid: 'X5', name: 'x' },
      { pid: null, name: 'x' },
      { pid: 'P8', name: null },
      { pid: 'P9', name: 'x', age: null, score: 1.5, active: 'yes' },
    ];
    const d = await refused(ingest(db, id, 'append', batchItems(rows)));
    expect(d.errors.map((e) => [e.row, e.field, e.rule])).toEqual([
      [1, 'pid', 'key-missing'],
      [2, 'name', 'required'],
      [3, 'extra', 'unknown-field'],
      [4, 'kind', 'enum'],
      [5, 'born', 'format'],
      [6, 'pid', 'pattern'],
      [7, 'pid', 'key-missing'],
      [8, 'name', 'not-null'],
      [9, 'active', 'type'],
    ]);
    expect(await stored(id)).toBe(0);
  });

  it('streams NDJSON in chunks inside one transaction: an error at row 2500 leaves nothing behind', async () => {
    const id = await newDataset();
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify(good(i + 1)));
    lines[2499] = '{"pid": "P2500", "name": ';
    const stream = Readable.from([lines.slice(0, 1234).join('\n') + '\n', lines.slice(1234).join('\r\n') + '\n']);
    const d = await refused(ingest(db, id, 'append', ndjsonItems(stream)));
    expect(d.errors).toEqual([expect.objectContaining({ row: 2500, rule: 'json' })]);
    expect(await stored(id)).toBe(0);
    expect((await getDataset(db, id)).recordCount).toBe(0);

    lines[2499] = JSON.stringify(good(2500));
    const ok = await ingest(db, id, 'append', ndjsonItems(Readable.from([Buffer.from(lines.join('\n'))])));
    expect(ok).toMatchObject({ accepted: 3000, recordCount: 3000 });
    expect(await stored(id)).toBe(3000);
  });

  it('stops after 100 errors and reports at least that many', async () => {
    const id = await newDataset();
    const rows = Array.from({ length: 500 }, (_, i) => ({ pid: `P${i}` }));
    const d = await refused(ingest(db, id, 'append', batchItems(rows)));
    expect(d.errors).toHaveLength(100);
    expect(d.errorCount).toBeGreaterThanOrEqual(100);
    expect(d.errors[99]).toMatchObject({ row: 100, field: 'name', rule: 'required' });
  });

  it('converts CSV cells per declared type; an empty cell is an absent field', async () => {
    const id = await newDataset();
    const compiled = compiledFor(await getDatasetRow(db, id));
    const csv =
      '\ufeffpid,name,age,score,active,born,kind\nP1,"Li, Lei",42,3.5,true,1990-01-02,a\nP2,王芳,,-1e2,FALSE,,\n';
    expect(await ingest(db, id, 'append', csvItems(Readable.from([csv]), compiled))).toMatchObject({ accepted: 2 });
    const rows = await db
      .select({ data: records.data })
      .from(records)
      .where(eq(records.datasetId, id))
      .orderBy(records.id);
    expect(rows.map((r) => r.data)).toEqual([
      { pid: 'P1', name: 'Li, Lei', age: 42, score: 3.5, active: true, born: '1990-01-02', kind: 'a' },
      { pid: 'P2', name: '王芳', score: -100, active: false },
    ]);

    const bad = 'pid,name,age\nP3,x,1\nP4,y,4.5\nP5,z,old\n';
    const d = await refused(ingest(db, id, 'append', csvItems(Readable.from([bad]), compiled)));
    expect(d.errors.map((e) => [e.row, e.field, e.rule])).toEqual([
      [2, 'age', 'type'],
      [3, 'age', 'type'],
    ]);
    const ragged = 'pid,name\nP6,x\nP7,y,extra\n';
    const r = await refused(ingest(db, id, 'append', csvItems(Readable.from([ragged]), compiled)));
    expect(r.errors[0]).toMatchObject({ row: 2, rule: 'csv' });
    expect(await stored(id)).toBe(2);
  });

  it('replace swaps the whole dataset atomically', async () => {
    const id = await newDataset();
    await ingest(db, id, 'append', batchItems(Array.from({ length: 30 }, (_, i) => good(i))));
    const bad = [good(100), { ...good(101), score: 'high' }];
    await refused(ingest(db, id, 'replace', batchItems(bad)));
    expect(await stored(id)).toBe(30); // the delete was rolled back too
    expect(await ingest(db, id, 'replace', batchItems([good(200), good(201)]))).toMatchObject({
      mode: 'replace',
      accepted: 2,
      recordCount: 2,
    });
    const keys = (await db.select({ key: records.key }).from(records).where(eq(records.datasetId, id)))
      .map((r) => r.key)
      .sort();
    expect(keys).toEqual(['P200', 'P201']);
    // An empty replace empties the dataset only when confirmed.
    const empty = await ingest(db, id, 'replace', batchItems([])).catch((e) => e);
    expect(empty).toMatchObject({ code: 'BAD_USER_INPUT', details: { rule: 'empty-replace' } });
    expect(await stored(id)).toBe(2);
    expect(await ingest(db, id, 'replace', batchItems([]), { confirmEmpty: true })).toMatchObject({
      accepted: 0,
      recordCount: 0,
    });
  });

  it('concurrent ingests of one dataset keep record_count equal to the stored rows', async () => {
    const id = await newDataset();
    const batch = (k: number) => batchItems(Array.from({ length: 100 }, (_, i) => good(k * 1000 + i)));
    const results = await Promise.allSettled([
      ingest(db, id, 'append', batch(1)),
      ingest(db, id, 'append', batch(2)),
      ingest(db, id, 'replace', batch(3)),
      ingest(db, id, 'append', batch(4)),
      ingest(db, id, 'append', batchItems([{ pid: 'bad' }])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    const n = await stored(id);
    expect((await getDataset(db, id)).recordCount).toBe(n);
    expect(n % 100).toBe(0);
    expect(n).toBeGreaterThanOrEqual(100);
  });

  it('refuses NUL (U+0000) in any value as a row error naming the field, in every input format', async () => {
    const id = await newDataset();
    const compiled = compiledFor(await getDatasetRow(db, id));
    const batch = await refused(
      ingest(db, id, 'append', batchItems([good(1), { ...good(2), name: 'Wang\u0000Fang' }])),
    );
    expect(batch.errors).toEqual([expect.objectContaining({ row: 2, field: 'name', rule: 'nul-character' })]);
    const nd = await refused(
      ingest(
        db,
        id,
        'append',
        ndjsonItems(Readable.from([`${JSON.stringify(good(1))}\n{"pid":"P2","name":"x\\u0000"}\n`])),
      ),
    );
    expect(nd.errors).toEqual([expect.objectContaining({ row: 2, field: 'name', rule: 'nul-character' })]);
    const csv = await refused(
      ingest(db, id, 'append', csvItems(Readable.from(['pid,name,kind\nP1,x,a\nP2,y,\u0000b\n']), compiled)),
    );
    expect(csv.errors.map((e) => [e.row, e.field, e.rule])).toEqual([
      [2, 'kind', 'enum'],
      [2, 'kind', 'nul-character'],
    ]);
    expect(await stored(id)).toBe(0);
  });

  it('refuses a value over the size limit with row and field, while it streams', async () => {
    const id = await newDataset();
    const compiled = compiledFor(await getDatasetRow(db, id));
    const limit = 4096;
    // A 30 MB cell produced lazily: how much of it was read when the refusal came says whether it was buffered.
    let produced = 0;
    async function* hugeCell(prefix: string, suffix: string) {
      yield prefix;
      for (let i = 0; i < 480; i++) {
        produced += 65536;
        yield 'x'.repeat(65536);
      }
      yield suffix;
    }
    const csv = await refused(
      ingest(db, id, 'append', csvItems(Readable.from(hugeCell('pid,name\nP1,a\nP2,', '\n')), compiled, limit), {
        maxCellBytes: limit,
      }),
    );
    expect(csv.errors).toEqual([expect.objectContaining({ row: 2, field: 'name', rule: 'size-limit' })]);
    expect(produced).toBeLessThan(1024 * 1024);
    produced = 0;
    const nd = await refused(
      ingest(db, id, 'append', ndjsonItems(hugeCell('{"pid":"P1","name":"a"}\n{"pid":"P2","name":"', '"}\n'), limit), {
        maxCellBytes: limit,
      }),
    );
    expect(nd.errors).toEqual([expect.objectContaining({ row: 2, rule: 'size-limit' })]);
    expect(produced).toBeLessThan(1024 * 1024);
    // Exactly at the limit (in UTF-8 bytes: 3 per character here) goes in; one byte more does not.
    const atLimit = '王'.repeat(limit / 4) + 'x'.repeat(limit / 4);
    expect(
      await ingest(db, id, 'append', batchItems([{ pid: 'P3', name: atLimit }]), { maxCellBytes: limit }),
    ).toMatchObject({ accepted: 1 });
    const over = await refused(
      ingest(db, id, 'append', batchItems([{ pid: 'P4', name: atLimit + 'x' }]), { maxCellBytes: limit }),
    );
    expect(over.errors).toEqual([expect.objectContaining({ row: 1, field: 'name', rule: 'size-limit' })]);
    const cell = await refused(
      ingest(db, id, 'append', csvItems(Readable.from([`pid,name\nP5,${atLimit}x\n`]), compiled, limit), {
        maxCellBytes: limit,
      }),
    );
    expect(cell.errors).toEqual([expect.objectContaining({ row: 1, field: 'name', rule: 'size-limit' })]);
  });

  it('refuses duplicate and prototype-key CSV columns by name', async () => {
    const id = await newDataset();
    const compiled = compiledFor(await getDatasetRow(db, id));
    for (const [header, field, rule] of [
      ['pid,name,name', 'name', 'duplicate-column'],
      ['pid, name ,name', 'name', 'duplicate-column'],
      ['pid,name,__proto__', '__proto__', 'reserved-name'],
      ['pid,name,constructor', 'constructor', 'reserved-name'],
      ['prototype,pid,name', 'prototype', 'reserved-name'],
    ]) {
      const e = await ingest(db, id, 'append', csvItems(Readable.from([`${header}\nP1,x,y\n`]), compiled)).catch(
        (err) => err,
      );
      expect(e).toMatchObject({ code: 'BAD_USER_INPUT', details: { field, rule } });
      expect(e.message).toContain(`"${field}"`);
    }
    expect(await stored(id)).toBe(0);
  });

  it('decodes GB18030 and GBK uploads and refuses bytes not valid in the declared charset', async () => {
    const id = await newDataset();
    const compiled = compiledFor(await getDatasetRow(db, id));
    const text = 'pid,name\nP1,王芳\nP2,"欧阳, 𠀀娜"\n';
    const upload = (body: Buffer, contentType: string) =>
      streamItems(Readable.from([body]), streamUpload(contentType), compiled);
    expect(
      await ingest(db, id, 'append', upload(iconv.encode(text, 'gb18030'), 'text/csv; charset=GB18030')),
    ).toMatchObject({ accepted: 2 });
    expect(await ingest(db, id, 'append', upload(iconv.encode(text, 'gbk'), 'text/csv;charset="gbk"'))).toMatchObject({
      accepted: 2,
    });
    const names = (
      await db.select({ data: records.data }).from(records).where(eq(records.datasetId, id)).orderBy(records.id)
    ).map((r) => r.data.name);
    expect(names).toEqual(['王芳', '欧阳, 𠀀娜', '王芳', '欧阳, ?娜']); // GBK has no U+20000: iconv-lite wrote '?'
    // The same GB18030 bytes read as UTF-8 (the default) are refused, not stored as mojibake.
    const wrong = await ingest(db, id, 'append', upload(iconv.encode(text, 'gb18030'), 'text/csv')).catch((e) => e);
    expect(wrong).toMatchObject({ code: 'BAD_USER_INPUT', details: { rule: 'encoding', charset: 'utf-8', line: 1 } });
    expect(() => streamUpload('text/csv; charset=latin1')).toThrow(/charset "latin1" is not supported/);
    expect(() => streamUpload('text/')).toThrow(/content-type: must be text\/csv/);
    expect(await stored(id)).toBe(4);
  });

  it('refuses an unknown dataset', async () => {
    await expect(ingest(db, 'nope', 'append', batchItems([good(1)]))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('decodeText', () => {
  const decode = async (chunks: Buffer[], charset: string) => {
    let out = '';
    for await (const t of Readable.from(chunks).pipe(decodeText(charset))) out += t;
    return out;
  };
  const splitAt = (buf: Buffer, cuts: number[]) => {
    const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
    return [0, ...at].map((from, i) => buf.subarray(from, at[i] ?? buf.length));
  };

  it('gives back the text whatever the chunk boundaries, in GB18030 and UTF-8', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (text, cuts) => {
          for (const charset of ['gb18030', 'utf-8']) {
            const bytes = charset === 'utf-8' ? Buffer.from(text) : iconv.encode(text, charset);
            expect(await decode(splitAt(bytes, cuts), charset)).toBe(text.replace(/^\uFEFF/, ''));
          }
        },
      ),
    );
  });

  it('refuses invalid bytes, a truncated last character included', async () => {
    await expect(decode([Buffer.from([0x50, 0x81, 0x20])], 'gb18030')).rejects.toMatchObject({
      details: { rule: 'encoding' },
    });
    await expect(decode([Buffer.from('王'), Buffer.from('王').subarray(0, 2)], 'utf-8')).rejects.toMatchObject({
      details: { rule: 'encoding' },
    });
    await expect(decode([Buffer.from('a\nb\n'), Buffer.from([0xff])], 'utf-8')).rejects.toMatchObject({
      details: { line: 3 },
    });
  });
});
