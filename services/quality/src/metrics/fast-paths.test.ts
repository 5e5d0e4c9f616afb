import { randomBytes } from 'node:crypto';
// The scorer's shortcuts must give exactly what the plain definitions give.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StoredRecord } from '@govshare/contracts';
import {
  ADDRESS_UNITS,
  Hash53Stream,
  hash53,
  isMissing,
  isNormalForm,
  normaliseText,
  normaliseValue,
  VARIANT_CHARS,
} from './normalise.ts';
import { blockKey, blockMapKey, NearDuplicateIndex, NumberSlots } from './near-duplicates.ts';
import { DatasetScorer } from './scorer.ts';
import { WorkerScorer } from './worker-scorer.ts';
import { HashMap53, HashSet53 } from './hash-set.ts';
import { parseDate } from '../rules/rules.ts';
import { DEFAULT_RATES, residentBatches, residentSchema } from '../testing/generate.ts';

// The definitions, written plainly.
const NEEDS_NFKC = /[^\x00-\x7f\u4e00-\u9fff]/;
const plainValue = (v: unknown) => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.normalize('NFKC').trim().toUpperCase();
};
const VARIANT_RE = new RegExp(`[${Object.keys(VARIANT_CHARS).join('')}]`, 'g');
/** Chinese numerals written the standard way for 1..9999, read by place value (八十八 = 8×10 + 8). */
const STANDARD_NUMERALS = new Map<string, string>();
{
  const d = '零一二三四五六七八九';
  for (let n = 1; n <= 9999; n++) {
    const places = [Math.floor(n / 1000), Math.floor(n / 100) % 10, Math.floor(n / 10) % 10, n % 10];
    let out = '';
    let zero = false;
    places.forEach((p, i) => {
      if (p === 0) {
        zero = out !== '';
        return;
      }
      if (zero) out += '零';
      zero = false;
      out += (i === 2 && p === 1 && out === '' ? '' : d[p]) + ['千', '百', '十', ''][i];
    });
    STANDARD_NUMERALS.set(out, String(n));
  }
}
const plainNumeral = (run: string) => {
  if (!/[十百千]/.test(run))
    return [...run].map((c) => '零一二三四五六七八九'.indexOf(c === '〇' ? '零' : c === '两' ? '二' : c)).join('');
  return STANDARD_NUMERALS.get(run.replace(/两/g, '二').replace(/〇/g, '零')) ?? run;
};
const plainText = (v: unknown) => {
  if (v == null || (typeof v === 'string' && v.trim() === '')) return '';
  const s = (typeof v === 'string' ? v : String(v))
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\p{P}\p{S}]/gu, '');
  return s
    .replace(new RegExp(`[零〇一二两三四五六七八九十百千]+(?=[${ADDRESS_UNITS}])`, 'g'), plainNumeral)
    .replace(VARIANT_RE, (c) => VARIANT_CHARS[c]);
};
const plainBlockKey = (t: string) => t.match(/\d+/g)?.join('-') ?? t.slice(0, 4);
const plainParseDate = (v: unknown) => {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)/.exec(v.trim()) ?? /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(v.trim());
  if (!m) return null;
  const y = +m[1],
    mo = +m[2],
    d = +m[3];
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999 (0000-02-29 exists, 1900-02-29 does not).
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(y, mo, 0);
  const ok = mo >= 1 && mo <= 12 && d >= 1 && d <= lastDay.getUTCDate();
  return ok ? `${m[1]}-${m[2]}-${m[3]}` : null;
};

// Strings mixing the characters the shortcuts single out.
const pieces = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '\u3000',
  '\t',
  '-',
  '#',
  '，',
  '号',
  '號',
  '区',
  '區',
  '〇',
  'ａ',
  '１',
  'é',
  'ß',
  'ﬁ',
  '北',
  '京',
  '\u4e00',
  '\u9fff',
  '\ufeff',
  '.',
  '/',
  'x',
  '一',
  '二',
  '两',
  '八',
  '九',
  '十',
  '百',
  '千',
  '零',
  '单',
  '室',
  '栋',
];
const mixed = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((a) => a.join(''));
const anyString = fc.oneof(mixed, fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));

