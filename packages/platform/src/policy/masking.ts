// One masking module for the whole hub: the gateway masks what it serves, the quality service the
// examples in its reports, with the same functions and the same keyed HMAC key, so a hashed value
// is the same token everywhere and an unkeyed hash of an 18-digit ID (which can be brute-forced)
// is never shown.
import { randomBytes, createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MaskStyle } from '@govshare/contracts';
import { keyFile } from '../keys.ts';

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
export function maskHash(value: unknown, key: Uint8Array): string {
  const text = typeof value === 'string' ? value.normalize('NFKC').trim().toUpperCase() : JSON.stringify(value);
  return 'hmac:' + createHmac('sha256', key).update(text).digest('hex').slice(0, 32);
}

export function maskValue(value: unknown, style: MaskStyle, key: Uint8Array): unknown {
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
export function maskRecord(
  data: Record<string, unknown>,
  plan: MaskedField[],
  key: Uint8Array,
): Record<string, unknown> {
  if (plan.length === 0) return data;
  const out = { ...data };
  for (const { field, style } of plan) if (field in out) out[field] = maskValue(out[field], style, key);
  return out;
}

/** The hub's mask key setting, for the env specs of the services that mask (gateway, quality). */
export const maskKeyEnvSpec = {
  GOVSHARE_MASK_KEY: {
    type: 'string',
    minLength: 32,
    description: 'HMAC key for hash masking (dev: generated under the data dir)',
    secret: true,
  },
} as const;

/**
 * The hub's mask key: GOVSHARE_MASK_KEY when set, else (dev, embedded mode) a key file under the data
 * dir, created once by whichever service starts first (an exclusive create, so two starting at once
 * still end up with one key), so hashes stay stable across restarts and equal across services.
 */
export function loadMaskKey(dataDir: string, fromEnv?: string): Buffer {
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const file = keyFile(dataDir, 'mask-hmac').replace(/\.jwk\.json$/, '.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
