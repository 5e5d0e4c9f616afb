import { expect, it } from 'vitest';
import { WriteInvalidatedCache } from './read-cache.ts';

const row = (version: number) => ({ id: 'd', version });

it('serves a cached value until a write forgets it, and never caches a read that raced a write', async () => {
  const cache = new WriteInvalidatedCache<{ id: string; version: number }>();
  let loads = 0;
  expect(await cache.get('d', async () => (loads++, row(1)))).toMatchObject({ version: 1 });
  expect(await cache.get('d', async () => (loads++, row(99)))).toMatchObject({ version: 1 });
  expect(loads).toBe(1);

  // A read that started before a write and finished after it must not be kept.
  let release!: () => void;
  const slow = cache.get('d-race', () => new Promise((r) => (release = () => r(row(1)))));
  cache.forget('d-race');
  release();
  expect(await slow).toMatchObject({ version: 1 });
  expect(await cache.get('d-race', async () => row(2))).toMatchObject({ version: 2 });

  cache.forget('d');
  expect(await cache.get('d', async () => row(3))).toMatchObject({ version: 3 });
  expect(await cache.get('missing', async () => undefined)).toBeUndefined();
});

it('around a write everything is forgotten: a read that spans its commit is not kept, reads after it see it', async () => {
  const cache = new WriteInvalidatedCache<{ id: string; version: number }>();
  let stored = 1;
  const load = async () => row(stored);
  expect(await cache.get('d', load)).toMatchObject({ version: 1 });

  let commit!: () => void;
  const write = cache.aroundWrite(() => new Promise<void>((r) => (commit = () => ((stored = 2), r()))));
  // A read that starts while the write is in flight and ends after the commit sees the old value
  // and must not keep it.
  let release!: () => void;
  const racing = cache.get('d', () => new Promise((r) => (release = () => r(row(1)))));
  commit();
  await write;
  release();
  expect(await racing).toMatchObject({ version: 1 });
  expect(await cache.get('d', load)).toMatchObject({ version: 2 });

  // A failed write forgets too.
  stored = 3;
  await expect(cache.aroundWrite(async () => Promise.reject(new Error('rolled back')))).rejects.toThrow('rolled back');
  expect(await cache.get('d', load)).toMatchObject({ version: 3 });
});

it('a write to one key forgets that key only, before and after it', async () => {
  const cache = new WriteInvalidatedCache<{ id: string; version: number }>();
  let stored = 1;
  await cache.get('a', async () => row(stored));
  await cache.get('b', async () => row(stored));
  await cache.aroundWrite(async () => void (stored = 2), 'a');
  expect(await cache.get('a', async () => row(stored))).toMatchObject({ version: 2 });
  expect(await cache.get('b', async () => row(stored))).toMatchObject({ version: 1 });
});