describe('fast paths equal the definitions', () => {
  it('normaliseValue and normaliseText', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(normaliseValue(s)).toBe(plainValue(s));
        expect(normaliseText(s)).toBe(plainText(s));
        if (isNormalForm(s)) {
          expect(plainValue(s)).toBe(s);
          expect(isMissing(s)).toBe(false);
        }
      }),
      { numRuns: 5000 },
    );
    for (const v of [null, undefined, 12, true, { a: 'b' }, ['x']]) expect(normaliseValue(v)).toBe(plainValue(v));
    expect(NEEDS_NFKC.test('ａ')).toBe(true);
  });

  it('Chinese numerals before address units read as digits', () => {
    expect(['朝阳路八十八号', '朝阳路88号'].map(normaliseText)).toEqual(['朝阳路88号', '朝阳路88号']);
    expect(normaliseText('三单元五〇一室 十二 栋 两百号')).toBe('3单元501室12栋200号');
    expect(normaliseText('三里屯百千号')).toBe('三里屯百千号'); // not a number written the standard way
    const numeral = fc
      .integer({ min: 1, max: 9999 })
      .map((n) => [...STANDARD_NUMERALS].find(([, v]) => v === String(n))![0]);
    fc.assert(
      fc.property(numeral, fc.constantFrom(...ADDRESS_UNITS), (zh, unit) => {
        expect(normaliseText(`路${zh}${unit}`)).toBe(normaliseText(`路${STANDARD_NUMERALS.get(zh)}${unit}`));
      }),
      { numRuns: 500 },
    );
  });

  it('blockKey', () => {
    fc.assert(
      fc.property(fc.oneof(mixed, fc.string({ maxLength: 20 })), (s) => {
        expect(blockKey(s)).toBe(plainBlockKey(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('blockMapKey: same key exactly when blockKey is the same', () => {
    const digitsy = fc
      .array(fc.constantFrom('0', '1', '9', '10', '99', '号', '-', 'A', '12345678'), { maxLength: 12 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(digitsy, digitsy, (a, b) => {
        expect(blockMapKey(a) === blockMapKey(b)).toBe(blockKey(a) === blockKey(b));
        const k = blockMapKey(a);
        if (typeof k === 'string') expect(k).toBe(blockKey(a));
      }),
      { numRuns: 20000 },
    );
    expect(blockMapKey('1号2栋')).not.toBe(blockMapKey('12栋'));
    expect(blockMapKey('0号')).not.toBe(blockMapKey('00号'));
  });

  it('NumberSlots behaves as a Map under heavy set/delete traffic (backward-shift deletion)', () => {
    const op = fc.tuple(
      fc.constantFrom('set', 'set', 'delete', 'get'),
      fc.integer({ min: 1, max: 3000 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4000 }), (ops) => {
        const slots = new NumberSlots();
        const ref = new Map<number, number>();
        ops.forEach(([kind, k0, big], i) => {
          const k = big ? k0 * 4294967296 + 7 : k0; // keys differing only in their high bits, too
          if (kind === 'set') {
            slots.set(k, i);
            ref.set(k, i);
          } else if (kind === 'delete') {
            slots.delete(k);
            ref.delete(k);
          } else expect(slots.get(k)).toBe(ref.get(k));
        });
        expect(slots.size).toBe(ref.size);
        for (const [k, v] of ref) expect(slots.get(k)).toBe(v);
      }),
      { numRuns: 100 },
    );
  });

  it('parseDate', () => {
    const date = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.constantFrom('-', '/', ''),
        fc.constantFrom('', ' ', 'T00:00Z', 'x'),
      )
      .map(
        ([y, m, d, sep, tail]) =>
          `${String(y).padStart(4, '0')}${sep}${String(m).padStart(2, '0')}${sep}${String(d).padStart(2, '0')}${tail}`,
      );
    fc.assert(
      fc.property(fc.oneof(date, fc.string({ maxLength: 12 })), (s) => {
        expect(parseDate(s)).toBe(plainParseDate(s));
      }),
      { numRuns: 5000, examples: [['0000-02-29'], ['0004-02-29'], ['1900-02-29'], ['2000-02-29']] },
    );
  });

  it('streamed hashes equal hash53 of the concatenation', () => {
    fc.assert(
      fc.property(fc.array(anyString, { maxLength: 6 }), (parts) => {
        const h = new Hash53Stream();
        h.start();
        parts.forEach((p, i) => {
          if (i > 0) h.char(1);
          h.update(p);
        });
        expect(h.digest()).toBe(hash53(parts.join('\u0001')));
      }),
    );
  });

  it('near-duplicate index keeps creation order across ring wrap-around and representative eviction', () => {
    // Reference: the plain Map-of-arrays version of the same algorithm.
    const reference = (values: string[], maxBlocks: number, maxReps: number) => {
      const blocks = new Map<string, { text: string; key: string; raw: string; size: number }[]>();
      const top: { size: number; firstKey: string; firstValue: string }[] = [];
      const offer = (r: { key: string; raw: string; size: number }) => {
        if (r.size < 2) return;
        if (top.length < 10 || r.size > top[top.length - 1].size) {
          top.push({ size: r.size, firstKey: r.key, firstValue: r.raw });
          top.sort((a, b) => b.size - a.size);
          if (top.length > 10) top.pop();
        }
      };
      let near = 0;
      values.forEach((v, i) => {
        const text = plainText(v);
        if (!text) return;
        const bk = plainBlockKey(text);
        let reps = blocks.get(bk);
        if (reps) {
          const hit = reps.find(
            (r) =>
              Math.min(r.text.length, text.length) / Math.max(r.text.length, text.length) >= 0.8 &&
              (r.text === text || 1 - lev(r.text, text) / Math.max(r.text.length, text.length) >= 0.8),
          );
          if (hit) {
            hit.size++;
            near++;
            return;
          }
        } else {
          if (blocks.size >= maxBlocks) {
            const oldest = blocks.keys().next().value!;
            blocks.get(oldest)!.forEach(offer);
            blocks.delete(oldest);
          }
          reps = [];
          blocks.set(bk, reps);
        }
        if (reps.length >= maxReps) offer(reps.shift()!);
        reps.push({ text, key: `k${i}`, raw: v, size: 1 });
      });
      for (const reps of blocks.values()) reps.forEach(offer);
      return { near, top };
    };
    const lev = (a: string, b: string) => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
      for (let j = 1; j <= b.length; j++) d[0][j] = j;
      for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
          d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      return d[a.length][b.length];
    };
    const value = fc
      .tuple(
        fc.constantFrom('路', '道', '街'),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('', 'A', 'AB', 'ABCD'),
        fc.integer({ min: 1, max: 3 }),
      )
      .map(([road, n, tail, m]) => `${road}${tail}${n}号${m}栋`);
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 80 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (values, maxBlocks, maxReps) => {
          const idx = new NearDuplicateIndex({ threshold: 0.8, maxBlocks, maxRepsPerBlock: maxReps });
          values.forEach((v, i) => idx.add(v, `k${i}`));
          const r = idx.result();
          const ref = reference(values, maxBlocks, maxReps);
          expect(r.nearDuplicates).toBe(ref.near);
          expect(r.topClusters).toEqual(ref.top);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('WorkerScorer', () => {
  it('gives the same metrics as DatasetScorer, from record batches, NDJSON text and columns, with reference data', async () => {
    const refSet = new HashSet53();
    const cons = new HashMap53();
    const input = () => ({
      schema: residentSchema,
      keyFields: ['idNumber'],
      asOf: '2026-11-26T00:00:00Z',
      maskKey: randomBytes(32),
      ruleSet: {
        rules: [{ kind: 'reference' as const, field: 'name', dataset: 'names', targetField: 'name' }],
        consistency: [{ field: 'gender', dataset: 'people', matchField: 'idNumber' }],
        timeliness: { maxAgeDays: 30 },
      },
      refs: { sets: new Map([['name:reference', refSet]]), consistency: new Map([[0, cons]]) },
    });
    const batches: StoredRecord[][] = [...residentBatches(20_000, 5, DEFAULT_RATES, 1000)];
    for (const b of batches.slice(0, 3))
      for (const r of b) {
        refSet.add(hash53(normaliseValue(r.data.name)));
        cons.setIfAbsent(
          hash53(normaliseValue(r.data.idNumber)),
          hash53(r.key.endsWith('1') ? 'X' : normaliseValue(r.data.gender)),
        );
      }
    const local = new DatasetScorer(input());
    const viaRecords = new WorkerScorer(input());
    const viaText = new WorkerScorer(input(), { maxInFlight: 2 });
    const viaColumns = new WorkerScorer(input());
    for (const b of batches) {
      local.add(b);
      await viaRecords.add(b);
      await viaText.addNdjson(b.map((r) => JSON.stringify(r)).join('\n') + '\n', b.length);
      await viaColumns.addColumns({
        keys: b.map((r) => r.key),
        versions: b.map((r) => r.version),
        ingestedAt: b.map((r) => r.ingestedAt),
        data: b.map((r) => JSON.stringify(r.data)),
      });
    }
    const expected = local.finish();
    expect(expected.consistency!.inconsistent).toBeGreaterThan(0);
    expect(expected.accuracy.rules.find((r) => r.kind === 'reference')!.failed).toBeGreaterThan(0);
    expect(await viaRecords.finish()).toEqual(expected);
    expect(await viaText.finish()).toEqual(expected);
    expect(await viaColumns.finish()).toEqual(expected);
    expect(viaText.processed).toBe(20_000);
  }, 60_000);

  it('reports a bad input line as a failed add or finish', async () => {
    const s = new WorkerScorer(
      { schema: residentSchema, keyFields: ['idNumber'], ruleSet: {}, maskKey: randomBytes(32) },
      { maxInFlight: 1 },
    );
    const outcome = (async () => {
      await s.addNdjson('{"key":\n', 1);
      await s.addNdjson('{"key":"a","version":1,"ingestedAt":"2026-01-01T00:00:00Z","data":{}}\n', 1);
      return s.finish();
    })();
    await expect(outcome).rejects.toThrow(/quality scoring worker/);
    await s.close();
  });
});
