// Normalisation shared by every metric; the definitions are in docs/quality.md.
import nzhcn from 'nzh/cn';

// ASCII and CJK Unified Ideographs (U+4E00-U+9FFF) are NFKC-stable: only other text needs normalize().
const NEEDS_NFKC = /[^\x00-\x7f\u4e00-\u9fff]/;

/** Missing: absent, null, or a string that is empty after trimming whitespace (String.trim covers U+3000 and U+FEFF). */
export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  return false;
}

/**
 * Characters every normalisation leaves as they are, wherever they stand: ASCII 0x21-0x7e except a-z,
 * and CJK Unified Ideographs (NFKC-stable, caseless, not whitespace). `+ space` also allows interior
 * ASCII blanks (trim only touches the ends).
 */
const STABLE = new Uint8Array(0x10000);
for (let c = 0x21; c <= 0x7e; c++) if (c < 0x61 || c > 0x7a) STABLE[c] = 1;
STABLE.fill(1, 0x4e00, 0xa000);
STABLE[0x20] = 2; // stable inside a string, trimmed at its ends

/**
 * True when `v` is its own normalised value and not missing: stable characters only, neither
 * starting nor ending with a blank, not empty (a sufficient test, not a necessary one).
 */
export function isNormalForm(v: string): boolean {
  const n = v.length;
  if (n === 0 || STABLE[v.charCodeAt(0)] !== 1 || STABLE[v.charCodeAt(n - 1)] !== 1) return false;
  for (let i = 1; i < n - 1; i++) if (STABLE[v.charCodeAt(i)] === 0) return false;
  return true;
}

/** Normalised value: Unicode NFKC, trimmed, upper-cased. Non-strings are JSON-encoded first. Missing -> ''. */
export function normaliseValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  // Fast path (exact): a string of stable characters that neither starts nor ends with a blank is its own normal form.
  if (typeof v === 'string' && isNormalForm(v)) return v;
  let s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (NEEDS_NFKC.test(s)) s = s.normalize('NFKC');
  return s.trim().toUpperCase();
}

/** Variant (traditional / old-form) characters common in addresses, mapped to the standard form. */
export const VARIANT_CHARS: Record<string, string> = {
  號: '号',
  樓: '楼',
  區: '区',
  縣: '县',
  鎮: '镇',
  鄉: '乡',
  門: '门',
  單: '单',
  棟: '栋',
  層: '层',
  東: '东',
  廣: '广',
  場: '场',
  園: '园',
  莊: '庄',
  灣: '湾',
  濱: '滨',
  橋: '桥',
  廈: '厦',
  國: '国',
  華: '华',
  陽: '阳',
  衚: '胡',
  衕: '同',
  裡: '里',
  裏: '里',
  臺: '台',
  雲: '云',
  嶺: '岭',
  龍: '龙',
  興: '兴',
  豐: '丰',
  寧: '宁',
  長: '长',
  關: '关',
  業: '业',
  開: '开',
  發: '发',
  〇: '0',
};
const VARIANT_RE = new RegExp(`[${Object.keys(VARIANT_CHARS).join('')}]`, 'g');
const STRIP_RE = /[\s\p{P}\p{S}]/gu;

/**
 * A number written in Chinese directly before an address unit (八十八号, 三单元, 五〇一室, 十二栋), so
 * that it reads the same as the digits and lands in the same block (88号, 3单元, 501室, 12栋).
 */
const NUMERAL_CHARS = '零〇一二两三四五六七八九十百千';
export const ADDRESS_UNITS = '号號栋棟幢楼樓层層单單室弄巷排组組座';
const ADDRESS_NUMERAL_RE = new RegExp(`[${NUMERAL_CHARS}]+(?=[${ADDRESS_UNITS}])`, 'g');
const CN_DIGIT: Record<string, string> = {
  零: '0',
  〇: '0',
  一: '1',
  二: '2',
  两: '2',
  三: '3',
  四: '4',
  五: '5',
  六: '6',
  七: '7',
  八: '8',
  九: '9',
};

