// Exact discrete Laplace noise for differentially private counts and sums.
//
// Why exact: textbook Laplace noise drawn with floating point leaks the true value through the
// pattern of representable outputs (Mironov, "On Significance of the Least Significant Bits for
// Differential Privacy", CCS 2012). So the sampling path here uses only BigInt arithmetic and
// uniform integers, following Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential
// Privacy" (NeurIPS 2020): Algorithm 1 (Bernoulli(exp(-γ)) for rational γ) and Algorithm 2
// (discrete Laplace with rational scale). Floats appear only in the reporting helpers
// (discreteLaplacePmf, discreteLaplaceHalfWidth) and in rationalFrom's input.
import { randomBytes } from 'node:crypto';

/** A positive rational num/den (BigInt, so that no precision is lost). */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** A source of uniform integers; injectable so tests can run seeded. */
export interface RandomSource {
  /** A uniform integer in [0, n), n ≥ 1. */
  uniformBelow(n: bigint): bigint;
}

/**
 * A RandomSource over a stream of uniform bytes: draw just enough bytes for n - 1, keep that many
 * bits, retry if the value is ≥ n (rejection, so no modulo bias; fewer than 2 draws expected).
 */
export function randomSourceFromBytes(nextBytes: (count: number) => Uint8Array): RandomSource {
  return {
    uniformBelow(n: bigint): bigint {
      if (n < 1n) throw new RangeError(`uniformBelow: n must be ≥ 1 (got ${n})`);
      if (n === 1n) return 0n;
      const bits = (n - 1n).toString(2).length;
      const count = Math.ceil(bits / 8);
      const drop = BigInt(count * 8 - bits);
      for (;;) {
        const bytes = nextBytes(count);
        let v = 0n;
        for (let i = 0; i < count; i++) v = (v << 8n) | BigInt(bytes[i]!);
        v >>= drop;
        if (v < n) return v;
      }
    },
  };
}

// One randomBytes call per 4 KiB instead of one per draw (node's randomInt caches the same way).
function pooledCryptoBytes(): (count: number) => Uint8Array {
  const POOL = 4096;
  let pool = randomBytes(POOL);
  let at = 0;
  return (count) => {
    if (count > POOL) return randomBytes(count);
    if (at + count > POOL) {
      pool = randomBytes(POOL);
      at = 0;
    }
    at += count;
    return pool.subarray(at - count, at);
  };
}

/** The default source: node:crypto's CSPRNG. */
export const cryptoRandomSource: RandomSource = randomSourceFromBytes(pooledCryptoBytes());

function checkRational(r: Rational, what: string, allowZero: boolean): void {
  const ok =
    typeof r?.num === 'bigint' && typeof r?.den === 'bigint' && r.den > 0n && (allowZero ? r.num >= 0n : r.num > 0n);
  if (!ok) {
    throw new RangeError(
      `${what} must be a Rational with num ${allowZero ? '≥' : '>'} 0n and den > 0n (got ${r?.num}/${r?.den})`,
    );
  }
}

// Bernoulli(exp(-num/den)) for 0 ≤ num/den ≤ 1: with K the index of the first failure of
// Bernoulli(γ/1), Bernoulli(γ/2), …, P(K odd) = Σ (-γ)^k / k! = exp(-γ). (CKS20, Algorithm 1.)
function bernoulliExpAtMostOne(num: bigint, den: bigint, rng: RandomSource): boolean {
  let k = 1n;
  while (rng.uniformBelow(den * k) < num) k++;
  return k % 2n === 1n;
}

/** Exactly Bernoulli(exp(-γ)) for rational γ ≥ 0 (CKS20, Algorithm 1). */
export function sampleBernoulliExp(gamma: Rational, rng: RandomSource = cryptoRandomSource): boolean {
  checkRational(gamma, 'gamma', true);
  // γ > 1: exp(-γ) = exp(-1)^⌊γ⌋ · exp(-(γ - ⌊γ⌋)), each factor a γ ≤ 1 draw; stop at the first 0.
  for (let whole = gamma.num / gamma.den; whole > 0n; whole--) {
    if (!bernoulliExpAtMostOne(1n, 1n, rng)) return false;
  }
  return bernoulliExpAtMostOne(gamma.num % gamma.den, gamma.den, rng);
}

