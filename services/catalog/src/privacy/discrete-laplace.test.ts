import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDiscreteLaplace,
  cryptoRandomSource,
  discreteLaplaceHalfWidth,
  discreteLaplacePmf,
  randomSourceFromBytes,
  rationalFrom,
  sampleBernoulliExp,
  sampleDiscreteLaplace,
  type RandomSource,
  type Rational,
} from './discrete-laplace.ts';

// Seeded (SHA-256 in counter mode) through the same rejection sampler as the crypto default, so the
// statistical checks are reproducible and cannot flake in CI; each still fails on a wrong sampler.
function seeded(seed: string): RandomSource {
  let counter = 0;
  let block = new Uint8Array(0);
  let at = 0;
  return randomSourceFromBytes((count) => {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      if (at === block.length) {
        block = createHash('sha256').update(`${seed}:${counter++}`).digest();
        at = 0;
      }
      out[i] = block[at++]!;
    }
    return out;
  });
}

const N = 20_000;
const q = (t: number) => Math.exp(-1 / t);
const variance = (t: number) => (2 * q(t)) / (1 - q(t)) ** 2;
/** P(|X| ≥ m) = 2q^m/(1+q) for m ≥ 1. */
const tailFrom = (m: number, t: number) => (2 * q(t) ** m) / (1 + q(t));

/** Wilson–Hilferty approximation of the chi-square quantile at 0.999. */
function chiSquareQuantile999(df: number): number {
  const z = 3.090232; // standard normal 0.999 quantile
  const c = 2 / (9 * df);
  return df * (1 - c + z * Math.sqrt(c)) ** 3;
}

/** Chi-square goodness of fit of samples against the pmf at scale t: bins x in (-M, M), one bin |x| ≥ M. */
function chiSquare(samples: number[], t: number): { statistic: number; df: number } {
  let M = 1; // grow while both the new interior bins (±M) and the remaining tail expect ≥ 5
  while (N * discreteLaplacePmf(M, t) >= 5 && N * tailFrom(M + 1, t) >= 5) M++;
  const observed = new Map<number, number>();
  for (const x of samples) {
    const bin = Math.abs(x) >= M ? M : x; // M stands for the pooled tail
    observed.set(bin, (observed.get(bin) ?? 0) + 1);
  }
  let statistic = 0;
  const cell = (obs: number, exp: number) => (obs - exp) ** 2 / exp;
  for (let x = -M + 1; x < M; x++) statistic += cell(observed.get(x) ?? 0, N * discreteLaplacePmf(x, t));
  statistic += cell(observed.get(M) ?? 0, N * tailFrom(M, t));
  return { statistic, df: 2 * M - 1 };
}

const SCALES: Array<{ label: string; scale: Rational }> = [
  { label: '1/2', scale: { num: 1n, den: 2n } },
  { label: '1', scale: { num: 1n, den: 1n } },
  { label: '2', scale: { num: 2n, den: 1n } },
  { label: '7/3', scale: { num: 7n, den: 3n } },
];
const draw = (scale: Rational, seed: string) => {
  const rng = seeded(seed);
  return Array.from({ length: N }, () => Number(sampleDiscreteLaplace(scale, rng)));
};
const value = (r: Rational) => Number(r.num) / Number(r.den);

describe('sampleDiscreteLaplace', () => {
  for (const { label, scale } of SCALES) {
    it(`matches the pmf, is centred and has variance 2q/(1-q)^2 at scale ${label}`, () => {
      const t = value(scale);
      const samples = draw(scale, `scale ${label}`);
      expect(samples.every(Number.isInteger)).toBe(true);

      const { statistic, df } = chiSquare(samples, t);
      expect(statistic).toBeLessThan(chiSquareQuantile999(df));

      const mean = samples.reduce((a, b) => a + b, 0) / N;
      expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(variance(t) / N));

      // Standard error of the sample variance (known mean 0): sqrt((μ4 - σ^4) / N).
      let mu4 = 0;
      for (let x = 1; x < 60 * t + 60; x++) mu4 += 2 * x ** 4 * discreteLaplacePmf(x, t);
      const sampleVariance = samples.reduce((a, b) => a + b * b, 0) / N;
      expect(Math.abs(sampleVariance - variance(t))).toBeLessThan(4 * Math.sqrt((mu4 - variance(t) ** 2) / N));
    });
  }

  it('the goodness-of-fit check has power: samples of scale 11/10 fail against scale 1', () => {
    const { statistic, df } = chiSquare(draw({ num: 11n, den: 10n }, 'power'), 1);
    expect(statistic).toBeGreaterThan(chiSquareQuantile999(df));
  });

  it('uses node:crypto by default and adds the noise to the value', () => {
    const noisy = Array.from({ length: 200 }, () => addDiscreteLaplace(1000n, { num: 3n, den: 1n }));
    expect(noisy.every((v) => typeof v === 'bigint')).toBe(true);
    expect(new Set(noisy).size).toBeGreaterThan(5);
    const scale = { num: 1n, den: 1n };
    expect(addDiscreteLaplace(5n, scale, seeded('add'))).toBe(5n + sampleDiscreteLaplace(scale, seeded('add')));
  });

  it('rejects a scale that is not a positive rational', () => {
    expect(() => sampleDiscreteLaplace({ num: 0n, den: 1n })).toThrow(
      /scale must be a Rational with num > 0n and den > 0n/,
    );
    expect(() => sampleDiscreteLaplace({ num: 1n, den: 0n })).toThrow(RangeError);
    expect(() => sampleDiscreteLaplace({ num: -2n, den: 1n })).toThrow(RangeError);
  });
});

