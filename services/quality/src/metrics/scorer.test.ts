import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DatasetSchema, StoredRecord } from '@govshare/contracts';
import { DatasetScorer, scoreBatches } from './scorer.ts';
import { HashSet53 } from './hash-set.ts';
import { hash53, isMissing, normaliseText, normaliseValue } from './normalise.ts';
import { DEFAULT_RATES, residentBatches, residentSchema, type Truth } from '../testing/generate.ts';
import { blockKey, NearDuplicateIndex, similarity } from './near-duplicates.ts';

function generate(n: number, seed: number, rates = DEFAULT_RATES) {
  const truth: Truth[] = [];
  const records: StoredRecord[] = [];
  for (const b of residentBatches(n, seed, rates, 997, (t) => truth.push(t))) records.push(...b);
  return { records, truth };
}

const maskKey = randomBytes(32);
const input = { schema: residentSchema, keyFields: ['idNumber'], ruleSet: {}, maskKey };

describe('normalisation', () => {
  it('treats absent, null, blank and full-width blank strings as missing', () => {
    for (const v of [undefined, null, '', '  ', '\u3000', ' \u3000\t\n']) expect(isMissing(v)).toBe(true);
    for (const v of ['a', 0, false, ' x\u3000']) expect(isMissing(v)).toBe(false);
  });
  it('skipping normalize() for ASCII and CJK unified ideographs is exact (they are NFKC-stable)', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x4e00, max: 0x9fff })), {
          maxLength: 40,
        }),
        (codes) => {
          const s = String.fromCharCode(...codes);
          expect(s.normalize('NFKC')).toBe(s);
        },
      ),
      { numRuns: 2000 },
    );
    for (let c = 0x4e00; c <= 0x9fff; c++)
      expect(String.fromCharCode(c).normalize('NFKC')).toBe(String.fromCharCode(c));
  });

  it('normalises width, case and surrounding blanks; near-dup text also variants and punctuation', () => {
    expect(normaliseValue('\u3000ａｂｃ１２３ ')).toBe('ABC123');
    expect(normaliseText('北京市朝阳区 建国路８８號，3栋')).toBe(normaliseText('北京市朝阳区建国路88号3栋'));
  });
});

