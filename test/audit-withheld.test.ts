import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSetups, codes, startHub, type Hub } from './hub.ts';

const LOOKUP = `query W($id: String!) { auditSubjectAccess(identifier: $id) { nodes { id actor { sub } action outcome reason withholds } } }`;

/** The events of one reader that a subject lookup returns, once a records.withheld is among them (resent until acknowledged). */
async function untilWithheld(hub: Hub, identifier: string, sub: string): Promise<any[]> {
  const auditor = await hub.token('NHC', ['auditor']);
  for (;;) {
    const who = await hub.gql(auditor, LOOKUP, { id: identifier });
    expect(who.body.errors).toBeUndefined();
    const mine = who.body.data.auditSubjectAccess.nodes.filter((e: any) => e.actor.sub === sub);
    if (mine.some((e: any) => e.action === 'records.withheld')) return mine;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Holds the audit log's next statement until `release` is called; `held` resolves once one waits. */
function holdNextStatement(hub: Hub) {
  const log = hub.audit.service.log;
  const original = log.runStatement;
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = new Promise<void>((r) => (entered = r));
  let holding = false;
  log.runStatement = async (db, text, params) => {
    if (!holding) {
      holding = true;
      entered();
      await gate;
    }
    return original(db, text, params);
  };
  return { held, release };
}

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
    const { release } = holdNextStatement(hub);
    try {
      const late = await hub.gql(await hub.token('SAMR', ['consumer'], { sub: 'late-reader' }), q);
      expect(codes(late.body)).toEqual(['UNAVAILABLE']);
    } finally {
      release();
    }

    const mine = await untilWithheld(hub, creditCode, 'late-reader');
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

describe.each(hubSetups())('a read whose client left before its reply is logged as withheld (%s)', (backend) => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub(backend, { auditTimeoutMs: 120_000 }); // the acknowledgement is never late here
  });
  afterAll(() => hub?.close());

  it('the client closes the request while its event is being committed: the log says nothing was delivered', async () => {
    const q = `{ records(dataset: "legal-persons", first: 3) { nodes { data } } }`;
    const other = await hub.gql(await hub.token('PSB', ['consumer']), q);
    const creditCode = other.body.data.records.nodes[0].data.creditCode as string;

    const token = await hub.token('SAMR', ['consumer'], { sub: 'gone-reader' });
    const { held, release } = holdNextStatement(hub);
    const url = new URL('/graphql', hub.gatewayUrl);
    const body = JSON.stringify({ query: q });
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const answered = new Promise<string>((resolve) => {
      req.on('response', () => resolve('answered'));
      req.on('error', () => resolve('closed'));
    });
    req.end(body);
    try {
      await held; // the read's allowed event is waiting to be committed
      req.destroy();
      // One round trip through the gateway: its event loop has seen the first connection close by then.
      expect((await fetch(`${hub.gatewayUrl}/healthz`)).status).toBe(200);
    } finally {
      release();
    }
    expect(await answered).toBe('closed');

    const mine = await untilWithheld(hub, creditCode, 'gone-reader');
    const allowed = mine.find((e) => e.action === 'records.read');
    expect(allowed).toMatchObject({ outcome: 'allowed' }); // committed, though never delivered
    expect(mine.find((e) => e.action === 'records.withheld')).toMatchObject({
      outcome: 'error',
      withholds: allowed.id,
      reason: expect.stringContaining('the client had closed the request'),
    });
  });
});
