import { createHmac } from 'node:crypto';
import type { MaskStyle } from '@govshare/contracts';

export interface MaskedField {
  field: string;
  style: MaskStyle;
}

const MOBILE = /^1\d{10}$/;
const RESIDENT_ID = /^\d{17}[\dXx]$/;
const HAN = /^\p{Script=Han}{2,4}$/u;

/**
 * Partial masking keeps just enough to recognise a value: 110105********002X, 138****5678, 张*.
 * Long free text such as an address keeps only its opening (province, city), since its end (house
 * and room number) identifies a person; short codes keep about a quarter at each end.
 */
export function maskPartial(value: string): string {
  const chars = [...value];
  if (RESIDENT_ID.test(value)) return value.slice(0, 6) + '*'.repeat(8) + value.slice(14);
  if (MOBILE.test(value)) return value.slice(0, 3) + '****' + value.slice(7);
  if (HAN.test(value)) return chars[0] + '*'.repeat(chars.length - 1);
  if (chars.length <= 2) return '*'.repeat(chars.length);
  if (chars.length >= 10) {
    const keep = Math.min(6, Math.floor(chars.length / 3));
    return chars.slice(0, keep).join('') + '*'.repeat(chars.length - keep);
  }
  const keep = Math.max(1, Math.floor(chars.length / 4));
  return chars.slice(0, keep).join('') + '*'.repeat(chars.length - 2 * keep) + chars.slice(-keep).join('');
}

/** Keyed HMAC: equal values give equal tokens across datasets (joins work), values stay hidden. */
export function maskHash(value: unknown, key: Buffer): string {
  const text = typeof value === 'string' ? value.normalize('NFKC').trim().toUpperCase() : JSON.stringify(value);
  return 'hmac:' + createHmac('sha256', key).update(text).digest('hex').slice(0, 32);
}

export function maskValue(value: unknown, style: MaskStyle, key: Buffer): unknown {
  if (value === null || value === undefined) return value;
  switch (style) {
    case 'redact':
      return null;
    case 'hash':
      return maskHash(value, key);
    case 'partial':
      return typeof value === 'string' ? maskPartial(value) : null;
  }
}

/** Applies a mask plan to one record's data; fields not in the plan pass through unchanged. */
export function maskRecord(data: Record<string, unknown>, plan: MaskedField[], key: Buffer): Record<string, unknown> {
  if (plan.length === 0) return data;
  const out = { ...data };
  for (const { field, style } of plan) if (field in out) out[field] = maskValue(out[field], style, key);
  return out;
}
