// Any string the gateway can receive is stored, searchable and verifiable, and one event the
// database refuses fails alone: the others of its batch (and of its own call) are committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { queryPrepared } from './raw-sql.ts';
import { searchEvents } from './search.ts';
import { storableText } from './stored-text.ts';
import { verifyExport } from './verify-export.ts';
import { backends, ctx, makeEvent, startTestAudit, text, type TestAudit } from './test-helpers.ts';

describe('storableText', () => {
  it('is the identity on ordinary text and never maps two strings to one stored form', () => {
    expect(storableText('110105199001011234 中文 😀')).toBe('110105199001011234 中文 😀');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const sa = storableText(a);
        expect(sa).not.toMatch(/\u0000/);
        expect(Buffer.from(sa, 'utf8').toString('utf8')).toBe(sa); // survives UTF-8 (no lone surrogate)
        if (a !== b) expect(sa).not.toBe(storableText(b));
      }),
      { numRuns: 2000 },
    );
    expect(storableText('a\u0000')).not.toBe(storableText('a\u00010'));
  });
});

describe.each(backends())('any string, and one bad event among many (%s)', (backend) => {
  let a: TestAudit;
  beforeAll(async () => {
    a = await startTestAudit(backend);
  });
  afterAll(() => a?.stop());

  it('an event with NUL (and lone surrogates) among concurrent good ones: all are committed, and it is searchable', async () => {
    const nul = makeEvent({
      dataset: 'legal\u0000persons',
      purpose: 'x\u0000y',
      filter: { field: 'name', op: 'eq', value: '\u0000' },
      actor: { sub: 'eve\u0000', dept: 'SAMR', roles: [] },
    });
    const odd = makeEvent({ dataset: 'half \ud800 surrogate', requestId: 'r\udc00' });
    const good = Array.from({ length: 40 }, () => makeEvent());
    const posts = [...good.slice(0, 20), nul, odd, ...good.slice(20)].map((e) => a.remote.append({ events: [e] }, ctx));
    const replies = await Promise.all(posts);
    for (const r of replies) expect(r.rejected).toBeUndefined();
    const found = await a.remote.searchEvents({ dataset: 'legal\u0000persons' }, ctx);
    expect(found.events).toHaveLength(1);
    expect(found.events[0]).toMatchObject({
      id: nul.id,
      dataset: 'legal\u0000persons',
      purpose: 'x\u0000y',
      filter: { value: '\u0000' },
    });
    expect((await a.remote.searchEvents({ sub: 'eve\u0000' }, ctx)).events.map((e) => e.id)).toEqual([nul.id]);
    const bySurrogate = await searchEvents(a.service.database.db, {
      dataset: 'half \ud800 surrogate',
      requestId: 'r\udc00',
    });
    expect(bySurrogate.events.map((e) => e.id)).toEqual([odd.id]);
    await a.service.checkpoints.signNow();
    const report = await verifyExport(
      (await text(a.remote.exportLog({}, ctx))).trim().split('\n'),
      (await a.remote.publicKeys({}, ctx)).keys,
    );
    expect(report).toMatchObject({ ok: true, leaves: 42 });
  });

  it('an event the database refuses fails alone; its batch and its own call commit the rest', async () => {
    const log = a.service.log;
    const refusedSizes: number[] = [];
    log.runStatement = (db, text, params) => {
      if (String(params[1]).includes('POISON')) {
        refusedSizes.push(String(params[0]).split(',').length);
        return Promise.reject(Object.assign(new Error('invalid byte sequence'), { code: '22021' }));
      }
      return queryPrepared(db, text, params);
    };
    try {
      const before = log.size;
      const poison = makeEvent({ purpose: 'POISON' });
      const partner = makeEvent();
      const calls = Array.from({ length: 30 }, (_, i) => (i === 7 ? [partner, poison] : [makeEvent()]));
      // Same tick: the first call is flushed alone, the other 29 (poison included) share the next batch.
      const outcomes = await Promise.all(calls.map((evs) => log.appendEach(evs)));
      expect(refusedSizes[0]).toBeGreaterThan(2); // the poison really shared a batch with others
      const flat = outcomes.flat();
      const failed = flat.filter((o) => 'error' in o);
      expect(failed.map((o) => o.id)).toEqual([poison.id]);
      expect((failed[0] as any).error).toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/refused to store it \(SQLSTATE 22021\)/),
      });
      const seqs = flat.flatMap((o) => ('seq' in o ? [o.seq] : [])).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => before + i)); // gap-free
      // Through the face (over HTTP and in process): the call succeeds with its good event accepted
      // and the bad one rejected; a call with only the bad one fails.
      for (const face of [a.remote, a.face]) {
        const again = makeEvent({ purpose: 'POISON' });
        const ok = makeEvent();
        const r = await face.append({ events: [ok, again] }, ctx);
        expect(r.accepted.map((x) => x.id)).toEqual([ok.id]);
        expect(r.rejected).toEqual([
          { id: again.id, code: 'BAD_USER_INPUT', message: expect.stringContaining(again.id) },
        ]);
        await expect(face.append({ events: [makeEvent({ purpose: 'POISON' })] }, ctx)).rejects.toMatchObject({
          code: 'BAD_USER_INPUT',
        });
      }
    } finally {
      log.runStatement = queryPrepared;
    }
    await a.service.checkpoints.signNow();
    const report = await verifyExport(
      (await text(a.remote.exportLog({}, ctx))).trim().split('\n'),
      (await a.remote.publicKeys({}, ctx)).keys,
    );
    expect(report.ok, report.error).toBe(true);
  });
});