/**
 * 五〇一 -> 501 (digit by digit); 八十八 -> 88, 一百零三 -> 103, 两百 -> 200 (place value, read by nzh,
 * converted only when written the standard way, i.e. as nzh writes that number back; anything
 * else, such as 百千, is left as it is).
 */
export function chineseNumeralToDigits(run: string): string {
  if (!/[十百千]/.test(run)) {
    let out = '';
    for (const c of run) out += CN_DIGIT[c];
    return out;
  }
  const standard = run.replace(/两/g, '二').replace(/〇/g, '零');
  const value = nzhcn.decodeS(standard);
  return nzhcn.encodeS(value) === standard ? String(value) : run;
}

/** Characters normaliseText keeps unchanged: 0-9, A-Z and CJK Unified Ideographs that are not variants. */
const TEXT_STABLE = new Uint8Array(0x10000);
TEXT_STABLE.fill(1, 0x30, 0x3a);
TEXT_STABLE.fill(1, 0x41, 0x5b);
TEXT_STABLE.fill(1, 0x4e00, 0xa000);
for (const c of Object.keys(VARIANT_CHARS)) TEXT_STABLE[c.charCodeAt(0)] = 0;
// A numeral is stable unless a unit follows it: 2 = "look at the next character".
for (const c of NUMERAL_CHARS) if (TEXT_STABLE[c.charCodeAt(0)] === 1) TEXT_STABLE[c.charCodeAt(0)] = 2;
const IS_UNIT = new Uint8Array(0x10000);
for (const c of ADDRESS_UNITS) IS_UNIT[c.charCodeAt(0)] = 1;

/**
 * Normalised text for near-duplicate comparison: NFKC, upper-case, whitespace and punctuation removed,
 * Chinese numerals before an address unit as digits, variant characters mapped.
 */
export function normaliseText(v: unknown): string {
  if (typeof v === 'string') {
    // Fast path (exact): nothing to convert, map, fold or strip.
    const n = v.length;
    let i = 0;
    for (; i < n; i++) {
      const t = TEXT_STABLE[v.charCodeAt(i)];
      if (t === 1 || (t === 2 && !IS_UNIT[v.charCodeAt(i + 1)])) continue;
      break;
    }
    if (i === n && n > 0) return v;
  }
  if (isMissing(v)) return '';
  let s = typeof v === 'string' ? v : String(v);
  s = (NEEDS_NFKC.test(s) ? s.normalize('NFKC') : s).toUpperCase();
  // Strip first, so that 八十八 号 and 八十八号 convert alike.
  return s
    .replace(STRIP_RE, '')
    .replace(ADDRESS_NUMERAL_RE, chineseNumeralToDigits)
    .replace(VARIANT_RE, (c) => VARIANT_CHARS[c]);
}

/**
 * cyrb53 fed piece by piece: `start(); update(a); update(b); digest()` equals `hash53(a + b)` (seed 0),
 * without building the concatenation.
 */
export class Hash53Stream {
  private h1 = 0;
  private h2 = 0;
  start(seed = 0): void {
    this.h1 = 0xdeadbeef ^ seed;
    this.h2 = 0x41c6ce57 ^ seed;
  }
  update(str: string): void {
    let h1 = this.h1,
      h2 = this.h2;
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }
  /** One UTF-16 code unit (a separator). */
  char(ch: number): void {
    this.h1 = Math.imul(this.h1 ^ ch, 2654435761);
    this.h2 = Math.imul(this.h2 ^ ch, 1597334677);
  }
  digest(): number {
    let h1 = this.h1,
      h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    const h = 4294967296 * (2097151 & h2) + (h1 >>> 0);
    return h === 0 ? 1 : h;
  }
}

const oneShot = new Hash53Stream();

/** cyrb53: a fast 53-bit string hash (safe integer, never 0). Collisions: ~N²/2⁵⁴, i.e. ~3e-5 for a million values. */
export function hash53(str: string, seed = 0): number {
  oneShot.start(seed);
  oneShot.update(str);
  return oneShot.digest();
}
