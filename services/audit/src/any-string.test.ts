// Any string the gateway can receive is stored, searchable and verifiable, and one event the
// database refuses fails alone: the others of its batch (and of its own call) are committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { queryPrepared } from './raw-sql.ts';
import { searchEvents } from './search.ts';
import { storableText } from './stored-text.ts';
import { verifyExport } from './verify-export.ts';
import { backends, makeEvent, startTestAudit, type TestAudit } from './test-helpers.ts';

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
    const posts = [...good.slice(0, 20), nul, odd, ...good.slice(20)].map((e) =>
      a.call('POST', '/events', { events: [e] }),
    );
    const replies = await Promise.all(posts);
    for (const r of replies) expect(r.status, r.text).toBe(200);
    const found = await a.call('GET', `/events?dataset=${encodeURIComponent('legal\u0000persons')}`);
    expect(found.body.events).toHaveLength(1);
    expect(found.body.events[0]).toMatchObject({
      id: nul.id,
      dataset: 'legal\u0000persons',
      purpose: 'x\u0000y',
      filter: { value: '\u0000' },
    });
    expect(
      (await a.call('GET', `/events?sub=${encodeURIComponent('eve\u0000')}`)).body.events.map((e: any) => e.id),
    ).toEqual([nul.id]);
    const bySurrogate = await searchEvents(a.service.database.db, {
      dataset: 'half \ud800 surrogate',
      requestId: 'r\udc00',
    });
    expect(bySurrogate.events.map((e) => e.id)).toEqual([odd.id]);
    await a.service.checkpoints.signNow();
    const report = await verifyExport(
      (await a.call('GET', '/export')).text.trim().split('\n'),
      (await a.call('GET', '/public-key')).body.keys,
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
      // Over HTTP: the call answers 200 with its good event accepted and the bad one rejected.
      const again = makeEvent({ purpose: 'POISON' });
      const ok = makeEvent();
      const r = await a.call('POST', '/events', { events: [ok, again] });
      expect(r.status).toBe(200);
      expect(r.body.accepted.map((x: any) => x.id)).toEqual([ok.id]);
      expect(r.body.rejected).toEqual([
        { id: again.id, code: 'BAD_USER_INPUT', message: expect.stringContaining(again.id) },
      ]);
      expect((await a.call('POST', '/events', { events: [makeEvent({ purpose: 'POISON' })] })).status).toBe(400);
    } finally {
      log.runStatement = queryPrepared;
    }
    await a.service.checkpoints.signNow();
    const report = await verifyExport(
      (await a.call('GET', '/export')).text.trim().split('\n'),
      (await a.call('GET', '/public-key')).body.keys,
    );
    expect(report.ok, report.error).toBe(true);
  });
});
