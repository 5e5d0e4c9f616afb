import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMaskKey, maskHash, maskPartial, maskRecord } from './masking.ts';

const key = Buffer.from('k'.repeat(32));

describe('masking', () => {
  it('masks the documented shapes', () => {
    expect(maskPartial('11010519491231002X')).toBe('110105********002X');
    expect(maskPartial('13812345678')).toBe('138****5678');
    expect(maskPartial('张三')).toBe('张*');
    expect(maskPartial('欧阳修文')).toBe('欧***');
    expect(maskPartial('浙江省杭州市西湖区文三路100号2单元1903室')).toBe('浙江省杭州市' + '*'.repeat(18));
  });

  it('partial masking keeps the length and hides the middle of any string', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 3, maxLength: 60 }), (s) => {
        const m = maskPartial(s);
        expect([...m].length).toBe([...s].length);
        expect(m).toContain('*');
        if ([...s].length >= 8 && !/^\*+$/.test(s)) expect(m).not.toBe(s);
      }),
    );
  });

  it('hash masking is stable, keyed and normalises before hashing (so joins still work)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (s) => {
        expect(maskHash(s, key)).toBe(maskHash(s, key));
        expect(maskHash(s, key)).toBe(maskHash(` ${s.normalize('NFKC').toUpperCase()}\u3000`, key));
        expect(maskHash(s, key)).toMatch(/^hmac:[0-9a-f]{32}$/);
      }),
    );
    expect(maskHash('11010519491231002x', key)).toBe(maskHash(' 11010519491231002X', key));
    expect(maskHash('a', key)).not.toBe(maskHash('a', Buffer.from('other-key-other-key-other-key-00')));
  });

  it('maskRecord touches only planned fields, and redact removes the value', () => {
    const rec = { idNumber: '11010519491231002X', name: '张三', city: '北京', income: 12000 };
    const out = maskRecord(
      rec,
      [
        { field: 'idNumber', style: 'hash' },
        { field: 'name', style: 'partial' },
        { field: 'income', style: 'redact' },
      ],
      key,
    );
    expect(out).toEqual({ idNumber: maskHash('11010519491231002X', key), name: '张*', city: '北京', income: null });
    expect(rec.name).toBe('张三');
  });
});

describe('the hub mask key', () => {
  it('is GOVSHARE_MASK_KEY when set, else one key file under the data dir that every service reads alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mask-key-'));
    try {
      const first = loadMaskKey(dir);
      expect(first.length).toBe(64);
      expect(loadMaskKey(dir)).toEqual(first); // another service, or a restart: the same key
      expect(loadMaskKey(dir, 'e'.repeat(32))).toEqual(Buffer.from('e'.repeat(32)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
