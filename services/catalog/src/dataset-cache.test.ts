import { expect, it } from 'vitest';
import { DatasetRowCache } from './dataset-cache.ts';

const row = (version: number) => ({ id: 'd', version }) as any;

it('serves a cached row until a write forgets it, and never caches a read that raced a write', async () => {
  const cache = new DatasetRowCache();
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
