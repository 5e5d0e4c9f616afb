// Reading the catalog export: multi-byte characters split across network chunks must not change a figure.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StoredRecord } from '@govshare/contracts';
import { generateEd25519 } from '@govshare/platform';
import { catalogSource, ndjsonRecords, ndjsonText, utf8Text } from './source.ts';
import { DatasetScorer, type ScoringInput } from './metrics/scorer.ts';
import { residentBatches, residentSchema } from './testing/generate.ts';

const input: ScoringInput = {
  schema: residentSchema,
  keyFields: ['idNumber'],
  ruleSet: {},
  asOf: '2026-11-20T00:00:00Z',
  maskKey: randomBytes(32),
};
const withIds = (recs: StoredRecord[]) => recs.map((r, i) => ({ id: `r${String(i).padStart(4, '0')}`, ...r }));
const ndjsonBytes = (recs: StoredRecord[]) =>
  new TextEncoder().encode(recs.map((r) => JSON.stringify(r)).join('\n') + '\n');

/** The bytes as a stream cut at the given offsets (each chunk its own Uint8Array, as a socket delivers them). */
async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const at of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield bytes.slice(from, at);
    from = at;
  }
  yield bytes.slice(from);
}

/** Figures of records read through each of the two readers the service uses. */
async function figures(bytes: Uint8Array, cuts: number[]) {
  const viaRecords = new DatasetScorer(input);
  for await (const batch of ndjsonRecords(chunked(bytes, cuts), 2)) viaRecords.add(batch);
  const viaText = new DatasetScorer(input);
  for await (const piece of ndjsonText(chunked(bytes, cuts), 100)) {
    viaText.add(
      piece.text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l)),
    );
  }
  return [viaRecords.finish(), viaText.finish()];
}

describe('catalog export decoding', () => {
  const records = withIds([...residentBatches(8, 3)].flat());
  const bytes = ndjsonBytes(records);
  let whole: ReturnType<DatasetScorer['finish']>;
  beforeAll(() => {
    const s = new DatasetScorer(input);
    s.add(records);
    whole = s.finish();
  });

  it('gives the same figures whatever byte offset a chunk boundary falls on', async () => {
    const text = new TextDecoder().decode(bytes);
    expect(bytes.length).toBeGreaterThan(text.length + 200); // many boundaries fall inside a character
    for (let at = 1; at < bytes.length; at++) {
      const [a, b] = await figures(bytes, [at]);
      expect(a, `split at byte ${at}`).toEqual(whole);
      expect(b, `split at byte ${at}`).toEqual(whole);
    }
  });

  it('decodes any Unicode text split at any offsets as the text itself, and scores it the same', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (names, offsets) => {
          const recs = withIds(
            names.map((name, i) => ({
              ...records[i],
              data: { ...records[i].data, name, address: name + records[i].data.address },
            })),
          );
          const b = ndjsonBytes(recs);
          const cuts = offsets.map((o) => o % b.length);
          let decoded = '';
          for await (const t of utf8Text(chunked(b, cuts))) decoded += t;
          expect(decoded).toBe(new TextDecoder().decode(b));
          const s = new DatasetScorer(input);
          s.add(recs);
          const expected = s.finish();
          for (const got of await figures(b, cuts)) expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', async () => {
    const bad = Uint8Array.from(
      [...ndjsonBytes(records.slice(0, 1))].map((x, i, all) => (i === all.length - 3 ? 0xff : x)),
    );
    await expect(async () => {
      for await (const _ of ndjsonRecords(chunked(bad, [5]))) void _;
    }).rejects.toThrow('the catalog export is not valid UTF-8');
  });
});

describe('catalogSource over HTTP, one byte per write', () => {
  const records = withIds([...residentBatches(3, 4)].flat());
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const bytes = ndjsonBytes(records);
    server = createServer(async (req, res) => {
      if (req.url !== '/rpc/exportRecords') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      // Each byte its own write, the event loop turning in between: the reader gets characters in pieces.
      for (const byte of bytes) {
        res.write(Uint8Array.of(byte));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server?.close(r)));

  it('reads every record as written, through batches() and ndjson()', async () => {
    const source = catalogSource({
      baseUrl: url,
      privateJwk: (await generateEd25519('quality')).privateJwk,
      pageSize: 100,
    });
    try {
      const viaBatches: StoredRecord[] = [];
      for await (const b of source.batches('people')) viaBatches.push(...b);
      expect(viaBatches).toEqual(records);
      let text = '';
      for await (const c of source.ndjson!('people')) text += c.text;
      expect(
        text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      ).toEqual(records);
    } finally {
      await source.close();
    }
  });
});
