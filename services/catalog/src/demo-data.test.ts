import { describe, expect, it } from 'vitest';
import { compileDatasetSchema } from './data-dictionary.ts';
import {
  createRng,
  creditCodeCheckChar,
  DEMO_DATASETS,
  DEMO_SCHEMAS,
  generateDemoRows,
  isValidCreditCode,
  isValidResidentId,
  makeCreditCode,
  makeResidentId,
  residentIdCheckChar,
} from './demo-data.ts';

const normalizeAddress = (a: string) =>
  a
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/號/g, '号')
    .replace(/路口/g, '路')
    .replace(/[\s\u3000]/g, '');

describe('check characters', () => {
  it('match the published examples of GB 11643 and GB 32100', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('110105194912310021')).toBe(false);
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3');
    expect(isValidCreditCode('91350100M000100Y43')).toBe(true);
  });

  it('generated codes carry valid check characters and the sex digit', () => {
    const rng = createRng(7);
    for (let i = 0; i < 200; i++) {
      const male = rng.chance(0.5);
      const id = makeResidentId('330106', '1988-02-29', rng.int(0, 999), male);
      expect(isValidResidentId(id)).toBe(true);
      expect(Number(id[16]) % 2 === 1).toBe(male);
      expect(isValidCreditCode(makeCreditCode(rng, '330108'))).toBe(true);
    }
  });
});

describe('demo rows', () => {
  const rows = generateDemoRows(1);

  it('are deterministic, large enough and scale down', () => {
    const total = Object.values(rows).reduce((n, r) => n + r.length, 0);
    expect(total).toBeGreaterThanOrEqual(10_000);
    const small = generateDemoRows(0.1);
    expect(generateDemoRows(0.1)).toEqual(small);
    expect(small['resident-registry'].length).toBeGreaterThan(450);
    expect(small['resident-registry'].length).toBeLessThan(600);
    expect(DEMO_DATASETS.map((d) => [d.id, d.tier])).toEqual([
      ['resident-registry', 'INTERNAL'],
      ['legal-persons', 'PUBLIC'],
      ['business-licences', 'INTERNAL'],
      ['social-insurance', 'RESTRICTED'],
      ['subsidies', 'RESTRICTED'],
      ['medical-insurance', 'SECRET'],
    ]);
  });

  it('are well-shaped for their data dictionaries', () => {
    for (const d of DEMO_DATASETS) {
      const { validate } = compileDatasetSchema(DEMO_SCHEMAS[d.id].schema);
      for (const r of rows[d.id]) expect(validate(r) || validate.errors).toBe(true);
    }
  });

  it('are dirty in the documented ways', () => {
    const residents = rows['resident-registry'];
    const badIds = residents.filter((r) => !isValidResidentId(r.idNumber as string)).length / residents.length;
    expect(badIds).toBeGreaterThan(0.015);
    expect(badIds).toBeLessThan(0.06);
    const genderMismatch =
      residents.filter((r) => (Number((r.idNumber as string)[16]) % 2 === 1 ? '男' : '女') !== r.gender).length /
      residents.length;
    expect(genderMismatch).toBeGreaterThan(0.005);
    expect(genderMismatch).toBeLessThan(0.05);
    const birthMismatch =
      residents.filter((r) => (r.idNumber as string).slice(6, 14) !== (r.birthDate as string).replaceAll('-', ''))
        .length / residents.length;
    expect(birthMismatch).toBeGreaterThan(0.01);
    expect(birthMismatch).toBeLessThan(0.08);
    // ~15% of addresses are another row's address written differently.
    const byNormal = new Map<string, Set<string>>();
    for (const r of residents) {
      const n = normalizeAddress(r.address as string);
      byNormal.set(n, (byNormal.get(n) ?? new Set()).add(r.address as string));
    }
    const variants =
      [...byNormal.values()].filter((s) => s.size > 1).reduce((n, s) => n + s.size - 1, 0) / residents.length;
    expect(variants).toBeGreaterThan(0.08);
    expect(variants).toBeLessThan(0.25);
    expect(residents.some((r) => /[０-９]/.test(r.address as string))).toBe(true);
    expect(residents.some((r) => (r.address as string).includes('\u3000'))).toBe(true);
    const blankMobiles =
      residents.filter((r) => typeof r.mobile !== 'string' || !r.mobile.trim()).length / residents.length;
    expect(blankMobiles).toBeGreaterThan(0.03);
    expect(blankMobiles).toBeLessThan(0.08);
    const keys = residents.map((r) => r.idNumber);
    expect(new Set(keys).size).toBeLessThan(keys.length); // duplicate registrations
    const badCodes =
      rows['legal-persons'].filter((r) => !isValidCreditCode(r.creditCode as string)).length /
      rows['legal-persons'].length;
    expect(badCodes).toBeGreaterThan(0.015);
    expect(badCodes).toBeLessThan(0.06);
  });

  it('key a social-insurance record by the person and the insurance type, each key once', () => {
    const { keyFields } = compileDatasetSchema(DEMO_SCHEMAS['social-insurance'].schema);
    expect(keyFields).toEqual(['idNumber', 'insuranceType']);
    for (const scale of [1, 0.1, 3]) {
      const rows = generateDemoRows(scale)['social-insurance'];
      const keys = rows.map((r) => `${r.idNumber}|${r.insuranceType}`);
      expect(new Set(keys).size, `scale ${scale}`).toBe(keys.length);
      // Still several types per person: the ID number alone would repeat.
      expect(new Set(rows.map((r) => r.idNumber)).size).toBeLessThan(rows.length * 0.7);
    }
  });

  it('share people across departments', () => {
    const registry = new Set(rows['resident-registry'].map((r) => r.idNumber));
    for (const id of ['social-insurance', 'subsidies', 'medical-insurance'] as const) {
      const shared = rows[id].filter((r) => registry.has(r.idNumber)).length / rows[id].length;
      expect(shared).toBeGreaterThan(0.85);
      expect(shared).toBeLessThan(1);
    }
    const companies = new Set(rows['legal-persons'].map((r) => r.creditCode));
    expect(
      rows['business-licences'].filter((r) => companies.has(r.creditCode)).length / rows['business-licences'].length,
    ).toBeGreaterThan(0.9);
  });
});
