import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isValidMobile,
  residentIdCheckChar,
  residentIdProblem,
  usccCheckChar,
  usccProblem,
  USCC_ALPHABET,
} from './check-chars.ts';

describe('resident ID (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('accepts published examples and rejects altered ones', () => {
    expect(residentIdProblem('11010519491231002X')).toBeNull();
    expect(residentIdProblem('11010519491231002x')).toBeNull();
    expect(residentIdProblem('440524188001010014')).toBeNull();
    expect(residentIdProblem('110105194912310021')).toBe('check-char');
    expect(residentIdProblem('440524188001010015')).toBe('check-char');
    expect(residentIdProblem('11010519491331002X')).toBe('birth-date');
    expect(residentIdProblem('11010519490230002X')).toBe('birth-date');
    expect(residentIdProblem('1101051949123100X')).toBe('length');
    expect(residentIdProblem('1101051949123A002X')).toBe('charset');
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
  });

  it('detects every single-character change of the check character', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99999 }),
        fc.integer({ min: 0, max: 20000 }),
        fc.integer({ min: 0, max: 999 }),
        (region, day, seq) => {
          const date = new Date(Date.UTC(1950, 0, 1) + day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
          const body = `1${String(region).padStart(5, '0')}${date}${String(seq).padStart(3, '0')}`;
          const good = residentIdCheckChar(body);
          expect(residentIdProblem(body + good)).toBeNull();
          for (const c of '0123456789X') if (c !== good) expect(residentIdProblem(body + c)).toBe('check-char');
        },
      ),
    );
  });
});

describe('unified social credit code (GB 32100)', () => {
  it('accepts real codes and rejects altered ones', () => {
    for (const c of ['91350100M000100Y43', '91110108551385082Q', '91440300708461136T', '914403001922038216'])
      expect(usccProblem(c)).toBeNull();
    expect(usccProblem('91350100M000100Y44')).toBe('check-char');
    expect(usccProblem('91110108551385082R')).toBe('check-char');
    expect(usccProblem('91350100M000100Y4')).toBe('length');
    expect(usccProblem('91350100O000100Y43')).toBe('charset'); // O is excluded
    for (const bad of 'IOZSV') expect(usccProblem('91350100M000100Y4' + bad)).toBe('charset');
    expect(usccProblem('9135A100M000100Y43')).toBe('region');
  });

  it('check character is always in the alphabet and any other last character fails', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 9, maxLength: 9 }),
        fc.integer({ min: 100000, max: 999999 }),
        (org, region) => {
          const body = `91${region}${org.map((i) => USCC_ALPHABET[i]).join('')}`;
          const good = usccCheckChar(body);
          expect(USCC_ALPHABET).toContain(good);
          expect(usccProblem(body + good)).toBeNull();
          for (const c of USCC_ALPHABET) if (c !== good) expect(usccProblem(body + c)).toBe('check-char');
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('mobile', () => {
  it('mobile: 11 digits starting with 1', () => {
    expect(isValidMobile('13812345678')).toBe(true);
    expect(isValidMobile('+8613812345678')).toBe(true);
    expect(isValidMobile('23812345678')).toBe(false);
    expect(isValidMobile('1381234567')).toBe(false);
  });
});
