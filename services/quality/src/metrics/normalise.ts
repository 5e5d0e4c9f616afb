// Normalisation shared by every metric; the definitions are in docs/quality.md.

// ASCII and CJK Unified Ideographs (U+4E00-U+9FFF) are NFKC-stable: only other text needs normalize().
const NEEDS_NFKC = /[^\x00-\x7f\u4e00-\u9fff]/;

/** Missing: absent, null, or a string that is empty after trimming whitespace (String.trim covers U+3000 and U+FEFF). */
export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  return false;
}

/** Normalised value: Unicode NFKC, trimmed, upper-cased. Non-strings are JSON-encoded first. Missing -> ''. */
export function normaliseValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (NEEDS_NFKC.test(s)) s = s.normalize('NFKC');
  return s.trim().toUpperCase();
}

/** Variant (traditional / old-form) characters common in addresses, mapped to the standard form. */
export const VARIANT_CHARS: Record<string, string> = {
  號: '号', 樓: '楼', 區: '区', 縣: '县', 鎮: '镇', 鄉: '乡', 門: '门', 單: '单', 棟: '栋', 層: '层',
  東: '东', 廣: '广', 場: '场', 園: '园', 莊: '庄', 灣: '湾', 濱: '滨', 橋: '桥', 廈: '厦', 國: '国',
  華: '华', 陽: '阳', 衚: '胡', 衕: '同', 裡: '里', 裏: '里', 臺: '台', 雲: '云', 嶺: '岭', 龍: '龙',
  興: '兴', 豐: '丰', 寧: '宁', 長: '长', 關: '关', 業: '业', 開: '开', 發: '发', 〇: '0',
};
const VARIANT_RE = new RegExp(`[${Object.keys(VARIANT_CHARS).join('')}]`, 'g');
const STRIP_RE = /[\s\p{P}\p{S}]/gu;

/** Normalised text for near-duplicate comparison: NFKC, upper-case, variant characters mapped, whitespace and punctuation removed. */
export function normaliseText(v: unknown): string {
  if (isMissing(v)) return '';
  let s = typeof v === 'string' ? v : String(v);
  s = (NEEDS_NFKC.test(s) ? s.normalize('NFKC') : s).toUpperCase();
  return s.replace(VARIANT_RE, (c) => VARIANT_CHARS[c]).replace(STRIP_RE, '');
}

/** cyrb53: a fast 53-bit string hash (safe integer, never 0). Collisions: ~N²/2⁵⁴, i.e. ~3e-5 for a million values. */
export function hash53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed, h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const h = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return h === 0 ? 1 : h;
}