describe('DatasetScorer on generated resident records', () => {
  it('reports completeness for every field; the mean counts only the expected ones', async () => {
    const n = 2000;
    const { records } = generate(n, 5);
    const missing = (f: string) => records.filter((r) => isMissing(r.data[f])).length;
    // mobile is not expected (x-expected: false); name is expected by the rule set, as is a field outside the schema.
    const schema = {
      ...residentSchema,
      properties: {
        ...residentSchema.properties,
        mobile: { ...residentSchema.properties.mobile, 'x-expected': false },
      },
    };
    const bySchema = await scoreBatches({ ...input, schema }, [records]);
    expect(bySchema.completeness.expectedFields).not.toContain('mobile');
    expect(bySchema.completeness.fields.mobile).toEqual({
      missing: missing('mobile'),
      completeness: Math.round((1 - missing('mobile') / n) * 1e6) / 1e6,
    });
    expect(missing('mobile')).toBeGreaterThan(0);
    const byRules = await scoreBatches({ ...input, ruleSet: { expectedFields: ['name', 'faxNumber'] } }, [records]);
    expect(Object.keys(byRules.completeness.fields).sort()).toEqual(
      [...Object.keys(residentSchema.properties), 'faxNumber'].sort(),
    );
    for (const f of Object.keys(residentSchema.properties))
      expect(byRules.completeness.fields[f].missing, f).toBe(missing(f));
    expect(byRules.completeness.fields.faxNumber).toEqual({ missing: n, completeness: 0 });
    expect(byRules.completeness.value).toBeCloseTo((1 - missing('name') / n + 0) / 2, 6);
  });

  for (const seed of [1, 7, 42]) {
    it(`matches independently computed figures exactly (seed ${seed})`, async () => {
      const n = 6000;
      const { records, truth } = generate(n, seed);
      const m = await scoreBatches(input, residentBatches(n, seed, DEFAULT_RATES, 997));
      expect(m.records).toBe(n);

      // Completeness: recomputed naively per field.
      const fields = Object.keys(residentSchema.properties);
      const missing = (f: string) =>
        records.filter((r) => {
          const v = r.data[f];
          return v == null || (typeof v === 'string' && v.replace(/[\s\u3000]/g, '') === '');
        }).length;
      for (const f of fields) expect(m.completeness.fields[f].missing, f).toBe(missing(f));
      expect(m.completeness.fields.name.missing).toBe(truth.filter((t) => t.missingName).length);
      expect(m.completeness.fields.mobile.missing).toBe(truth.filter((t) => t.missingMobile).length);
      const expectedCompleteness = fields.reduce((s, f) => s + (1 - missing(f) / n), 0) / fields.length;
      expect(m.completeness.value).toBeCloseTo(expectedCompleteness, 6);

      // Key and exact duplicates: plain string sets of normalised values.
      const norm = (v: unknown) => (v == null ? '' : String(v).normalize('NFKC').trim().toUpperCase());
      const seenKeys = new Set<string>(),
        seenRows = new Set<string>();
      let keyDup = 0,
        exactDup = 0;
      for (const r of records) {
        const k = norm(r.data.idNumber);
        if (seenKeys.has(k)) keyDup++;
        else seenKeys.add(k);
        const row = JSON.stringify(fields.map((f) => norm(r.data[f])));
        if (seenRows.has(row)) exactDup++;
        else seenRows.add(row);
      }
      expect(m.uniqueness.keyDuplicates).toBe(keyDup);
      expect(m.uniqueness.keyDuplicates).toBeGreaterThanOrEqual(truth.filter((t) => t.keyDuplicate).length);
      expect(m.uniqueness.exactDuplicates).toBe(exactDup);
      expect(m.uniqueness.exactDuplicates).toBe(truth.filter((t) => t.exactDuplicate).length);
      expect(m.uniqueness.value).toBeCloseTo(1 - keyDup / n, 6);

      // Accuracy: from what the generator injected (bad check characters, cross-field disagreements).
      const invalid = truth.filter((t) => t.badCheck || t.crossMismatch).length;
      expect(invalid).toBeGreaterThan(n * 0.03);
      expect(m.accuracy.invalidRecords).toBe(invalid);
      const rule = (id: string) => m.accuracy.rules.find((r) => r.id === id)!;
      expect(rule('idNumber:cn-resident-id').failed).toBe(truth.filter((t) => t.badCheck).length);
      expect(rule('idNumber:cross-field').failed).toBe(truth.filter((t) => t.crossMismatch).length);
      expect(rule('mobile:cn-mobile').failed).toBe(0);
      expect(rule('gender:enum').failed).toBe(0);
      expect(m.examples['idNumber:cn-resident-id']).toHaveLength(5);
      for (const ex of m.examples['idNumber:cn-resident-id']) {
        expect(ex.key).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
        expect(ex.values.idNumber).toBe(ex.key);
      }

      // Near duplicates: every injected variant copy, nothing else (base addresses are far apart).
      const nd = m.nearDuplicates.address;
      expect(nd.nearDuplicates).toBe(truth.filter((t) => t.addressCopy).length);
      expect(nd.rate).toBeCloseTo(nd.nearDuplicates / n, 6);
      expect(nd.evictedBlocks).toBe(0);
      expect(nd.topClusters[0].size).toBeGreaterThan(1);
      expect(nd.topClusters[0].firstValue).toContain('*');

      // Score: 30/30/40 of the reported dimensions.
      const s = 100 * (0.3 * m.completeness.value + 0.3 * m.uniqueness.value + 0.4 * m.accuracy.value);
      expect(m.score.value).toBeCloseTo(Math.round(s * 100) / 100, 6);
    });
  }

  it('a missing optional value is not invalid; cross-field judges only what is present', () => {
    const s = new DatasetScorer(input);
    const rec = (data: Record<string, unknown>): StoredRecord => ({
      key: String(data.idNumber),
      version: 1,
      ingestedAt: '2026-01-01T00:00:00Z',
      data,
    });
    s.add([
      rec({
        idNumber: '11010519491231002X',
        name: '张三',
        gender: null,
        birthDate: '\u3000',
        address: '',
        mobile: null,
      }),
      rec({ idNumber: '11010519491231002X', name: '张三', gender: '女', birthDate: '1949-12-31' }),
      rec({ idNumber: '11010519491231002X', name: '张三', gender: '女', birthDate: '1949-12-30' }),
      rec({ idNumber: '110105194912310021', name: '张三', gender: '女', birthDate: '1949-12-30' }),
    ]);
    const m = s.finish();
    expect(m.accuracy.invalidRecords).toBe(2);
    expect(m.accuracy.rules.find((r) => r.kind === 'cross-field')!.problems).toEqual({ 'birth-date-mismatch': 1 });
    expect(m.uniqueness.keyDuplicates).toBe(2);
    expect(m.completeness.fields.mobile.missing).toBe(4);
  });

  it('reference, consistency and timeliness dimensions', async () => {
    const refSet = new HashSet53();
    refSet.add(hash53('A1'));
    const schema: DatasetSchema = {
      type: 'object',
      properties: {
        id: { type: 'string' },
        owner: { type: 'string', 'x-rule': { reference: { dataset: 'legal-persons', field: 'creditCode' } } },
        name: { type: 'string' },
      },
    };
    const { HashMap53 } = await import('./hash-set.ts');
    const cons = new HashMap53();
    cons.setIfAbsent(hash53('1'), hash53('ALICE'));
    cons.setIfAbsent(hash53('2'), hash53('BOB'));
    const s = new DatasetScorer({
      schema,
      keyFields: ['id'],
      asOf: '2026-11-26T00:00:00Z',
      maskKey,
      ruleSet: {
        consistency: [{ field: 'name', dataset: 'people', matchField: 'id' }],
        timeliness: { maxAgeDays: 30 },
        weights: { consistency: 20 },
      },
      refs: { sets: new Map([['owner:reference', refSet]]), consistency: new Map([[0, cons]]) },
    });
    s.add([
      { key: '1', version: 1, ingestedAt: '2026-11-20T00:00:00Z', data: { id: '1', owner: 'a1 ', name: 'alice' } },
      { key: '2', version: 1, ingestedAt: '2026-09-01T00:00:00Z', data: { id: '2', owner: 'B2', name: 'Robert' } },
      { key: '3', version: 1, ingestedAt: '2026-11-25T00:00:00Z', data: { id: '3', owner: null, name: 'Carol' } },
    ]);
    const m = s.finish();
    expect(m.accuracy.invalidRecords).toBe(1);
    expect(m.consistency).toMatchObject({ compared: 2, inconsistent: 1, value: 0.5 });
    expect(m.timeliness).toMatchObject({ stale: 1 });
    const d = m.score.dimensions;
    expect(m.score.value).toBeCloseTo(
      Math.round(
        ((100 * (30 * d.completeness + 30 * d.uniqueness + 40 * d.accuracy + 20 * d.consistency + 10 * d.timeliness)) /
          130) *
          100,
      ) / 100,
      6,
    );
  });
});