/**
 * One exact draw X with P(X = x) ∝ exp(-|x| / scale) over the integers (CKS20, Algorithm 2).
 * With scale = t/s: X' = U + t·V (U uniform in [0, t) kept with probability exp(-U/t), V geometric
 * with ratio exp(-1)) is geometric with ratio exp(-1/t); ⌊X'/s⌋ is then geometric with ratio
 * exp(-s/t); a random sign, rejecting "-0" so zero is not counted twice, makes it two-sided.
 */
export function sampleDiscreteLaplace(scale: Rational, rng: RandomSource = cryptoRandomSource): bigint {
  checkRational(scale, 'scale', false);
  const { num: t, den: s } = scale;
  for (;;) {
    const u = rng.uniformBelow(t);
    if (!bernoulliExpAtMostOne(u, t, rng)) continue;
    let v = 0n;
    while (bernoulliExpAtMostOne(1n, 1n, rng)) v++;
    const y = (u + t * v) / s;
    const negative = rng.uniformBelow(2n) === 1n;
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** value + discrete Laplace noise of the given scale (for ε-DP: scale = sensitivity / ε). */
export function addDiscreteLaplace(value: bigint, scale: Rational, rng: RandomSource = cryptoRandomSource): bigint {
  return value + sampleDiscreteLaplace(scale, rng);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * A positive finite float (e.g. sensitivity/epsilon) as a Rational on the grid k/maxDen (reduced),
 * within 1/maxDen of x. Rounds up: a smaller scale than asked would be less noise than the privacy
 * budget assumes. The float is decoded exactly (mantissa · 2^exponent); the only slack is that a
 * grid point a relative 2^-50 (a few ulps) below x counts as x, so that 0.1, stored as
 * 0.1000000000000000055…, gives 1/10 and not 100001/1000000: that excess is the float's own
 * rounding, not a request for more noise.
 */
export function rationalFrom(x: number, maxDen = 1_000_000n): Rational {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new RangeError(`rationalFrom: x must be a finite number > 0 (got ${x})`);
  }
  if (typeof maxDen !== 'bigint' || maxDen < 1n) {
    throw new RangeError(`rationalFrom: maxDen must be a bigint ≥ 1n (got ${maxDen})`);
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  // x = mantissa · 2^exponent exactly (subnormals have no implicit leading 1).
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  // a = x · maxDen = scaled / 2^shift; take its ceiling, or the grid point just below when x is
  // only a few ulps (relative 2^-50) above it.
  const scaled = mantissa * maxDen;
  const shift = BigInt(-exponent);
  let num = scaled << (shift < 0n ? -shift : 0n);
  if (shift > 0n) {
    const floor = scaled >> shift;
    const exact = floor << shift === scaled;
    num = exact || (scaled - (floor << shift)) * (1n << 50n) <= scaled ? floor : floor + 1n;
  }
  if (num === 0n) num = 1n; // x below 1/maxDen: the smallest positive grid point
  const g = gcd(num, maxDen);
  return { num: num / g, den: maxDen / g };
}

function checkScale(scale: number, what: string): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`${what}: scale must be a finite number > 0 (got ${scale})`);
  }
}

/** P(X = x) for the discrete Laplace of this scale: (1-q)/(1+q) · q^|x| with q = exp(-1/scale). */
export function discreteLaplacePmf(x: number, scale: number): number {
  checkScale(scale, 'discreteLaplacePmf');
  if (!Number.isInteger(x)) return 0;
  // (1-q)/(1+q) = tanh(1/(2·scale)), which keeps precision when q is close to 1.
  return Math.tanh(1 / (2 * scale)) * Math.exp(-Math.abs(x) / scale);
}

/**
 * The smallest integer w ≥ 0 with P(|X| ≤ w) ≥ confidence, for reporting the noise's spread
 * ("± w at 95%"). Uses P(|X| > w) = 2q^(w+1)/(1+q); floats are fine here, nothing is sampled.
 */
export function discreteLaplaceHalfWidth(scale: number, confidence = 0.95): number {
  checkScale(scale, 'discreteLaplaceHalfWidth');
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(`discreteLaplaceHalfWidth: confidence must be in (0, 1) (got ${confidence})`);
  }
  const q = Math.exp(-1 / scale);
  const tail = (w: number) => (2 * Math.exp(-(w + 1) / scale)) / (1 + q);
  const allowed = 1 - confidence;
  // Solve tail(w) ≤ allowed for w, then correct the rounding of the closed form by a step.
  let w = Math.max(0, Math.ceil(-scale * Math.log((allowed * (1 + q)) / 2)) - 1);
  while (tail(w) > allowed) w++;
  while (w > 0 && tail(w - 1) <= allowed) w--;
  return w;
}
