import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

describe.each(hubSetups())('a read refused after its event was committed is logged as withheld (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend, { auditTimeoutMs: 500 });
  });
  afterAll(() => hub?.close());

  it('the acknowledgement comes too late: the caller gets UNAVAILABLE, and the log says nothing was delivered', async () => {
    const q = `{ records(dataset: "legal-persons", first: 3) { nodes { data } } }`;
    const other = await hub.gql(await hub.token('PSB', ['consumer']), q);
    const creditCode = other.body.data.records.nodes[0].data.creditCode as string;

    // The audit service commits the next batch only once the gateway has given up waiting for it.
    const log = hub.audit.service.log;
    const original = log.runStatement;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    log.runStatement = async (db, text, params) => {
      if (!held) {
        held = true;
        await gate;
      }
      return original(db, text, params);
    };
    try {
      const late = await hub.gql(await hub.token('SAMR', ['consumer'], { sub: 'late-reader' }), q);
      expect(codes(late.body)).toEqual(['UNAVAILABLE']);
    } finally {
      release();
    }

    const auditor = await hub.token('NHC', ['auditor']);
    const lookup = `query W($id: String!) { auditSubjectAccess(identifier: $id) { nodes { id actor { sub } action outcome reason withholds } } }`;
    let mine: any[] = [];
    // Waits on the condition: the withheld event is resent until the audit service acknowledges it.
    while (!mine.some((e) => e.action === 'records.withheld')) {
      const who = await hub.gql(auditor, lookup, { id: creditCode });
      expect(who.body.errors).toBeUndefined();
      mine = who.body.data.auditSubjectAccess.nodes.filter((e: any) => e.actor.sub === 'late-reader');
      if (!mine.some((e) => e.action === 'records.withheld')) await new Promise((r) => setTimeout(r, 50));
    }
    const allowed = mine.find((e) => e.action === 'records.read');
    expect(allowed).toMatchObject({ outcome: 'allowed' }); // committed, though never delivered
    const withheld = mine.find((e) => e.action === 'records.withheld');
    expect(withheld).toMatchObject({
      outcome: 'error',
      withholds: allowed.id,
      reason: expect.stringContaining(`nothing was delivered for event ${allowed.id}`),
    });
  });
});