describe('near duplicates', () => {
  it('blocks on digit runs and clusters variants above the threshold', () => {
    expect(blockKey(normaliseText('北京市朝阳区建国路８８号3栋'))).toBe('88-3');
    expect(similarity('ABCDEFGHIJ', 'ABCDEFGHIX')).toBeCloseTo(0.9);
    const idx = new NearDuplicateIndex({ threshold: 0.85, maxBlocks: 2, maxRepsPerBlock: 2 });
    expect(idx.add('北京市朝阳区建国路88号3栋2单元501室', 'a')).toBe(false);
    expect(idx.add('北京市朝阳区建國路88號3棟2單元501室', 'b')).toBe(true);
    expect(idx.add('上海市徐汇区中山路88号3栋2单元501室', 'c')).toBe(false);
    expect(idx.add('北京市朝阳区建国道88号3栋2单元501室', 'd')).toBe(true);
    idx.add('x 1', 'e');
    idx.add('x 2', 'f'); // third block: evicts the oldest
    const r = idx.result();
    expect(r).toMatchObject({ clusters: 1, nearDuplicates: 2, evictedBlocks: 1 });
    expect(r.topClusters[0]).toMatchObject({ size: 3, firstKey: 'a' });
  });
});

describe('bounded memory', () => {
  it('scores 200k generated records holding hashes, not records', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    const m = await scoreBatches(
      { ...input, ruleSet: { nearDuplicates: { maxBlocks: 20_000 } } },
      residentBatches(200_000, 3, DEFAULT_RATES, 2000, undefined, false),
      (done) => {
        if (done % 20_000 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        }
      },
    );
    expect(m.records).toBe(200_000);
    // Records alone would be ~200k x 0.5 KB = 100 MB; hash tables + 20k near-dup blocks stay far below.
    expect(peak).toBeLessThan(60 * 1024 * 1024);
    expect(m.nearDuplicates.address.evictedBlocks).toBeGreaterThan(0);
  }, 120_000);
});