describe('sampleBernoulliExp', () => {
  const gammas: Rational[] = [
    { num: 0n, den: 1n },
    { num: 1n, den: 3n },
    { num: 1n, den: 1n },
    { num: 5n, den: 2n },
    { num: 10n, den: 3n },
  ];
  for (const gamma of gammas) {
    it(`is true with frequency exp(-${gamma.num}/${gamma.den})`, () => {
      const rng = seeded(`bernoulli ${gamma.num}/${gamma.den}`);
      const p = Math.exp(-value(gamma));
      let hits = 0;
      for (let i = 0; i < N; i++) if (sampleBernoulliExp(gamma, rng)) hits++;
      expect(Math.abs(hits / N - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / N));
    });
  }
});

describe('randomSourceFromBytes', () => {
  it('gives uniform integers below n, including n beyond 2^64, by rejection', () => {
    for (const n of [1n, 2n, 3n, 255n, 256n, 257n, 2n ** 64n + 13n]) {
      for (let i = 0; i < 50; i++) {
        const v = cryptoRandomSource.uniformBelow(n);
        expect(v >= 0n && v < n).toBe(true);
      }
    }
    const seen = new Set<bigint>();
    for (let i = 0; i < 200; i++) seen.add(cryptoRandomSource.uniformBelow(5n));
    expect(seen.size).toBe(5);
    expect(() => cryptoRandomSource.uniformBelow(0n)).toThrow(/n must be ≥ 1/);
  });
});

describe('discreteLaplaceHalfWidth', () => {
  const mass = (w: number, t: number) => {
    let sum = 0;
    for (let x = -w; x <= w; x++) sum += discreteLaplacePmf(x, t);
    return sum;
  };

  it('is the smallest w with P(|X| ≤ w) ≥ confidence', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 200, noNaN: true }),
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        (t, confidence) => {
          const w = discreteLaplaceHalfWidth(t, confidence);
          expect(Number.isInteger(w) && w >= 0).toBe(true);
          expect(mass(w, t)).toBeGreaterThanOrEqual(confidence - 1e-12);
          if (w > 0) expect(mass(w - 1, t)).toBeLessThan(confidence + 1e-12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives known values and rejects bad input', () => {
    expect(discreteLaplaceHalfWidth(1)).toBe(3); // P(|X| > 2) ≈ 0.073, P(|X| > 3) ≈ 0.027
    expect(discreteLaplaceHalfWidth(0.01)).toBe(0);
    expect(() => discreteLaplaceHalfWidth(0)).toThrow(/scale must be a finite number > 0/);
    expect(() => discreteLaplaceHalfWidth(1, 1)).toThrow(/confidence must be in \(0, 1\)/);
  });
});

describe('discreteLaplacePmf', () => {
  it('sums to 1 and is symmetric', () => {
    for (const t of [0.3, 1, 7 / 3, 50]) {
      let sum = 0;
      for (let x = -Math.ceil(80 * t); x <= Math.ceil(80 * t); x++) sum += discreteLaplacePmf(x, t);
      expect(sum).toBeCloseTo(1, 12);
      expect(discreteLaplacePmf(-4, t)).toBe(discreteLaplacePmf(4, t));
    }
    expect(discreteLaplacePmf(0.5, 1)).toBe(0);
  });
});

describe('rationalFrom', () => {
  it.each([0, -1, Number.NaN, Infinity, -Infinity])('rejects %s', (x) => {
    expect(() => rationalFrom(x)).toThrow(RangeError);
    expect(() => rationalFrom(x)).toThrow(/x must be a finite number > 0/);
  });

  it('rejects a maxDen below 1', () => {
    expect(() => rationalFrom(1, 0n)).toThrow(/maxDen must be a bigint ≥ 1n/);
  });

  it('gives the expected fractions', () => {
    expect(rationalFrom(0.5)).toEqual({ num: 1n, den: 2n });
    expect(rationalFrom(0.1)).toEqual({ num: 1n, den: 10n });
    expect(rationalFrom(2.5)).toEqual({ num: 5n, den: 2n });
    expect(rationalFrom(1 / 3)).toEqual({ num: 166_667n, den: 500_000n }); // 333334/10^6
    expect(rationalFrom(1e-300)).toEqual({ num: 1n, den: 1_000_000n }); // never rounds to 0
  });

  it('rounds up to within 1/maxDen, reduced (exact check)', () => {
    // x = m / 2^e exactly: doubling a double in this range is exact.
    const exact = (x: number) => {
      let m = x;
      let e = 0n;
      while (!Number.isInteger(m)) [m, e] = [m * 2, e + 1n];
      return { num: BigInt(m), den: 2n ** e };
    };
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1e9, noNaN: true }), fc.bigInt(1n, 10n ** 9n), (x, maxDen) => {
        const r = rationalFrom(x, maxDen);
        const ex = exact(x);
        expect(r.den <= maxDen && maxDen % r.den === 0n && gcd(r.num, r.den) === 1n).toBe(true);
        // r - x, scaled by den·ex.den: below 1/maxDen, and at least -x·2^-50 (the ulp slack).
        const diff = r.num * ex.den - ex.num * r.den;
        expect(diff * maxDen < r.den * ex.den).toBe(true);
        expect(diff * 2n ** 50n >= -ex.num * r.den).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
